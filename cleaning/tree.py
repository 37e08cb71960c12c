"""Helpers on lxml trees shared by the HTML mode and the metadata readers."""

from __future__ import annotations

from lxml.html import HtmlElement


def doc_position(el: HtmlElement) -> tuple[int, ...]:
    """Sort key putting elements in document order: child indexes from the root."""
    path = []
    parent = el.getparent()
    while parent is not None:
        path.append(parent.index(el))
        el, parent = parent, parent.getparent()
    return tuple(reversed(path))
