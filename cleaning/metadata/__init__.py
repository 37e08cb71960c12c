"""Page metadata: headline, authors, dates, language and the rest, from JSON-LD, meta tags and bylines.

Reads an lxml tree; may import the base modules (record, words, tree), nothing of the modes or rules.
"""

from cleaning.metadata.page import PageMeta, extract_metadata

__all__ = ["PageMeta", "extract_metadata"]
