"""Bytes in, one lxml tree out: input checks, charset detection, a bounded parse.

Everything after this module works on the tree it returns; nothing re-parses
the page.  Bad input raises :class:`HTMLInputError` with a one-line message.
"""

from __future__ import annotations

import codecs
import re
from itertools import islice

import lxml.html
from lxml import etree

# Work bounds: a page bigger than this is cut (lxml recovers the cut markup).  It is
# generous because the bulk of a huge page is usually inline script or data in <head>,
# with the article after it; lxml parses 20 MB in a fraction of a second.
# Nesting deeper than MAX_DEPTH is flattened so recursive consumers cannot blow the stack.
MAX_INPUT_BYTES = 40_000_000
MAX_DEPTH = 200
# Markup whose cost grows faster than its size.  libxml2 checks each attribute of a tag
# against the ones before it (a tag of 100,000 attributes: six seconds a parse, and the page
# is parsed again by trafilatura's readability and htmldate: 50 s); the extractors' passes
# cost about 0.1 ms an element (500,000 empty paragraphs in 4 MB: 45 s).  Pages of the eval
# sets have at most 73 attributes on a tag and 4,548 elements: a tag keeps its first
# MAX_ATTRIBUTES attributes, and a page its first MAX_ELEMENTS elements (document order).
MAX_ATTRIBUTES = 256
MAX_ELEMENTS = 60_000
# trafilatura's extraction grows with the square of the inline children and text nodes of
# one element (a paragraph of 32,000 <span>: 5-6 s of CPU, of 32,000 links: 7 s; the eval
# pages have at most 984 children under any element, most of them list items): an element
# of more inline children than this has them unwrapped, their text kept in place
MAX_INLINE_CHILDREN = 2_000
_INLINE_TAGS = (
    "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd",
    "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var",
)
_INLINE_SET = frozenset(_INLINE_TAGS)
_PARAGRAPH_INLINE = _INLINE_SET | {"a"}
_PARAGRAPHS = frozenset(("p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"))
_LONG_TAG_BYTES = 4096  # a start tag shorter than this cannot hold MAX_ATTRIBUTES attributes
# A page with fewer "=" than this has no tag of more attributes: its parse stays within a
# tenth of a second, and the tag search (0.4 ms a page) is skipped (eval pages: 13,825 at most)
_ATTRIBUTE_SEARCH_FROM = 16_384
_LONG_TAG = re.compile(rb"<[A-Za-z][^<>]{%d,}>" % (_LONG_TAG_BYTES - 2))
_TAG_NAME = re.compile(rb"<[A-Za-z][^\s/>]*")
_ATTRIBUTE = re.compile(rb"""\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>]+))?|\s*/""")

_HEAD_SCAN = 4096
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]{2,40})""", re.I
)
_XML_DECL = re.compile(
    rb"""^\s*<\?xml[^>]{0,100}encoding\s*=\s*["']([a-zA-Z0-9_.:-]{2,40})""", re.I
)
_HTML_HINT = re.compile(
    rb"<\s*(!doctype\s+html|html|head|body|meta|title|div|p|article|section|span|table|script|a\s)",
    re.I,
)
# WHATWG: these labels mean windows-1252 in a browser, and so here.
_LATIN1_LABELS = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii", "ascii", "l1"}
# Latin-script code pages a detector confuses with windows-1252 on short text.
_LATIN_NEIGHBOURS = {
    codecs.lookup(n).name
    for n in (
        "latin-1",
        "iso8859-15",
        "cp1250",
        "iso8859-2",
        "cp1254",
        "iso8859-9",
        "cp1257",
        "iso8859-13",
        "mac-roman",
    )
}
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"RIFF", "a RIFF file (WebP image or audio)"),
    (b"PK\x03\x04", "a ZIP archive (or an office document)"),
    (b"\x1f\x8b", "gzip-compressed data; decompress it first"),
    (b"BZh", "bzip2-compressed data; decompress it first"),
    (b"\x00\x00\x00", "binary data"),
)

_PARSER = etree.HTMLParser(
    # huge_tree: without it libxml2 stops at a text node over 10 MB (an inline data blob in
    # <head>) and the body is lost; depth is bounded by _flatten_deep instead
    huge_tree=True,
    collect_ids=False,
    default_doctype=False,
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
)
# Every element is an HtmlElement, chosen in C.  lxml.html's own parser picks the class in
# a Python method called each time an element object is created (~460k calls on 181 pages,
# ~8 % of clean_html's CPU, most of it in trafilatura's tree walks) only to give <form>,
# <input>, <select>, <textarea> and <label> their form-filling classes, which nothing here
# uses.
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
)


# UTF-8 read as windows-1252 / latin-1 and saved again as UTF-8 ("weâ\x80\x99ve", "Ã©"):
# a lead character of a two-to-four byte sequence followed by continuation characters.
_CP1252_HIGH = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_MOJIBAKE = re.compile(f"[\u00c2-\u00f4][\u0080-\u00bf{_CP1252_HIGH}]{{1,3}}")
# The same runs in the UTF-8 bytes: a lead character (C3 82-B4) followed by a continuation
# character (U+0080-U+00BF: C2 xx) or a windows-1252 special (C5, C6, CB or E2 lead byte).
_MOJIBAKE_BYTES = re.compile(rb"\xc3[\x82-\xb4][\xc2\xc5\xc6\xcb\xe2]")
# A page with fewer runs than this is left alone (a lone "Ü¼" may be meant).
MOJIBAKE_MIN_RUNS = 3
# libxml2 drops what follows </html> and puts what follows </body> outside the body;
# browsers carry on in <body>.  Templates that print their header as a whole document and
# the article after it exist.
_DOC_END = re.compile(rb"</(?:html|body)\s*>", re.I)
# Characters XML forbids: C0 controls other than tab, newline and carriage return, and
# U+FFFE / U+FFFF.  libxml2's HTML parser keeps them in text nodes, but lxml refuses to set
# such a text from Python, so the first DOM rule that removed an element next to one (its
# tail joins a neighbour's text) raised ValueError and the page was lost.  Browsers show
# none of them; vertical tab and form feed are white space in HTML.
_XML_FORBIDDEN = bytes(range(0x20)).translate(None, b"\t\n\r\x0b\x0c")
_AS_SPACE = bytes.maketrans(b"\x0b\x0c", b"  ")
_NONCHARACTERS = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")  # U+FFFE, U+FFFF in UTF-8
_NONCHARACTER_LEAD = b"\xef\xbf"  # the bytes both start with


def _unmangle(match: re.Match[str]) -> str:
    run = match.group()
    try:
        raw = bytes(
            ch.encode("cp1252")[0] if ch in _CP1252_HIGH else ord(ch)  # U+0080-U+00FF: one byte
            for ch in run
        )
        return raw.decode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError, ValueError):
        return run


def fix_mojibake(text: str) -> str:
    """Repair UTF-8 text that was decoded as windows-1252 and encoded again (double encoding).

    Only runs that decode as valid UTF-8 are replaced, and only on pages with at least
    :data:`MOJIBAKE_MIN_RUNS` of them."""
    if text.isascii():
        return text
    runs = sum(1 for _ in islice(_MOJIBAKE.finditer(text), MOJIBAKE_MIN_RUNS))
    if runs < MOJIBAKE_MIN_RUNS:
        return text
    return _MOJIBAKE.sub(_unmangle, text)


class HTMLInputError(ValueError):
    """The input is not an HTML page we can clean (empty, binary, JSON, ...)."""


def _declared_charset(head: bytes) -> str | None:
    for pattern in (_XML_DECL, _META_CHARSET):
        m = pattern.search(head)
        if m:
            label = m.group(1).decode("ascii", "ignore").strip().lower()
            if label in _LATIN1_LABELS:
                return "cp1252"
            try:
                return codecs.lookup(label).name
            except LookupError:
                return None
    return None


def decode_html(raw: bytes) -> tuple[str, str]:
    """Decode page bytes; returns (text, encoding used).

    Order: a BOM; then the declared charset (meta / XML declaration), except that
    bytes which are valid UTF-8 with non-ASCII content win over a declared
    single-byte charset (the classic wrong declaration, which would otherwise
    turn every accent into mojibake); then UTF-8; then charset-normalizer.
    """
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if raw.startswith(bom):
            return raw[len(bom) :].decode(enc, errors="replace"), enc
    declared = _declared_charset(raw[:_HEAD_SCAN])
    utf8: str | None
    try:
        utf8 = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a page cut inside a multi-byte sequence is still UTF-8
        utf8 = raw.decode("utf-8", errors="replace") if exc.start >= len(raw) - 3 else None
    if declared and declared.replace("_", "-") not in ("utf-8", "utf8"):
        if utf8 is not None and not utf8.isascii() and _is_single_byte(declared):
            return utf8, "utf-8"
        try:
            return raw.decode(declared), declared
        except (UnicodeDecodeError, LookupError):
            pass  # the declaration is wrong: detect below
    if utf8 is not None:
        return utf8, "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:200_000]).best()
    encoding = best.encoding if best is not None else "cp1252"
    if _lookup(encoding) in _LATIN_NEIGHBOURS:
        # short Western pages are often guessed as a neighbouring code page (cp1250 turns
        # "è" into "č"); windows-1252 is by far the most common single-byte web charset
        try:
            return raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    return raw.decode(encoding, errors="replace"), encoding


def _lookup(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding


def _is_single_byte(encoding: str) -> bool:
    name = codecs.lookup(encoding).name
    return name.startswith(("cp125", "iso8859", "latin", "koi8", "mac-", "cp8", "cp4"))


def check_input(raw: bytes) -> None:
    """Raise :class:`HTMLInputError` when ``raw`` is clearly not an HTML page."""
    head = raw[:_HEAD_SCAN].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise HTMLInputError("empty input: no bytes to parse (0 bytes or only whitespace)")
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            raise HTMLInputError(f"not HTML: the bytes are {what}")
    if head[:1] in (b"{", b"[") and not _HTML_HINT.search(head[:512]):
        raise HTMLInputError("not HTML: the bytes look like JSON")
    if head.count(b"\x00") > len(head) // 20 and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise HTMLInputError("not HTML: binary data (many NUL bytes)")
    if not _HTML_HINT.search(raw[:200_000]):
        raise HTMLInputError("not HTML: no HTML markup found in the input")


def parse_html(html: str | bytes) -> tuple[lxml.html.HtmlElement, str]:
    """Check, decode and parse a page once; returns (root element, encoding).

    Bounds the work: input beyond :data:`MAX_INPUT_BYTES` is cut, and elements nested
    deeper than :data:`MAX_DEPTH` are unwrapped into their ancestor at that depth.
    """
    if isinstance(html, str):
        if not html.strip():
            raise HTMLInputError("empty input: no text to parse")
        raw = html.encode("utf-8", errors="surrogatepass")
        check_input(raw)
        text, encoding = html, "str"
    elif isinstance(html, (bytes, bytearray, memoryview)):
        raw = bytes(html)
        check_input(raw)
        text, encoding = decode_html(raw[:MAX_INPUT_BYTES])
    else:
        raise HTMLInputError(f"expected str or bytes, got {type(html).__name__}")
    data = text.encode("utf-8", errors="replace")
    if _MOJIBAKE_BYTES.search(data):  # fast check on the bytes (literal first byte)
        data = fix_mojibake(text).encode("utf-8", errors="replace")
    data = _xml_safe(_keep_after_html_end(data[:MAX_INPUT_BYTES]))
    if data.count(b"=") > _ATTRIBUTE_SEARCH_FROM:
        data = _LONG_TAG.sub(_fewer_attributes, data)
    try:
        root = lxml.html.document_fromstring(data, parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise HTMLInputError(f"not HTML: the parser found no document ({exc})") from None
    if root is None or len(root) == 0:
        raise HTMLInputError("not HTML: the parser found no document")
    _flatten_deep(root)
    _cut_after_elements(root)
    _unwrap_wide(root)
    return root, encoding


def _fewer_attributes(match: re.Match[bytes]) -> bytes:
    """A long start tag with at most :data:`MAX_ATTRIBUTES` attributes (the first ones)."""
    tag = match.group(0)
    name = _TAG_NAME.match(tag)
    assert name is not None  # the pattern's own opening
    for count, attribute in enumerate(_ATTRIBUTE.finditer(tag, name.end(), len(tag) - 1), 1):
        if count > MAX_ATTRIBUTES:
            return tag[: attribute.start()] + b">"
    return tag


def more_elements_than(root: lxml.html.HtmlElement, n: int) -> bool:
    """Whether the tree holds more than ``n`` elements (counted up to ``n + 1`` only)."""
    return next(islice(root.iter(), n, None), None) is not None


def _cut_after_elements(root: lxml.html.HtmlElement) -> None:
    """Drop every element after the first :data:`MAX_ELEMENTS` in document order."""
    cut = next(islice(root.iter(), MAX_ELEMENTS, None), None)
    if cut is None:
        return
    node = cut
    while node is not root:
        parent = node.getparent()
        if parent is None:
            break
        for later in list(node.itersiblings()):
            parent.remove(later)
        node = parent
    parent = cut.getparent()
    if parent is not None:
        parent.remove(cut)


def _unwrap_wide(root: lxml.html.HtmlElement) -> None:
    """Unwrap the inline tags under every element of more than :data:`MAX_INLINE_CHILDREN`
    inline children (their text stays where it was).  Links are unwrapped in a paragraph
    only, whose links the extraction keeps as text anyway; elsewhere a cloud of links stays
    links, for the link-density tests (32,000 of them in a <div>: 2 s, and dropped)."""
    if not more_elements_than(root, MAX_INLINE_CHILDREN):
        return  # too few elements for one to have that many children
    for el in list(root.iter()):
        if len(el) <= MAX_INLINE_CHILDREN:
            continue
        tags = _PARAGRAPH_INLINE if el.tag in _PARAGRAPHS else _INLINE_SET
        if sum(1 for child in el if child.tag in tags) <= MAX_INLINE_CHILDREN:
            continue
        etree.strip_tags(el, *tags)
        # libxml2 leaves the unwrapped texts as separate text nodes, which XPath still sees
        # one by one (trafilatura's cost grows with their square): set each run again as one
        for node in (el, *el.iterdescendants()):
            node.text = node.text
            if node is not el:
                node.tail = node.tail


def _xml_safe(data: bytes) -> bytes:
    """UTF-8 ``data`` without the characters lxml cannot hold in a text (one pass)."""
    data = data.translate(_AS_SPACE, _XML_FORBIDDEN)
    if _NONCHARACTER_LEAD in data:  # one search for the two (it is rarely there)
        for bad in _NONCHARACTERS:
            if bad in data:
                data = data.replace(bad, b"")
    return data


def _keep_after_html_end(data: bytes) -> bytes:
    """``data`` without its </body> and </html> end tags when markup follows the first one.

    Both end tags are optional (the parser closes the document at the end of the input),
    so removing them keeps the page as a browser shows it: the trailing part in <body>."""
    m = _DOC_END.search(data)
    if m is None or not _DOC_END.sub(b"", data[m.end() :]).strip():
        return data
    return _DOC_END.sub(b"", data)


def _flatten_deep(root: lxml.html.HtmlElement) -> None:
    """Unwrap elements nested deeper than MAX_DEPTH (keeps their text, drops the nesting)."""
    # one XPath step per level finds the elements at exactly that depth, in C
    for el in root.xpath("/*" * MAX_DEPTH):
        if len(el):
            # collapse everything below el into el's text: the structure is junk at this depth
            text = " ".join(t.strip() for t in el.itertext() if t.strip())
            for child in list(el):
                el.remove(child)
            el.text = text
