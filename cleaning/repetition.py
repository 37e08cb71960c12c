"""Line repetition across documents of one source (cc_net style).  (Placeholder.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RepetitionStats:
    """How many documents of each source group contain each normalised line hash."""

    groups: dict[str, dict[str, int]] = field(default_factory=dict)
    docs: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"version": 1, "docs": self.docs, "groups": self.groups}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RepetitionStats:
        return cls(groups=data.get("groups", {}), docs=data.get("docs", {}))


def build_stats(docs: list[tuple[str, str]]) -> RepetitionStats:
    """Count, per group, the documents each normalised line occurs in.  ``docs``: (group, text)."""
    return RepetitionStats()
