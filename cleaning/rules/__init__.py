"""Boilerplate rules: the engine (:mod:`cleaning.rules.engine`) and the bundled rule files.

The ``*.toml`` files in this folder are the bundled rules; they are read by
:func:`pipelines.rulefiles.load_ruleset` when asked, never at import.
"""

from cleaning.rules.engine import (
    ACTIONS,
    KINDS,
    Rule,
    RuleError,
    RuleSet,
    build_ruleset,
    parse_rules,
)

__all__ = ["ACTIONS", "KINDS", "Rule", "RuleError", "RuleSet", "build_ruleset", "parse_rules"]
