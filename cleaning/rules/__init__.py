"""Bundled rule files (TOML).  Read by :func:`pipelines.resources.load_ruleset`, never at import."""
