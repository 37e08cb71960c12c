"""Load the bundled rule files and the user's own, once per process (never at import)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from cleaning.rules import Rule, RuleError, RuleSet, build_ruleset, parse_rules


def bundled_rule_files() -> list[tuple[str, str]]:
    """(name, text) of every rule file shipped in ``cleaning/rules``, in name order."""
    pkg = resources.files("cleaning.rules")
    out = []
    for entry in sorted(pkg.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            out.append((f"cleaning/rules/{entry.name}", entry.read_text(encoding="utf-8")))
    return out


def load_ruleset(extra_files: Sequence[str | Path] = (), disabled: Iterable[str] = ()) -> RuleSet:
    """The bundled rules, then each of ``extra_files``, less the ``disabled`` ids."""
    # the bundled files skip the backtracking checks (tests/test_rule_backtracking.py runs them)
    groups: list[list[Rule]] = [
        parse_rules(text, name, probe=False, bounded=False) for name, text in bundled_rule_files()
    ]
    for path in extra_files:
        text = read_config(Path(path), "rule file", RuleError)
        groups.append(parse_rules(text, str(path)))
    return build_ruleset(groups, disabled)


@dataclass(frozen=True)
class RuleSources:
    """The texts a rule set is parsed from: (name, TOML text, bundled) of each rule file in
    load order, and the disabled ids.  Small to send (about 65 KB with the bundled files),
    and ``digest`` names the rule set they give before anything is parsed (a Dask worker
    keeps the parsed set of a digest across runs, :mod:`pipelines.batch.cluster`)."""

    files: tuple[tuple[str, str, bool], ...]
    disabled: tuple[str, ...] = ()
    digest: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.digest:
            blob = json.dumps([self.files, self.disabled], ensure_ascii=False).encode()
            object.__setattr__(self, "digest", hashlib.sha256(blob).hexdigest())

    def load(self, *, probe: bool = True) -> RuleSet:
        """Parse and join the files (:class:`RuleError` names a bad one).  The bundled files
        skip the backtracking checks (tests/test_rule_backtracking.py runs them); the user's
        files get them unless ``probe`` is off (where they have already passed them), and
        their line rules the line-length bound (``USER_LINE_CHARS``) in any case."""
        groups: list[list[Rule]] = [
            parse_rules(text, name, probe=probe and not bundled, bounded=not bundled)
            for name, text, bundled in self.files
        ]
        return build_ruleset(groups, self.disabled)


def rule_sources(
    extra_files: Sequence[str | Path] = (), disabled: Iterable[str] = ()
) -> RuleSources:
    """The bundled rule files, then each of ``extra_files`` (read now: :class:`RuleError`
    when one cannot be read), and the ``disabled`` ids, unparsed."""
    files = [(name, text, True) for name, text in bundled_rule_files()]
    for path in extra_files:
        files.append((str(path), read_config(Path(path), "rule file", RuleError), False))
    return RuleSources(tuple(files), tuple(disabled))


def read_config(path: Path, what: str, error: type[Exception]) -> str:
    """The text of a user's configuration file (rules, sites); ``error`` carries the one-line
    message when it cannot be read or is not UTF-8."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read {what} ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise error(f"{path}: {what} is not UTF-8; save it as UTF-8") from None


def rules_version(ruleset: RuleSet) -> str:
    """The ``rules_version`` column: the rule set's content hash, plus the text model's version."""
    from cleaning.text import clean as text

    model = getattr(text, "MODEL_VERSION", None)
    return f"{ruleset.version}+{model}" if model else ruleset.version
