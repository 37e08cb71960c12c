"""Load the bundled rule files and the user's own, once per process (never at import)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
        parse_rules(text, name, probe=False) for name, text in bundled_rule_files()
    ]
    for path in extra_files:
        text = read_config(Path(path), "rule file", RuleError)
        groups.append(parse_rules(text, str(path)))
    return build_ruleset(groups, disabled)


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
