"""HTML mode: a page in, a cleaned record out.  (Placeholder: trafilatura, then text rules.)"""

from __future__ import annotations

import trafilatura

from cleaning.record import CleanedRecord
from cleaning.rules import RuleSet
from cleaning.text import clean_text


def clean_html(html: str | bytes, url: str | None = None, *, rules: RuleSet) -> CleanedRecord:
    body = trafilatura.extract(html, url=url, include_comments=False) or ""
    return clean_text(body, rules=rules)
