"""The record every cleaning path returns: text mode, HTML mode and the crawler."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Removal:
    """One block that a rule took out of the document, and the id of that rule."""

    rule_id: str
    text: str


@dataclass(frozen=True)
class CleanedRecord:
    """A cleaned article.

    ``text`` is the body, one paragraph per line.  ``removed`` lists every block
    that was taken out, in document order, each with the id of the rule that
    removed it.  ``drop_reason`` is set when the input is not an article at all
    (a section front, an error page, ...): such a record is counted, not written.
    """

    text: str
    removed: tuple[Removal, ...] = ()
    title: str | None = None
    description: str | None = None
    language: str | None = None
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    modified: datetime | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    image_url: str | None = None
    paywalled: bool | None = None
    drop_reason: str | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def word_count(self) -> int:
        return len(_WORD.findall(self.text))

    @property
    def is_article(self) -> bool:
        return self.drop_reason is None
