"""Turn the values and signs of a question into a grade, with the rule that gave it.

The thresholds are the side effect's grading criteria in the knowledge (CTCAE v5 as ASCO 2021
adapts it, ASTCT 2019 for CRS and ICANS). The overall grade is the most severe criterion met, as
both define it. A value that needs something the question did not give (a raw ALT without the
lab's ULN) is never guessed: the Grade says what is missing and which rows it could fall into.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.knowledge import GradeText, Knowledge, SideEffect
from bot.measures import Bound, Criterion, Lab, Row
from bot.read.values import Reading

_SEVERITY_WORDS = ("severe", "moderate", "mild")


@dataclass(frozen=True)
class Grade:
    """A grade and why: the rule met, the grading text quoted, what was assumed."""

    n: int | None
    rule: str
    text: str = ""
    scale: str = ""
    assumed: tuple[str, ...] = ()
    possible: tuple[int, ...] = ()
    stated: bool = False


def grade_text(effect: SideEffect, n: int) -> GradeText | None:
    """The entry's grading text for grade n (a "3-4" row covers 3 and 4)."""
    return _covering(effect.grades, n)


def management_row(effect: SideEffect, n: int) -> GradeText | None:
    """The entry's management row for grade n."""
    return _covering(effect.management, n)


def _covering(items: tuple[GradeText, ...], n: int) -> GradeText | None:
    for item in items:
        low, _, high = item.grade.partition("-")
        if low.isdigit() and int(low) <= n <= int(high or low):
            return item
    return None


def bounds_text(row: Row, unit: str) -> str:
    """A row's range as CTCAE writes it: ">5–20× ULN", "≥7/day", "4–6/day", "<10%"."""
    low = row.over if row.over is not None else row.from_
    high = row.to if row.to is not None else row.under
    sign = ">" if row.over is not None else "≥"
    suffix = {"x ULN": "× ULN", "x LLN": "× LLN", "x baseline": "× baseline"}.get(unit)
    suffix = suffix or {"per day": "/day", "%": "%", "points": ""}.get(unit, f" {unit}")
    if low in (None, 0) and high is not None:
        text = f"{'≤' if row.to is not None else '<'}{_num(high)}"
    elif high is None:
        text = f"{sign}{_num(low)}"
    elif row.under is not None:
        text = f"{sign}{_num(low)} to <{_num(high)}"
    else:
        text = f"{'>' if row.over is not None else ''}{_num(low)}–{_num(high)}"
    return text + suffix


def _num(value: float | str | None) -> str:
    return value if isinstance(value, str) else f"{value:g}"


def _value(criterion: Criterion, reading: Reading, lab: Lab) -> tuple[float | None, str]:
    """The reading in the criterion's unit, or what is missing to get it."""
    if reading.value is None:
        return None, ""
    reference = criterion.reference
    if reference:
        if reading.reference == reference:
            return reading.value, ""
        if reading.reference:
            return None, ""
        given = reading.uln if reference == "ULN" else reading.baseline
        if reference == "baseline" and given is None:
            return None, f"the baseline {lab.name}"
        if given:
            return reading.value / given, ""
        return None, f"the lab's {reference} for {lab.name}"
    if reading.reference:
        return None, ""
    unit = lab.unit(criterion.unit)
    if unit is None or unit is lab.units[0]:
        return reading.value, ""
    return reading.value / unit.factor - unit.offset, ""


def _in_row(row: Row, value: float, reading: Reading) -> tuple[bool, str]:
    """Whether the value falls in the row; a ULN/LLN bound the user did not give is assumed."""
    assumed = ""
    checks: list[tuple[Bound, Callable[[float, float], bool]]] = [
        (row.over, lambda v, b: v > b),
        (row.from_, lambda v, b: v >= b),
        (row.to, lambda v, b: v <= b),
        (row.under, lambda v, b: v < b),
    ]
    for bound, test in checks:
        if bound is None:
            continue
        if isinstance(bound, str):
            if reading.uln is None:
                assumed = f"assuming {reading.shown or 'the value'} is outside the lab's {bound}"
                continue
            bound = reading.uln
        if not test(value, bound):
            return False, ""
    return True, assumed


def falls_in(criterion: Criterion, reading: Reading, lab: Lab) -> bool:
    """Whether the reading's value lands in one of the criterion's rows."""
    value, _ = _value(criterion, reading, lab)
    return value is not None and any(_in_row(row, value, reading)[0] for row in criterion.rows)


def _measured(
    effect: SideEffect,
    criterion: Criterion,
    reading: Reading,
    lab: Lab,
    text: str,
    from_form: bool = False,
) -> tuple[list[tuple[int, str]], list[str], tuple[int, ...]]:
    """(grades met with their rule, assumptions, possible grades when unresolved);
    `from_form` is grade()'s `chosen`."""
    value, missing = _value(criterion, reading, lab)
    if value is None:
        if missing:
            grades = tuple(sorted({r.grade for r in criterion.rows}))
            rows = "; ".join(
                f"grade {r.grade} {bounds_text(r, criterion.unit)}" for r in criterion.rows
            )
            note = f"{criterion.name} {reading.shown}: the grade needs {missing} ({rows})"
            return [], [note], grades
        return [], [], ()
    met = []
    assumed = list(reading.assumed)
    for row in criterion.rows:
        inside, note = _in_row(row, value, reading)
        if inside:
            met.append(row)
            if note:
                assumed.append(note)
    if not met:
        return [], assumed, ()
    said = any(word.lower() in text for word in criterion.unless)
    if criterion.assumes and not from_form and not said:
        assumed.append(criterion.assumes)
    plain = [r for r in met if not r.needs]
    if not plain:
        chosen = _by_severity(met, text)
        if chosen is None:
            shown = reading.shown or f"{value:g}"
            either = " or ".join(f"grade {r.grade} ({r.needs})" for r in met)
            return (
                [],
                [*assumed, f"{criterion.name} {shown}: {either}"],
                tuple(sorted({r.grade for r in met})),
            )
        plain = [chosen]
    shown = reading.shown or f"{value:g}"
    return (
        [(r.grade, f"{criterion.name} {shown}: {bounds_text(r, criterion.unit)}") for r in plain],
        assumed,
        (),
    )


def _by_severity(rows: list[Row], text: str) -> Row | None:
    """Rows that differ by what the number cannot tell ("with moderate or severe symptoms,
    limiting self-care"): the one whose condition shares a word with the question, if any."""
    said = set(
        re.findall(
            r"[a-z]+",
            text.lower().replace("self-care", "selfcare").replace("self care", "selfcare"),
        )
    )
    for word in _SEVERITY_WORDS:
        if word in said:
            for row in rows:
                if word in row.needs:
                    return row
    for row in rows:
        needs = set(re.findall(r"[a-z]+", row.needs.lower().replace("self-care", "selfcare")))
        if needs & said - {"with", "without", "or", "symptoms", "and", "the"}:
            return row
    return None


def grade(
    effect: SideEffect,
    knowledge: Knowledge,
    readings: tuple[Reading, ...],
    signs: tuple[str, ...],
    *,
    stated: int | None = None,
    text: str = "",
    chosen: bool = False,
) -> Grade | None:
    """The grade of `effect` for this question: stated, or computed from its criteria.

    `chosen`: the answers come from the grading form, whose fields and choices are the
    criteria and rows themselves (a value typed under "Fasting glucose", "hypotension" picked
    beside the vasopressor rows), so nothing they assume is left unsaid."""
    if stated is not None:
        quoted = grade_text(effect, stated)
        return Grade(
            stated,
            f"grade {stated} as asked",
            quoted.text if quoted else "",
            effect.grading_scale,
            stated=True,
        )
    met: list[tuple[int, str, str]] = []  # (grade, rule, what the rule assumes)
    assumed: list[str] = []
    possible: set[int] = set()
    for criterion in effect.criteria:
        if criterion.measure:
            lab = knowledge.labs.get(criterion.measure)
            for reading in readings:
                if lab is not None and reading.lab == criterion.measure:
                    found, notes, could = _measured(effect, criterion, reading, lab, text, chosen)
                    met += [(n, rule, "") for n, rule in found]
                    assumed += notes
                    possible |= set(could)
        for row in criterion.signs:
            said = row.said(signs)
            if row.distinct and len(said) >= row.distinct:
                things = " + ".join(said)
                met.append((row.grade, f"{criterion.name}: {things}, {row.means}", row.assumes))
            elif said and not row.distinct:
                rule = (
                    said[0]
                    if said[0].lower() == criterion.name.lower()
                    else f"{criterion.name}: {said[0]}"
                )
                met.append((row.grade, rule, row.assumes))
    if met:
        n, rule, assumes = max(met, key=lambda found: found[0])
        if assumes and not chosen:
            assumed.append(assumes)
        quoted = grade_text(effect, n)
        return Grade(
            n,
            rule,
            quoted.text if quoted else "",
            effect.grading_scale,
            tuple(dict.fromkeys(assumed)),
        )
    if possible:
        return Grade(
            None, "; ".join(assumed), "", effect.grading_scale, (), tuple(sorted(possible))
        )
    return None
