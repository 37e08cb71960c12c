"""Ruby annotations (``<ruby>``) set inline, as a page without ruby support shows them.

Japanese and Chinese pages annotate a word with its reading: ``<ruby><rb>弾劾</rb><rp>（</rp>
<rt>だんがい</rt><rp>）</rp></ruby>``.  The extractor reads the ruby parts as blocks of their
own and breaks the sentence into three lines around the word, or drops the reading.  The
parts are unwrapped before extraction, so the word and its reading stay in the sentence in
the form the markup provides for browsers without ruby (the ``<rp>`` brackets):
``弾劾（だんがい）``.
"""

from __future__ import annotations

from lxml import etree
from lxml.html import HtmlElement

_RUBY_TAGS = ("ruby", "rb", "rt", "rtc", "rp")
_CLUES = (b"<ruby", b"<RUBY")


def may_hold_ruby(html: str | bytes) -> bool:
    """Whether the page source holds a ``<ruby>`` tag (a search of the source is far cheaper
    than a walk of the tree, and most pages have none)."""
    if isinstance(html, str):
        return "<ruby" in html or "<RUBY" in html
    return any(clue in html for clue in _CLUES)


def inline_ruby(root: HtmlElement) -> None:
    """Unwrap the ruby elements of ``root`` in place, keeping their text where it stands."""
    etree.strip_tags(root, *_RUBY_TAGS)
