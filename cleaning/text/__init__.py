"""Text mode: a plain-text dump (seed file, WET record, another tool's export) in, a record out.

Lines, their features and rule evidence, the article run, cross-document repetition.
May import cleaning.rules, cleaning.record and cleaning.words; nothing of html or metadata.
"""

from cleaning.text.clean import clean_text, decision_fires

__all__ = ["clean_text", "decision_fires"]
