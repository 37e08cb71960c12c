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


def inline_ruby(root: HtmlElement) -> None:
    """Unwrap the ruby elements of ``root`` in place, keeping their text where it stands.

    Cheap on the many pages without ruby: lxml finds no element of these names without a
    walk of the tree (the names are not in the document's dictionary), far cheaper than a
    search of the page source for them."""
    etree.strip_tags(root, *_RUBY_TAGS)
