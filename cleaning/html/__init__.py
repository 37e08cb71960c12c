"""HTML mode: a page in, a record out (decoding, page type, DOM rules, trafilatura, recall passes).

May import cleaning.metadata, cleaning.text (the body goes through the text rules),
cleaning.rules and the base modules (record, words, tree).
"""

from cleaning.html.extract import clean_html

__all__ = ["clean_html"]
