"""Which input files of a batch are already in the output folder, cleaned the same way.

A batch killed mid-way keeps the part files it wrote (:func:`pipelines.batch.run.write_outcomes`
writes one every ``--flush-seconds``); so that the next run does not clean those inputs again
(it would find their rows unchanged, after the whole cost of cleaning them), each input whose
rows are in place is recorded in ``OUTDIR/.newsclean/inputs.sqlite``: its absolute path, its
size and modification time, the digest of how it was cleaned (:func:`job_digest`) and the id
and content hash of every row it gave (and the reasons of the pages it dropped).

A later run skips an input (counts its rows unchanged) only when all of these still hold:
the same size and time, the same digest, and every one of its rows still in the folder with
the same content (the part files are the truth: a row removed or replaced since, by a run or
by hand, makes the input cleaned again).  An input that failed is not recorded.  The file is a
cache: deleted, every input is cleaned again, with the same result.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pipelines.store import STATE_DIR

if TYPE_CHECKING:
    from cleaning.text.repetition import RepetitionStats
    from pipelines.batch.inputs import InputFile

DB_NAME = "inputs.sqlite"


class CleanOptions(Protocol):
    """The options of :class:`pipelines.batch.run.CleanOptions` a file's output depends on
    (not imported: that module imports this one)."""

    @property
    def max_bytes(self) -> int: ...
    @property
    def encoding(self) -> str | None: ...
    @property
    def domain(self) -> str | None: ...


ROOT = Path(__file__).resolve().parent.parent.parent

# What the output of cleaning a file depends on besides the file and the rules: the code of
# the cleaning core and of the rows (hashed, so a changed source file counts even when the
# version number stays) and the libraries that parse and extract (an upgrade rewrites the
# file a module is loaded from: its path, size and time stand for the version, found without
# importing it; importlib.metadata took 60 ms of CPU for seven of them).
_CODE = ("cleaning", "pipelines/batch", "pipelines/store")
_LIBRARIES = (
    "trafilatura",
    "lxml",
    "htmldate",
    "charset_normalizer",
    "courlan",
    "justext",
    "warcio",
    "cssselect",  # translates the DOM rules' selectors
    "json_repair",  # reads JSON-LD that is not valid JSON
    "lxml_html_clean",
    "numpy",  # MinHash signatures
)


@cache
def code_digest() -> str:
    """A digest of the cleaning code (every ``.py`` and ``.toml`` of :data:`_CODE`) and of the
    libraries' files."""
    from importlib.util import find_spec

    h = hashlib.blake2b(digest_size=16)
    for folder in _CODE:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".py", ".toml") and path.is_file():
                h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    for name in _LIBRARIES:
        try:
            spec = find_spec(name)
        except (ImportError, ValueError):
            spec = None
        origin = spec.origin if spec is not None else None
        h.update(f"{name}={origin}:{stamp(Path(origin)) if origin else None}\0".encode())
    return h.hexdigest()


def job_digest(
    item: InputFile,
    version: str,
    options: CleanOptions,
    stats: RepetitionStats | None,
    groups: dict[str, str],
) -> str:
    """How ``item`` is cleaned: the code, the rules' version, the options, and for a text
    file the repetition statistics of its group (``groups`` caches each group's digest)."""
    parts = [
        code_digest(),
        version,
        item.kind,
        str(options.max_bytes),
        str(options.encoding),
        str(options.domain),
    ]
    if item.kind == "text":
        group = text_group(item, options)
        if group not in groups:
            groups[group] = _stats_digest(stats, group)
        parts.append(groups[group])
    return hashlib.blake2b("\0".join(parts).encode(), digest_size=16).hexdigest()


def _stats_digest(stats: RepetitionStats | None, group: str) -> str:
    """The digest of what a text file of ``group`` is cleaned with: the group's template
    lines (all the text cleaner reads of the statistics, cleaning/text/clean.py), not the
    counts of every line (sorting those took 80 ms for 300 dumps)."""
    if stats is None or group not in stats.groups:
        return "none"
    h = hashlib.blake2b(digest_size=16)
    h.update("\0".join(sorted(stats.template_hashes(group))).encode())
    return h.hexdigest()


def stats_digests(stats: RepetitionStats | None, names: Iterable[str]) -> dict[str, str]:
    """The digest of each group of ``names`` in ``stats``, as :func:`job_digest` takes it."""
    return {name: _stats_digest(stats, name) for name in names}


def text_group(item: InputFile, options: CleanOptions) -> str:
    """The statistics group a text file is cleaned with."""
    return options.domain or item.group


def stamp(path: Path) -> str | None:
    """Size and modification time of an input (None when it cannot be read)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}"


@dataclass(frozen=True)
class Done:
    """What an input gave when it was cleaned: its rows (id, content hash), its drop reasons."""

    rows: list[tuple[str, str]]
    dropped: list[str]


class DoneInputs:
    """The table of inputs already in the folder (see the module docstring)."""

    def __init__(self, outdir: Path) -> None:
        path = outdir / STATE_DIR / DB_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, timeout=60)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS inputs (path TEXT PRIMARY KEY, stamp TEXT NOT NULL,"
            " job TEXT NOT NULL, rows TEXT NOT NULL, dropped TEXT NOT NULL)"
        )

    @staticmethod
    def exists(outdir: Path) -> bool:
        return (outdir / STATE_DIR / DB_NAME).exists()

    def lookup(self, key: str, stamp: str, job: str) -> Done | None:
        found = self.db.execute(
            "SELECT rows, dropped FROM inputs WHERE path = ? AND stamp = ? AND job = ?",
            (key, stamp, job),
        ).fetchone()
        if found is None:
            return None
        return Done([(r[0], r[1]) for r in json.loads(found[0])], json.loads(found[1]))

    def record(self, entries: Iterable[tuple[str, str, str, Done]]) -> None:
        """Record inputs whose rows are all in place (one transaction)."""
        rows = [
            (key, st, job, json.dumps(done.rows), json.dumps(done.dropped))
            for key, st, job, done in entries
        ]
        if not rows:
            return
        self.db.execute("BEGIN IMMEDIATE")
        self.db.executemany("INSERT OR REPLACE INTO inputs VALUES (?, ?, ?, ?, ?)", rows)
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()


def split_done(
    inputs: list[InputFile],
    outdir: Path,
    version: str,
    options: CleanOptions,
    stats: RepetitionStats | None,
    content: Mapping[str, str],
    groups: Mapping[str, str] | None = None,
) -> tuple[list[InputFile], dict[InputFile, Done], dict[InputFile, tuple[str, str, str]]]:
    """(inputs to clean, inputs already in the folder and what they gave, each input's
    (key, stamp, job) to record once its rows are in place: each computed once per input).
    ``version``: the rules' (:func:`pipelines.rulefiles.rules_version`); ``content``: id ->
    content hash of the rows in the folder (:func:`pipelines.store.dataset.load_index`).
    ``groups``: the digests of the text groups' statistics (:func:`stats_digests`) when they
    were taken where the statistics are (a Dask run's stay on the cluster); else they are
    taken from ``stats``."""
    digests = dict(groups or {})
    keys: dict[InputFile, tuple[str, str, str]] = {}
    for item in inputs:
        st = stamp(item.path)
        if st is not None:
            keys[item] = (input_key(item), st, job_digest(item, version, options, stats, digests))
    done: dict[InputFile, Done] = {}
    if keys and DoneInputs.exists(outdir):
        table = DoneInputs(outdir)
        try:
            for item, (key, st, job) in keys.items():
                found = table.lookup(key, st, job)
                if found is not None and all(content.get(i) == c for i, c in found.rows):
                    done[item] = found
        finally:
            table.close()
    return [item for item in inputs if item not in done], done, keys


def input_key(item: InputFile) -> str:
    return str(item.path.resolve())
