"""The story's headline: the ``<h1>`` readers see when it is this story's, else the declared title.

Publishers declare titles for search engines and social cards (JSON-LD ``headline``,
``og:title``, ``<title>``) that often differ from the headline on the page ("Opinion | X"
for "X", a keyword-stuffed variant, the site's name glued on). Readers, and gold sets
built from what readers see, take the visible ``<h1>``. So the visible one wins when it is
clearly about this story; otherwise the first declared title does, without the site's name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from copy import deepcopy
from urllib.parse import unquote, urljoin, urlsplit

from lxml.html import HtmlElement

from cleaning.words import INVISIBLE_CHARS

# " | ", " - ", " : ", " « ", " › ", " ~ ", " / " ... between the story's title and the site's
# name or section.
_SEPARATORS = re.compile(r"\s+(?:[|｜\-–—:·•»«›‹~/]|::)\s+")
# "Garnix Blog: Story": a site name before a colon written without a space before it.
_COLON_PREFIX = re.compile(r"([^:|]{2,40}):\s+(?=\S)")
_STRIP_CHARS = " |-–—:·•»«›‹~/"
# Parts of a heading that are not its words: a date stamp, scripts, icon labels.
_SKIP_IN_HEADING = {"time", "script", "style", "noscript", "button", "svg"}
# Elements whose edges are word breaks even when the markup has no space there.
_BREAKS = {"br", "div", "p", "li", "ul", "ol", "section", "header", "h2", "h3", "figure"}
# An <h1> that is the site's logo or name, not a story's headline.
_LOGO_CLASS = re.compile(r"logo|site[-_]?(?:name|title|brand)|brand|masthead", re.I)
# An <h1> that its template marks as the headline of the page's story.
_HEADLINE_CLASS = re.compile(
    r"headline|(?:entry|post|article|story|news|blog|page)[-_]{0,2}title", re.I
)
_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE_CHARS))
# A heading inside the site's breadcrumb trail or menu ("Home > Politics > <h1>Story</h1>"):
# a copy of the SEO title for search engines, not the headline readers see.
_BREADCRUMB = re.compile(r"breadcrumb", re.I)
# A heading hidden from the eye, kept for screen readers and search engines ("sr-only",
# "visually-hidden", "screen-reader-text"): like a breadcrumb's, not the headline readers see.
_HIDDEN_CLASS = re.compile(
    r"(?:^|\s)(?:sr-only|visually-?hidden|screen-?reader(?:-text|-only)?|a11y-hidden)(?:$|\s)",
    re.I,
)
# A class that only says whether or where a page shows its breadcrumbs: a layout flag.
_BREADCRUMB_FLAG = re.compile(r"^(?:has|with|no|show|hide)-|position|enabled|disabled", re.I)
# How many levels up a breadcrumb trail may hold its heading (<nav><ol><li><h1>).
_BREADCRUMB_DEPTH = 5
# A part of a heading that is its kicker ("<span class=title__kicker>Analysis</span>"):
# the label set above the headline, not its words.
_KICKER = re.compile(
    r"kicker|overline|dachzeile|topline|eyebrow|roofline|spitzmarke|supertitle|"
    r"pretitle|overtitle|preheadline",
    re.I,
)
# The part of a heading that its template marks as the headline itself.
_HEADLINE_PART = re.compile(r"headline", re.I)
# Words that follow a site's name in the name of its blog or newsletter ("Garnix Blog").
_SITE_WORDS = {"blog", "news", "magazine", "journal", "digest", "insights", "labs", "newsletter"}
# Second-level labels that are not a registrable name ("bbc" in "bbc.co.uk").
_SUFFIX_LABELS = {"co", "com", "org", "net", "ac", "gov", "edu", "gob", "or", "ne"}


def squash(text: str) -> str:
    """``text`` lower-cased without its non-word characters ("The Daily-Ledger" ->
    "thedailyledger"), to compare a title part with a site name."""
    return re.sub(r"\W", "", text).lower()


def word_list(text: str) -> list[str]:
    """The words of ``text``, case-folded, in order."""
    return re.findall(r"\w+", text.casefold())


def site_keys(site_name: str | None, domain: str | None) -> set[str]:
    """Squashed names of the site: its declared name, the first label of its host name
    and the registrable one ("ucdavis" for health.ucdavis.edu, "bbc" for bbc.co.uk)."""
    # A site name with separators ("SFist - San Francisco News", a title copied into
    # og:site_name) is named by its shortest part.
    names = [min(_SEPARATORS.split(site_name), key=len) if site_name else None]
    if domain:
        labels = [part for part in domain.lower().split(".") if part and part != "www"]
        if labels:
            names.append(labels[0])
        if len(labels) >= 3 and labels[-2] in _SUFFIX_LABELS and len(labels[-1]) == 2:
            names.append(labels[-3])
        elif len(labels) >= 2:
            names.append(labels[-2])
    return {key for key in (squash(name) for name in names if name) if len(key) >= 2}


def url_sections(url: str | None) -> set[str]:
    """Squashed folder names of the URL's path ("district" for /district/343604), which
    a title often ends with ("Story | District")."""
    if not url:
        return set()
    # (the last name is the story's own, "/district/story-slug/" as "/district/story-slug")
    folders = unquote(urlsplit(url).path).rstrip("/").split("/")[:-1]
    return {key for key in (squash(folder) for folder in folders) if len(key) >= 3}


# A key this short names the site only as a whole word of a part: "dw" is in "Russland-Wahl".
_SHORT_KEY = 3


def names_site(part: str, keys: set[str]) -> bool:
    """``part`` names the site: its squashed form holds one of ``keys`` or is held in one
    (a key of three letters or fewer only as whole words: "DW", "DW.COM" or "n-tv.de" for
    "dw" or "ntv", not "Landwahl")."""
    squashed = squash(part)
    if not squashed:
        return False
    runs: set[str] | None = None
    for key in keys:
        if squashed in key:
            return True
        if key in squashed:
            if len(key) > _SHORT_KEY:
                return True
            runs = _word_runs(part) if runs is None else runs
            if key in runs:
                return True
    return False


def _word_runs(part: str) -> set[str]:
    """The squashed runs of up to three consecutive words of ``part`` ("n", "ntv", "ntvde",
    "tv" ... for "n-tv.de")."""
    words = [squash(w) for w in word_list(part)]
    n = len(words)
    return {"".join(words[i:j]) for i in range(n) for j in range(i + 1, min(i + 4, n + 1))}


# A part of a title that is a date stamp ("Story | Site | 28.04.2023"), not a headline.
_DATE_PART = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\.?")


# How many words of a title part may stand beside the site's name in it ("Ledger Health
# News"): more make it a phrase of the story's that names the site ("Ledger at the 2018
# harbour fair").
_WORDS_BESIDE_SITE = 3


def _site_part(part: str, keys: set[str]) -> bool:
    """A part of a title that is the site's name, alone or with a few words ("Ledger Blog")."""
    if not names_site(part, keys):
        return False
    others = [w for w in part.split() if not any(squash(w) in key for key in keys)]
    return len(others) <= _WORDS_BESIDE_SITE


def _is_blog_name(prefix: str, keys: set[str]) -> bool:
    """``prefix`` is the site's name, alone or followed by "Blog", "News"...: a stricter test
    than :func:`names_site`, for a colon that often ends a story's own kicker."""
    words = prefix.split()
    if squash(prefix) in keys:
        return True
    return words[-1].casefold() in _SITE_WORDS and squash(" ".join(words[:-1])) in keys


def strip_site_name(
    title: str, keys: set[str], sections: Iterable[str] = (), domain: str | None = None
) -> str:
    """Drop the parts of ``title`` that name the site or the page's section.

    "Story | Section | Site" -> "Story", "Site - Story" -> "Story", "Site Blog: Story" ->
    "Story", "example.com Story" -> "Story". The cut is made at the separator, so the
    separators inside the story's own title stay ("A – B | Site" -> "A – B"). A title is
    never cut to nothing.
    """
    sections = set(sections)
    while True:
        seps = list(_SEPARATORS.finditer(title))
        if not seps:
            break
        tail = title[seps[-1].end() :]
        if _site_part(tail, keys) or squash(tail) in sections or _DATE_PART.fullmatch(tail):
            title = title[: seps[-1].start()].rstrip()
            continue
        head = title[: seps[0].start()]
        if _site_part(head, keys) or squash(head) in sections:
            title = title[seps[0].end() :].lstrip(_STRIP_CHARS)
            continue
        cut = _site_before_tagline(title, seps, keys)
        if cut is None:
            break
        title = cut
    colon = _COLON_PREFIX.match(title)
    if colon and _is_blog_name(colon.group(1), keys) and len(title[colon.end() :].split()) >= 2:
        title = title[colon.end() :]
    if domain and title.casefold().startswith(domain.casefold() + " "):
        title = title[len(domain) :].lstrip(_STRIP_CHARS)
    return _without_glued_site(title, keys)


# How many words may follow the site's name in a title as its tagline ("Story | Ledger |
# Breaking News, Sports & Weather"): more are a story's words.
_TAGLINE_WORDS = 8


def _site_before_tagline(title: str, seps: list[re.Match[str]], keys: set[str]) -> str | None:
    """``title`` cut before a middle part that names the site and is followed by its
    tagline only ("Story | Ledger | Local News & Weather" -> "Story"); None when no part
    but the first and the last names the site."""
    for i in range(len(seps) - 1, 0, -1):
        part = title[seps[i - 1].end() : seps[i].start()]
        if len(title[seps[i].end() :].split()) > _TAGLINE_WORDS:
            return None
        if _site_part(part, keys):
            return title[: seps[i - 1].start()].rstrip()
    return None


# A site's name glued to the end with a separator and no spaces ("Story-Politicsㅣ Ledger":
# "ㅣ", a Hangul letter, is the bar of Korean titles, "｜" the full-width bar of Japanese
# ones), and one section word before it.
_GLUED_SEP = "|｜ㅣ\\-–—·•/"
_GLUED_SITE = re.compile(rf"(?<=\S)[{_GLUED_SEP}]+\s*([^{_GLUED_SEP}]+)$")
_GLUED_SECTION = re.compile(rf"(?<=\S)[{_GLUED_SEP}]+[^\s{_GLUED_SEP}]{{1,20}}$")


def _without_glued_site(title: str, keys: set[str]) -> str:
    """``title`` without the site's name glued on after a separator without spaces, and
    without the one section word glued on before it ("Story-Politicsㅣ Ledger" -> "Story")."""
    site = _GLUED_SITE.search(title)
    if not site or squash(site.group(1)) not in keys:
        return title
    rest = title[: site.start()]
    section = _GLUED_SECTION.search(rest)
    rest = rest[: section.start()] if section else rest
    return rest if len(rest.split()) >= 2 or _unspaced_headline(rest) else title


def _unspaced_headline(text: str) -> bool:
    """``text`` is a headline in a script written without spaces between words (Japanese,
    Chinese): five letters or more, none with letter case."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 5 and not any(c.isupper() or c.islower() for c in letters)


def heading_text(heading: HtmlElement, *, every_edge: bool = False) -> str:
    """What a reader sees of a heading: ``<br>`` and block edges as spaces, with no
    ``<time>`` stamp, script or button label, and spacing collapsed. With ``every_edge``
    the edges of inline elements are spaces too (to tell a kicker's words from the
    headline's where the markup sets them side by side)."""
    parts: list[str] = []
    _heading_parts(heading, heading, every_edge, parts)
    return " ".join("".join(parts).split())


def _heading_parts(
    node: HtmlElement, heading: HtmlElement, every_edge: bool, parts: list[str]
) -> None:
    """The pieces of :func:`heading_text` under ``node``, appended to ``parts`` in order.

    A function of the module, not a closure that calls itself: such a closure is a reference
    cycle holding the heading, and the whole page's tree with it, until a garbage collection."""
    tag = node.tag if isinstance(node.tag, str) else None  # comments have no str tag
    if tag is not None and tag not in _SKIP_IN_HEADING and not _hidden_part(node, heading):
        breaks = every_edge or tag in _BREAKS
        if breaks:
            parts.append(" ")
        if node.text:
            parts.append(node.text)
        for child in node:
            _heading_parts(child, heading, every_edge, parts)
        if breaks:
            parts.append(" ")
    if node is not heading and node.tail:
        parts.append(node.tail)


def _hidden_part(node: HtmlElement, heading: HtmlElement) -> bool:
    """A part of ``heading`` with words kept from the eye: a screen-reader label ("<span
    class=sr-only>Breaking news:</span>", "<span class=visually-hidden>, opens a
    video</span>") or an element marked ``hidden``. Readers do not see its words in the
    headline. A hidden separator without words ("<span class=visually-hidden>: </span>"
    between kicker and headline) stays: it is where the two parts meet."""
    if node is heading:
        return False
    if node.get("hidden") is None and not _HIDDEN_CLASS.search(node.get("class") or ""):
        return False
    return re.search(r"\w", node.text_content()) is not None


def _marked(el: HtmlElement, pattern: re.Pattern[str]) -> bool:
    """``el``'s class, or the name of one of its attributes, matches ``pattern``."""
    if pattern.search(el.get("class") or ""):
        return True
    return any(pattern.search(name) for name in el.attrib if name != "class")


def _is_kicker_part(el: HtmlElement) -> bool:
    """A kicker, or a dash hidden from screen readers that stands between it and the headline."""
    if _marked(el, _KICKER) or _is_label(el):
        return True
    return _is_hidden_dash(el)


def _is_label(el: HtmlElement) -> bool:
    """A badge or label of a few words ("Live", "Exclusive"); a badge class on a part that
    holds the headline itself (a paywall mark drawn after it) is no label."""
    if not any(map(_LABEL_CLASS.fullmatch, (el.get("class") or "").split())):
        return False
    return len(el.text_content().split()) <= _LABEL_WORDS


# A badge or label set before the headline inside its heading ("<span class=label>Live</span>",
# "story-badge", "flag--exclusive"): a class name that ends with the word, or with it and a
# modifier after "--" ("field--label-hidden" says a field's label is hidden; an
# "aria-label" attribute is no label either).
_LABEL_CLASS = re.compile(r"(?:[\w-]*[-_])?(?:label|badge|flag)(?:--[\w-]+)?", re.I)
_LABEL_WORDS = 3


def _is_hidden_dash(el: HtmlElement) -> bool:
    return el.get("aria-hidden") == "true" and not re.search(r"\w", el.text_content())


# Where a hidden dash stood in a heading's text (a noncharacter: no heading holds it).
_DASH_MARK = "\ufdd0"


def _after_hidden_dash(heading: HtmlElement) -> str | None:
    """The words after the last dash hidden from screen readers in ``heading``: what follows
    the kicker when the template marks only the dash between them ("<span>Harbour
    dispute</span><span aria-hidden=true> – </span><span>Council delays vote</span>")."""
    copy = deepcopy(heading)
    marked = False
    for el in [el for el in copy.iterdescendants() if isinstance(el.tag, str)]:
        if el.getparent() is not None and _is_hidden_dash(el):
            for child in list(el):
                el.remove(child)
            el.text = f" {_DASH_MARK} "
            marked = True
    if not marked:
        return None
    text = heading_text(copy)
    return text.rsplit(_DASH_MARK, 1)[1].strip() if _DASH_MARK in text else None


def headline_parts(heading: HtmlElement) -> tuple[str, str]:
    """The heading's whole text, and the headline in it without a kicker.

    A heading made of a kicker and the headline ("<h2><span class=kicker>Analysis</span>
    <span class=headline>Story</span></h2>") has for its headline the part its template
    marks as the headline, or else the heading without its kicker parts and the hidden dash
    between them. A heading with no such parts is its headline."""
    full = heading_text(heading)
    edges = heading_text(heading, every_edge=True)
    parts = [el for el in heading.iterdescendants() if isinstance(el.tag, str)]
    for el in parts:
        if _marked(el, _HEADLINE_PART):
            text = heading_text(el)
            if _follows_kicker(text, edges):
                return full, text
    if not any(_is_kicker_part(el) for el in parts):
        return full, full
    copy = deepcopy(heading)
    for el in [el for el in copy.iterdescendants() if isinstance(el.tag, str)]:
        if _is_kicker_part(el) and el.getparent() is not None:
            el.drop_tree()
    text = heading_text(copy).strip(" |-–—:·•")
    if _follows_kicker(text, edges):
        return full, text
    after = _after_hidden_dash(heading)
    return full, after if after and _follows_kicker(after, edges) else full


def _follows_kicker(headline: str, full: str) -> bool:
    """``headline`` (two words or more) ends ``full``: what a kicker set before it leaves.
    A "kicker" class on the words that end a heading is a misnomer."""
    words, theirs = word_list(headline), word_list(full)
    return len(headline.split()) >= 2 and len(words) < len(theirs) and theirs[-len(words) :] == words


def _contains_words(title: str, head: str) -> bool:
    """The words of ``head`` stand together, in order, in ``title``."""
    words, theirs = word_list(head), word_list(title)
    n = len(words)
    return n > 0 and any(theirs[i : i + n] == words for i in range(len(theirs) - n + 1))


def _headline_of(heading: HtmlElement, declared: list[str | None]) -> tuple[str, bool]:
    """What a heading gives as the headline, and whether a kicker was cut from it: the
    headline without its kicker, unless a declared title holds the kicker too (the
    publisher counts it as part of the headline: "Kicker: Story") and none is the headline
    alone."""
    full, headline = headline_parts(heading)
    titles = [title for title in declared if title]
    if _same_words(full, headline):
        return _unglued(heading, full, titles)
    if any(_same_words(title, headline) for title in titles):
        return headline, True
    if any(_contains_words(title, full) for title in titles):
        return full, False
    return headline, True


def _unglued(heading: HtmlElement, full: str, titles: list[str]) -> tuple[str, bool]:
    """The heading's text when the markup glues two parts of it without a space ("<h1><span
    class=badge>Live</span>Council delays vote</h1>" reads "LiveCouncil"): the parts are
    set apart on the page, so the text is read with the elements' edges as spaces when a
    declared title holds it that way and none holds the glued form. A declared title that
    holds only the part after the first glued edge makes the part before it a kicker (cut),
    one that holds only the part before it makes the part after it a subtitle (cut)."""
    spaced = heading_text(heading, every_edge=True)
    if _same_words(spaced, full) or any(_contains_words(title, full) for title in titles):
        return full, False
    if any(_contains_words(title, spaced) for title in titles):
        return spaced, False
    edge = _glued_edge(full.split(), spaced.split())
    if edge is None:
        return full, False
    before, after = edge
    for part in (after, before):
        if len(part.split()) >= 2 and any(_contains_words(title, part) for title in titles):
            return part, True
    return full, False


def _glued_edge(glued: list[str], spaced: list[str]) -> tuple[str, str] | None:
    """The text before and after the first place where ``glued`` joins two of ``spaced``'s
    tokens into one ("LiveCouncil" for "Live", "Council"); None when there is none."""
    for i, token in enumerate(glued):
        if i >= len(spaced) - 1:
            return None
        if token != spaced[i]:
            if token.startswith(spaced[i]) and token[len(spaced[i]) :].startswith(spaced[i + 1]):
                return " ".join(spaced[: i + 1]), " ".join(spaced[i + 1 :])
            return None
    return None


def _in_breadcrumb(heading: HtmlElement) -> bool:
    """``heading`` is in the site's breadcrumb trail or menu."""
    if _names_breadcrumb(heading):
        return True
    for depth, el in enumerate(heading.iterancestors()):
        if el.tag in ("body", "html", "article", "main") or depth >= _BREADCRUMB_DEPTH:
            break
        if el.tag == "nav" or _names_breadcrumb(el):
            return True
    return False


def _names_breadcrumb(el: HtmlElement) -> bool:
    """A class or the id of ``el`` names a breadcrumb trail (not a layout flag about one)."""
    tokens = f"{el.get('class') or ''} {el.get('id') or ''}".split()
    return any(_BREADCRUMB.search(t) and not _BREADCRUMB_FLAG.search(t) for t in tokens)


def _is_logo(heading: HtmlElement, url: str | None) -> bool:
    """The site's logo or name set in an ``<h1>``: a logo class, or one link to the home page
    that carries all of the heading's text."""
    if _LOGO_CLASS.search(heading.get("class") or ""):
        return True
    links = heading.findall(".//a")
    if len(links) != 1 or not links[0].get("href"):
        return False
    target = urlsplit(urljoin(url or "", links[0].get("href", "").strip()))
    home = target.path in ("", "/") and not target.query and not target.fragment
    return home and heading_text(links[0]) == heading_text(heading)


def _logo_host(root: HtmlElement) -> str | None:
    """The host name of the home page an ``<h1>`` logo links to ("https://www.ledger.example/"),
    which names the site of a page saved without its address."""
    for heading in root.iter("h1"):
        link = heading.find(".//a[@href]")
        if link is not None and _is_logo(heading, None):
            href = link.get("href", "").strip()
            if href.startswith(("http://", "https://")):
                return urlsplit(href).hostname
    return None


def _is_marked_headline(heading: HtmlElement) -> bool:
    if heading.get("itemprop") == "headline":
        return True
    return bool(_HEADLINE_CLASS.search(heading.get("class") or ""))


def _about(head: str, declared: list[str]) -> bool:
    """``head`` shares at least a fifth of its words with one of the declared titles, one
    of them of four letters or more when it has such words: short words ("the", "for",
    "you") are shared by headlines of different stories."""
    words = set(word_list(head))
    if not words:
        return False
    long_words = {w for w in words if len(w) >= 4}
    for title in declared:
        shared = words & set(word_list(title))
        if len(shared) >= 0.2 * len(words) and (not long_words or shared & long_words):
            return True
    return False


def _shares_a_word(title: str, others: list[str]) -> bool:
    """``title`` and one of ``others`` have a word of four letters or more in common: a
    variant of the same story, not a stray value ("Sample menus" for a recipe page)."""
    words = {w for w in word_list(title) if len(w) >= 4}
    return any(words & set(word_list(other)) for other in others)


def _damaged_copy(head: str, title: str) -> bool:
    """``head`` is ``title`` with characters lost to a wrong encoding ("Beginner? Guide" for
    "Beginner's Guide"): each "?" or U+FFFD stands for one to three characters."""
    if "?" not in head and "\ufffd" not in head:
        return False
    pattern = ".{1,3}?".join(re.escape(piece) for piece in re.split(r"[?\ufffd]", head))
    return re.fullmatch(pattern, title, re.I) is not None


def _marks(text: str) -> list[str]:
    return sorted(re.findall(r"[^\w\s]", text))


def _visible_form(head: str, declared: str) -> str:
    """The <h1> as it is written, unless it is the declared title spelled worse: the same
    words in capitals only or with no mark the declared one lacks, or with characters lost
    to a wrong encoding."""
    if _damaged_copy(head, declared):
        return declared
    if word_list(head) != word_list(declared):
        return head
    if head.isupper() and not declared.isupper():
        return declared
    # Marks only the <h1> has (":" for "-", a final ".") are how readers see it.
    extra = Counter(_marks(head)) - Counter(_marks(declared))
    return head if extra else declared


def _visible_chars(text: str) -> str:
    """``text`` without the characters readers do not see (soft hyphens, zero-width spaces,
    word joiners, byte-order marks), spacing collapsed."""
    return " ".join(text.translate(_INVISIBLE).split())


def _cut_copy(declared: str, head: str) -> bool:
    """``declared`` is ``head`` cut short (a JSON-LD headline held to a length limit)."""
    short = word_list(declared.rstrip(".…"))
    words = word_list(head)
    return len(words) > len(short) and " ".join(words).startswith(" ".join(short))


def pick_headline(
    root: HtmlElement,
    declared: list[str | None],
    page_title: str | None,
    *,
    site_name: str | None,
    url: str | None,
    news: bool = False,
) -> str | None:
    """The headline of the page's story.

    ``declared`` holds the titles the page declares for its story, best first (JSON-LD
    ``headline``, ``og:title``); ``page_title`` is the ``<title>``. Every title and ``<h1>``
    loses the parts naming the site or the URL's section, and an ``<h1>`` that is the
    site's logo does not count.

    ``news`` says the first declared title is the ``headline`` of a JSON-LD NewsArticle: a
    news publisher's system writes that field as the story's headline of record (the
    ``<h1>`` may carry a kicker or a shorter variant), so it wins unless it is the
    ``<h1>`` cut short or shares no word with the other titles and ``<h1>``s. Otherwise the
    ``<h1>`` wins when exactly one of the page's distinct ``<h1>`` texts is about this story:
    it shares a fifth of its words with one of the titles, or its template marks it as the
    headline. Failing that the first declared title is the headline, then the first
    ``<h1>``, then the ``<title>``.
    """
    domain = urlsplit(url).hostname if url else _logo_host(root)
    domain = domain.removeprefix("www.") if domain else None
    keys = site_keys(site_name, domain)
    sections = url_sections(url)

    def clean(title: str | None) -> str:
        return strip_site_name(_visible_chars(title), keys, sections, domain) if title else ""

    # the headline of record: the first declared title itself, not the next one when the
    # first is missing or nothing but invisible characters
    record = clean(declared[0]) if news and declared else ""
    titles = [t for t in map(clean, declared) if t]
    page = [t for t in [clean(page_title)] if t]
    heads: list[tuple[str, bool]] = []
    kicker_cut: set[str] = set()  # headings that had a kicker cut from them
    first_head: list[str] = []
    in_breadcrumb = False
    site_h1 = False
    hidden_h1: HtmlElement | None = None  # the first <h1> hidden from the eye
    for el in root.iter("h1"):
        if _is_logo(el, url):
            site_h1 = True
            continue
        if _in_breadcrumb(el):
            in_breadcrumb = True
            continue
        if _HIDDEN_CLASS.search(el.get("class") or ""):
            hidden_h1 = hidden_h1 if hidden_h1 is not None else el
            continue
        text, kicker = _headline_of(el, [*declared, page_title])
        head = _heading_candidate(text, keys, sections, domain)
        if head is None:
            continue
        first_head = first_head or [head]
        if squash(head) in keys or squash(head) == squash(domain or ""):
            site_h1 = True  # the site's name set as the page's heading
            continue
        if len(head.split()) < 2:
            continue
        if kicker:
            kicker_cut.add(head)
        marked = kicker or _is_marked_headline(el)
        # the same words again (a sticky header's copy in capitals) are the same heading
        same = [i for i, (known, _) in enumerate(heads) if _same_words(known, head)]
        if same:
            heads[same[0]] = (heads[same[0]][0], heads[same[0]][1] or marked)
        else:
            heads.append((head, marked))
    # without a declared title, an <h1> that shares nothing with the <title> is the site's
    # name or a section's (in a script its domain does not spell), not the story's headline
    if not titles and page and first_head and not _about(first_head[0], page):
        first_head = []
    fallback = titles + first_head + page
    best = fallback[0] if fallback else None
    about = [head for head, marked in heads if marked or _about(head, titles + page)]
    if (in_breadcrumb or site_h1 or hidden_h1 is not None) and not heads:
        # no <h1> but the breadcrumb's or the site's name: the headline readers see is set in
        # a lower heading (under the site's name, one its template marks as the headline)
        about = _shown_headline(
            root,
            [*declared, page_title],
            keys,
            sections,
            domain,
            kicker_cut,
            marked=not in_breadcrumb and hidden_h1 is None,
            after=hidden_h1 if not in_breadcrumb else None,
        )
    others = titles[1:] + [head for head, _ in heads]
    if record and (not others or _shares_a_word(record, others)):
        cut = next((head for head in about if _cut_copy(record, head)), None)
        if cut:
            return cut
        # the headline readers see is another declared title (the record carries a kicker
        # or is a variant for search engines): the one both the page and a title show wins
        shown = [head for head in about if not _same_words(head, record)]
        if len(about) == 1 and shown:
            agrees = _agrees if shown[0] in kicker_cut else _same_words
            agreed = next((t for t in titles[1:] + page if agrees(shown[0], t)), None)
            if agreed:
                return _visible_form(shown[0], agreed)
        return record
    if len(about) > 1:
        # several headings about the story (sections of a long post): the one a declared
        # title repeats, kicker or blog name aside, is the headline
        repeated = [head for head in about if any(_agrees(head, t) for t in titles + page)]
        if len(repeated) == 1 and best and not _same_words(repeated[0], best):
            return repeated[0]
    if len(about) != 1:
        return best
    return _visible_form(about[0], best) if best else about[0]


def _heading_candidate(
    text: str, keys: set[str], sections: set[str], domain: str | None
) -> str | None:
    """A heading's text as a headline candidate: visible characters, no site name; None
    when it is too short or too long to be a headline."""
    text = _visible_chars(text)
    if not 3 <= len(text) <= 300:
        return None
    return strip_site_name(text, keys, sections, domain)


def _same_words(head: str, title: str) -> bool:
    return word_list(head) == word_list(title)


def _agrees(head: str, title: str) -> bool:
    """``title`` is ``head`` in its words, or ``head`` after a kicker and a separator
    ("Analysis: Story" for "Story")."""
    words, theirs = word_list(head), word_list(title)
    if words == theirs:
        return True
    if len(words) < 3 or len(theirs) <= len(words) or theirs[-len(words) :] != words:
        return False
    return any(sep.end() <= len(title) for sep in _SEPARATORS.finditer(title)) or ": " in title


# Where a template sets the story's headline when its <h1> is the breadcrumb's.
_SHOWN_PATHS = ("article", "header", "main")


def _shown_headline(
    root: HtmlElement,
    declared: list[str | None],
    keys: set[str],
    sections: set[str],
    domain: str | None,
    kicker_cut: set[str],
    *,
    marked: bool = False,
    after: HtmlElement | None = None,
) -> list[str]:
    """The headline a page shows in an ``<h2>`` when its only ``<h1>`` is a breadcrumb's
    copy or the site's name: the first ``<h2>`` of the article or its header that is about
    the story (with ``marked``, that its template marks as the headline), as a list of one
    (or none). After an ``<h1>`` hidden from the eye, the first ``<h2>`` that follows it
    wherever it stands (the visible copy of the hidden one)."""
    for el in after.xpath("following::h2") if after is not None else root.iter("h2"):
        if _in_breadcrumb(el):
            continue
        if after is None and not any(a.tag in _SHOWN_PATHS for a in el.iterancestors()):
            continue
        text, kicker = _headline_of(el, declared)
        head = _heading_candidate(text, keys, sections, domain)
        if head is None or len(head.split()) < 2:
            continue
        if kicker:
            kicker_cut.add(head)
        if kicker or _is_marked_headline(el):
            return [head]
        if not marked and _about(head, [t for t in declared if t]):
            return [head]
        return []
    return []
