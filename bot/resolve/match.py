"""What resolving a question produces: the spans that name entries (Hit) and the outcome (Match)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.concepts import OutsideDrug
from bot.knowledge import Entry

#: How a span named its entries, most trustworthy first; overlapping spans of equal length keep
#: the more trustworthy one.
HOW_ORDER = {"exact": 0, "derived": 1, "target": 2, "fuzzy": 3, "context": 4, "partial": 5}


@dataclass(frozen=True)
class Hit:
    """A span of the query that names entries."""

    start: int
    length: int
    ids: tuple[str, ...]
    how: str  # "exact", "derived", "target", "fuzzy", "context", "partial"
    matched: str = ""

    @property
    def span(self) -> range:
        """The token positions the hit covers."""
        return range(self.start, self.start + self.length)


@dataclass(frozen=True)
class Match:
    """The outcome of resolving a query."""

    query: str
    entry: Entry | None = None
    choices: tuple[Entry, ...] = ()
    suggestions: tuple[Entry, ...] = ()
    also: tuple[Entry, ...] = ()
    how: str = ""
    corrected_from: str = ""
    #: Drugs the query names that are not immunotherapy (their names were not resolved).
    outside: tuple[OutsideDrug, ...] = ()

    @property
    def found(self) -> bool:
        return self.entry is not None

    @property
    def ambiguous(self) -> bool:
        return self.entry is None and bool(self.choices)


def select(hits: list[Hit]) -> list[Hit]:
    """Keep the longest non-overlapping hits, in the order they appear in the query."""
    taken: set[int] = set()
    chosen = []
    for hit in sorted(hits, key=lambda h: (-h.length, HOW_ORDER[h.how], h.start)):
        span = set(hit.span)
        if span & taken:
            continue
        taken |= span
        chosen.append(hit)
    return sorted(chosen, key=lambda h: h.start)
