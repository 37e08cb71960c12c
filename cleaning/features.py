"""Named feature tests on one block of text, usable from rule files (``kind = "feature"``)."""

from __future__ import annotations

import re
from collections.abc import Callable

_LETTER = re.compile(r"[^\W\d_]")
_MONTHS = (
    r"jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sept?(ember)?|"
    r"oct(ober)?|nov(ember)?|dec(ember)?"
)
_DAYS = r"mon(day)?|tue(s(day)?)?|wed(nesday)?|thu(r(s(day)?)?)?|fri(day)?|sat(urday)?|sun(day)?"
# every piece a date/time line may be made of; what is left after removing them must be empty
_DATE_PIECE = re.compile(
    rf"(?i)\b(?:{_MONTHS}|{_DAYS}|published|updated|posted|modified|last|on|at|and|"
    r"am|pm|a\.m|p\.m|utc|gmt|bst|cet|cest|[ecmp][sd]t|et|pt|ist|aest|"
    r"today|yesterday|ago|hours?|hrs?|minutes?|mins?|days?|weeks?|months?|years?|"
    r"\d{1,4}(?:st|nd|rd|th)?)\b"
)
_DATE_SEPARATORS = re.compile(r"[\s.,:/\-–—|•·()'’]+")
_DIGIT = re.compile(r"\d")


def symbols_only(text: str) -> bool:
    """No letter at all: separators, bullets, lone numbers, emoji rows."""
    return bool(text.strip()) and _LETTER.search(text) is None


def date_only(text: str) -> bool:
    """The block is a date or time stamp and nothing else ("Updated 8:03 am ET, Nov. 19, 2019")."""
    if len(text) > 80 or _DIGIT.search(text) is None:  # a date stamp carries a number
        return False
    rest = _DATE_SEPARATORS.sub("", _DATE_PIECE.sub("", text))
    return rest == ""


FEATURES: dict[str, Callable[[str], bool]] = {
    "symbols_only": symbols_only,
    "date_only": date_only,
}

# Cheap necessary conditions of features (one C call instead of a Python one): a block for
# which ``PRETESTS[name](block)`` is None cannot pass ``FEATURES[name]``; the rule matcher
# calls the feature only on the others.  A feature without one is called on every block.
PRETESTS: dict[str, Callable[[str], object]] = {
    # nothing but non-letters (fails at the first letter, the first character of most lines)
    "symbols_only": re.compile(r"[\W\d_]*").fullmatch,
    # a digit within the first 80 characters (a date stamp is at most 80 long)
    "date_only": re.compile(r"\D{0,79}\d").match,
}
