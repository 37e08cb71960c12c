"""Named feature tests on one block of text, usable from rule files (``kind = "feature"``)."""

from __future__ import annotations

import re
from collections.abc import Callable

_LETTER = re.compile(r"[^\W\d_]")


def symbols_only(text: str) -> bool:
    """No letter at all: separators, bullets, lone numbers, emoji rows."""
    return bool(text.strip()) and _LETTER.search(text) is None


FEATURES: dict[str, Callable[[str], bool]] = {
    "symbols_only": symbols_only,
}
