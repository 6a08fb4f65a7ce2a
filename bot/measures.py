"""Labs, findings and grading criteria as typed, frozen knowledge.

A side effect says which findings point to it (a lab and its direction, a sign, the therapies
and days after which it counts) and how a measured value becomes a grade (CTCAE or ASTCT rows
as comparable numbers). The lab vocabulary (names people type, units, conversions) is data in
knowledge/labs.yaml. Nothing here names a drug, a lab or a threshold: it only gives them shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: Bound values that stand for the lab's own limit, which the user may not have given.
LIMITS = ("ULN", "LLN")
#: Units of a criterion that are multiples of a reference instead of a lab unit.
RELATIVE_UNITS = {"x ULN": "ULN", "x LLN": "LLN", "x baseline": "baseline"}

Bound = float | str | None


@dataclass(frozen=True)
class Unit:
    """A unit a lab is reported in; `factor`/`offset` convert it to the lab's first unit."""

    unit: str
    factor: float = 1.0
    offset: float = 0.0

    def to_base(self, value: float) -> float:
        return (value + self.offset) * self.factor

    @property
    def amount(self) -> str:
        """A concentration's amount alone ("mmol" of "mmol/L"), as it is often written in a
        hurry ("BG 38 mmol"); empty for other units and for one-letter amounts ("g", "U"),
        which are ordinary letters too."""
        head, slash, _ = self.unit.partition("/")
        return head if slash and len(head) >= 2 and head.isalpha() else ""


@dataclass(frozen=True)
class Lab:
    """A lab test or a bedside measure (stools per day, BSA, ICE score, temperature)."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    units: tuple[Unit, ...] = ()
    relative: tuple[str, ...] = ()
    integer: bool = False
    high: tuple[str, ...] = ()  # words meaning this lab is raised ("hyperkalemia")
    low: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def base_unit(self) -> str:
        return self.units[0].unit if self.units else ""

    @property
    def counted(self) -> bool:
        """A count, a score or a share (per day, points, %), not a concentration: a bare
        number is in its unit, and no lab's reference range makes it high or low."""
        return self.base_unit in ("per day", "points", "%")

    def unit(self, text: str) -> Unit | None:
        """The unit written as `text` (case-insensitive), if the lab is reported in it; a
        concentration's amount alone names the one unit of this lab with that amount."""
        folded = text.replace(" ", "").lower()
        for unit in self.units:
            if unit.unit.replace(" ", "").lower() == folded:
                return unit
        by_amount = [u for u in self.units if u.amount and u.amount.lower() == folded]
        return by_amount[0] if len(by_amount) == 1 else None


@dataclass(frozen=True)
class Finding:
    """Something that points to a side effect: a lab with a direction, or a sign (a phrase)."""

    lab: str = ""
    direction: str = ""  # "high", "low" or "" (any)
    sign: str = ""
    after: tuple[str, ...] = ()  # class or drug ids
    within_days: int | None = None


@dataclass(frozen=True)
class Row:
    """One grade's range of a measured criterion: over (>), from (>=), to (<=), under (<)."""

    grade: int
    over: Bound = None
    from_: Bound = None
    to: Bound = None
    under: Bound = None
    needs: str = ""

    @property
    def bounds(self) -> tuple[Bound, Bound, Bound, Bound]:
        return (self.over, self.from_, self.to, self.under)


@dataclass(frozen=True)
class SignRow:
    """A grade given by a described sign ("one vasopressor", "unarousable").

    Each item of `match` is one thing, its synonyms separated by "|". With `distinct` set, the
    row is met only when that many different things are said ("norepinephrine and
    phenylephrine" are multiple vasopressors; `means` names what they add up to)."""

    grade: int
    match: tuple[str, ...]
    distinct: int = 0
    means: str = ""
    #: What reading a question by this row takes for granted when it says no more
    #: ("hypotension" is grade 2 only if no vasopressor is needed): shown with the grade.
    assumes: str = ""

    @property
    def items(self) -> tuple[tuple[str, ...], ...]:
        """Each thing the row names, as its synonyms."""
        return tuple(tuple(p.strip() for p in item.split("|") if p.strip()) for item in self.match)

    @property
    def label(self) -> str:
        """How a form offers the row: what it means, or its first phrase."""
        return self.means or self.items[0][0]

    @property
    def phrases(self) -> tuple[str, ...]:
        """Every synonym of every item, as the question reader looks for them."""
        return tuple(p for synonyms in self.items for p in synonyms)

    def said(self, signs: Iterable[str]) -> list[str]:
        """For each item the question states, the first of its synonyms that was said."""
        stated = {s.lower() for s in signs}
        firsts = (next((p for p in item if p.lower() in stated), None) for item in self.items)
        return [p for p in firsts if p is not None]


@dataclass(frozen=True)
class Criterion:
    """One graded criterion of a side effect: measured (measure, unit, rows) or signs."""

    name: str
    measure: str = ""
    unit: str = ""
    rows: tuple[Row, ...] = ()
    signs: tuple[SignRow, ...] = ()
    #: What grading a value by these rows takes for granted ("assuming a fasting value"),
    #: said with the grade unless the question says one of `unless` ("fasting").
    assumes: str = ""
    unless: tuple[str, ...] = ()

    @property
    def reference(self) -> str:
        """ULN, LLN or baseline when values are multiples of it, else ""."""
        return RELATIVE_UNITS.get(self.unit, "")


def _bound(value: Any) -> Bound:
    if value is None or isinstance(value, str):
        return value
    return float(value)


def lab_from(raw: Mapping[str, Any]) -> Lab:
    return Lab(
        id=raw["id"],
        name=raw["name"],
        aliases=tuple(raw.get("aliases", ())),
        units=tuple(
            Unit(u["unit"], float(u.get("factor", 1.0)), float(u.get("offset", 0.0)))
            for u in raw.get("units", ())
        ),
        relative=tuple(raw.get("relative", ())),
        integer=bool(raw.get("integer", False)),
        high=tuple(raw.get("high", ())),
        low=tuple(raw.get("low", ())),
    )


def findings_from(items: Iterable[Mapping[str, Any]]) -> tuple[Finding, ...]:
    return tuple(
        Finding(
            lab=f.get("lab", ""),
            direction=f.get("direction", ""),
            sign=f.get("sign", ""),
            after=tuple(f.get("after", ())),
            within_days=f.get("within_days"),
        )
        for f in items
    )


def criteria_from(items: Iterable[Mapping[str, Any]]) -> tuple[Criterion, ...]:
    return tuple(
        Criterion(
            name=c["name"],
            measure=c.get("measure", ""),
            unit=c.get("unit", ""),
            assumes=str(c.get("assumes", "")),
            unless=tuple(c.get("unless", ())),
            rows=tuple(
                Row(
                    grade=int(r["grade"]),
                    over=_bound(r.get("over")),
                    from_=_bound(r.get("from")),
                    to=_bound(r.get("to")),
                    under=_bound(r.get("under")),
                    needs=r.get("needs", ""),
                )
                for r in c.get("rows", ())
            ),
            signs=tuple(
                SignRow(
                    int(s["grade"]),
                    tuple(s["match"]),
                    int(s.get("distinct", 0)),
                    str(s.get("means", "")),
                    str(s.get("assumes", "")),
                )
                for s in c.get("signs", ())
            ),
        )
        for c in items
    )


def labs_by_id(labs: Iterable[Lab]) -> dict[str, Lab]:
    return {lab.id: lab for lab in labs}
