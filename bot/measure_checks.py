"""Validator checks for the lab vocabulary, side-effect findings and grading criteria.

Like links between entries, these are rules a JSON Schema cannot express: a finding names a lab
the vocabulary knows and says which way it points; a criterion's unit is one the lab is reported
in (or a multiple of a reference the lab allows); a criterion's rows neither overlap nor leave a
gap, so every value falls in exactly one row; every graded row has its grading text to quote.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from difflib import get_close_matches
from itertools import pairwise
from typing import Any, Protocol

from bot import words
from bot.measures import RELATIVE_UNITS


class Located(Protocol):
    """An entry's raw data that can report a problem at a path inside it."""

    raw: dict[str, Any]

    @property
    def id(self) -> str: ...

    def problem(self, sub: Iterable[str | int], message: str, severity: str = "error") -> Any: ...


def _suggest(name: str, known: Iterable[str]) -> str:
    close = get_close_matches(name, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_labs(labs: Sequence[Located]) -> Iterator[Any]:
    """Lab ids unique; a name or alias leads to one lab only."""
    seen_ids: set[str] = set()
    seen_names: dict[str, str] = {}
    for lab in labs:
        if lab.id in seen_ids:
            yield lab.problem(("id",), f"duplicate lab id '{lab.id}'")
        seen_ids.add(lab.id)
        names = [lab.raw.get("name", ""), *lab.raw.get("aliases", ())]
        for i, name in enumerate(names):
            key = words.key(str(name))
            other = seen_names.get(key)
            if other and other != lab.id:
                where = ("name",) if i == 0 else ("aliases", i - 1)
                yield lab.problem(where, f"'{name}' is already a name of lab '{other}'")
            seen_names.setdefault(key, lab.id)


def check_findings(
    effects: Sequence[Located], labs: dict[str, dict[str, Any]], agents: set[str]
) -> Iterator[Any]:
    """Findings name known labs with a direction, and known classes or drugs."""
    for effect in effects:
        for i, finding in enumerate(effect.raw.get("findings", ()) or ()):
            lab = finding.get("lab")
            if lab and lab not in labs:
                yield effect.problem(
                    ("findings", i, "lab"), f"unknown lab '{lab}'{_suggest(lab, labs)}"
                )
            if lab and not finding.get("direction"):
                yield effect.problem(
                    ("findings", i), f"finding on lab '{lab}' needs a direction (high or low)"
                )
            if finding.get("sign") and finding.get("direction"):
                yield effect.problem(
                    ("findings", i, "direction"), "a direction belongs to a lab, not to a sign"
                )
            for j, agent in enumerate(finding.get("after", ()) or ()):
                if agent not in agents:
                    yield effect.problem(
                        ("findings", i, "after", j),
                        f"unknown class or drug id '{agent}'{_suggest(agent, agents)}",
                    )


def check_criteria(effects: Sequence[Located], labs: dict[str, dict[str, Any]]) -> Iterator[Any]:
    """Criteria name known labs in their units; rows are ordered, contiguous and quotable."""
    for effect in effects:
        grading = effect.raw.get("grading") or {}
        graded = _graded(grading.get("grades", ()))
        for i, criterion in enumerate(grading.get("criteria", ()) or ()):
            at = ("grading", "criteria", i)
            measure = criterion.get("measure")
            if measure:
                lab = labs.get(measure)
                if lab is None:
                    yield effect.problem(
                        (*at, "measure"), f"unknown lab '{measure}'{_suggest(measure, labs)}"
                    )
                else:
                    yield from _check_unit(effect, at, criterion.get("unit", ""), lab)
                    yield from _check_rows(effect, at, criterion.get("rows", ()), lab)
            for j, row in enumerate(criterion.get("signs", ()) or ()):
                items = len(row.get("match", ()) or ())
                distinct = row.get("distinct")
                if isinstance(distinct, int) and distinct > items:
                    yield effect.problem(
                        (*at, "signs", j, "distinct"),
                        f"needs {distinct} different things said but lists {items}: "
                        "the row can never be met",
                    )
            rows = [*criterion.get("rows", ()), *criterion.get("signs", ())]
            for j, row in enumerate(rows):
                grade = row.get("grade")
                if isinstance(grade, int) and grade not in graded:
                    yield effect.problem(
                        (*at, "rows" if j < len(criterion.get("rows", ())) else "signs"),
                        f"grade {grade} has no grading text in 'grades' to quote",
                    )


def _graded(grades: Iterable[dict[str, Any]]) -> set[int]:
    out: set[int] = set()
    for item in grades:
        text = str(item.get("grade", ""))
        if text == "all":
            continue
        low, _, high = text.partition("-")
        if low.isdigit():
            out.update(range(int(low), int(high or low) + 1))
    return out


def _check_unit(
    effect: Located, at: tuple[str | int, ...], unit: str, lab: dict[str, Any]
) -> Iterator[Any]:
    units = [u.get("unit", "") for u in lab.get("units", ())]
    reference = RELATIVE_UNITS.get(unit)
    if reference is not None:
        if reference not in lab.get("relative", ()):
            yield effect.problem(
                (*at, "unit"),
                f"'{unit}': lab '{lab['id']}' is not given against {reference} "
                f"(add {reference} to its 'relative' list, or use one of {', '.join(units)})",
            )
    elif unit not in units:
        yield effect.problem(
            (*at, "unit"),
            f"unit '{unit}' is not a unit of lab '{lab['id']}' ({', '.join(units)}); "
            "a threshold needs a unit the lab is reported in",
        )


def _numeric(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _check_rows(
    effect: Located, at: tuple[str | int, ...], rows: list[dict[str, Any]], lab: dict[str, Any]
) -> Iterator[Any]:
    """Each row has a bound, lower below upper; plain rows neither overlap nor leave gaps."""
    spans: list[tuple[float, bool, float, bool, int]] = []
    for j, row in enumerate(rows):
        bounds = [row.get(k) for k in ("over", "from", "to", "under")]
        if all(b is None for b in bounds):
            yield effect.problem((*at, "rows", j), "a row needs at least one bound")
            continue
        if row.get("over") is not None and row.get("from") is not None:
            yield effect.problem((*at, "rows", j), "give 'over' or 'from', not both")
        if row.get("to") is not None and row.get("under") is not None:
            yield effect.problem((*at, "rows", j), "give 'to' or 'under', not both")
        low_v = row.get("over", row.get("from"))
        high_v = row.get("to", row.get("under"))
        low, high = _numeric(low_v), _numeric(high_v)
        if low is not None and high is not None and low > high:
            yield effect.problem((*at, "rows", j), f"lower bound {low:g} is above upper {high:g}")
        if row.get("needs") or isinstance(low_v, str) or isinstance(high_v, str):
            continue  # deliberate overlaps (needs) and lab limits are not compared
        spans.append(
            (
                low if low is not None else float("-inf"),
                row.get("from") is not None,
                high if high is not None else float("inf"),
                row.get("to") is not None,
                j,
            )
        )
    spans.sort()
    for (_, _, high, high_in, _), (low, low_in, _, _, j) in pairwise(spans):
        yield from _gap_or_overlap(effect, at, j, high, high_in, low, low_in, lab)


def _gap_or_overlap(
    effect: Located,
    at: tuple[str | int, ...],
    j: int,
    high: float,
    high_in: bool,
    low: float,
    low_in: bool,
    lab: dict[str, Any],
) -> Iterator[Any]:
    if high == low and high_in != low_in:
        return
    if lab.get("integer") and high_in and low_in and low == high + 1:
        return
    if high > low or (high == low and high_in and low_in):
        yield effect.problem((*at, "rows", j), f"rows overlap at {low:g}")
    else:
        yield effect.problem((*at, "rows", j), f"rows leave a gap between {high:g} and {low:g}")
