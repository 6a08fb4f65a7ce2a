"""The grading calculator's form: its fields generated from a side effect's grading criteria.

Every side effect whose grading the knowledge holds as structured criteria gets the same kind of
form: a number for each measured criterion (in the criterion's own unit, with its rows as the
hint), a choice for each criterion graded by described findings, and a symptom-severity choice
when a row depends on it. Nothing here names a side effect, a measure or a threshold; the
answers become the question reader's Readings and the grading engine (bot.grading) does the rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from bot import blocks as bk
from bot import grading
from bot.blocks import Block, escape
from bot.knowledge import Knowledge, SideEffect
from bot.measures import Criterion, SignRow
from bot.read.values import Reading

GRADE_CALLBACK = "immuno.grade.form"
SEVERITY_BLOCK = "severity"
#: Words a row's condition may use for symptom severity (grading grammar, not data).
SEVERITY_WORDS = ("mild", "moderate", "severe")
_NONE = "none"


@dataclass(frozen=True)
class Answers:
    """What was entered: a number per measured criterion, a finding per described one."""

    values: dict[int, float] = field(default_factory=dict)  # criterion index -> number
    findings: dict[int, int] = field(default_factory=dict)  # criterion index -> sign row index
    severity: str = ""

    @property
    def empty(self) -> bool:
        return not self.values and not self.findings


def gradable(effect: SideEffect) -> bool:
    """Whether the knowledge grades this side effect from values or findings."""
    return any(c.measure or c.signs for c in effect.criteria)


def unit_label(criterion: Criterion) -> str:
    return {"x ULN": "× ULN", "x LLN": "× LLN", "x baseline": "× baseline"}.get(
        criterion.unit, criterion.unit
    )


def hint(criterion: Criterion) -> str:
    rows = [
        f"grade {r.grade} {grading.bounds_text(r, criterion.unit)}"
        + (f" ({r.needs})" if r.needs else "")
        for r in criterion.rows
    ]
    return bk.cut("; ".join(rows), 150)


def is_integer(criterion: Criterion, knowledge: Knowledge) -> bool:
    lab = knowledge.labs.get(criterion.measure)
    return bool(lab and lab.integer)


def _number_block(index: int, criterion: Criterion, knowledge: Knowledge) -> Block:
    unit = unit_label(criterion)
    label = f"{criterion.name} ({unit})" if unit and unit != "points" else criterion.name
    return {
        "type": "input",
        "block_id": f"c{index}",
        "optional": True,
        "label": {"type": "plain_text", "text": bk.cut(label, 2000)},
        "hint": {"type": "plain_text", "text": hint(criterion)},
        "element": {
            "type": "number_input",
            "action_id": "value",
            "is_decimal_allowed": not is_integer(criterion, knowledge),
            "min_value": "0",
        },
    }


def offered_rows(criterion: Criterion) -> list[tuple[int, SignRow]]:
    """The sign rows a form offers, with their places in the criterion: one choice each, so a
    row met only by several things said together (SignRow.distinct) is not offered (its
    meaning is offered as a row of its own, "multiple vasopressors")."""
    return [(n, row) for n, row in enumerate(criterion.signs) if not row.distinct]


def _choice_block(index: int, criterion: Criterion) -> Block:
    options = [bk.option("None of these", _NONE)]
    options += [
        bk.option(f"{row.label} (grade {row.grade})", f"{n}") for n, row in offered_rows(criterion)
    ]
    return {
        "type": "input",
        "block_id": f"c{index}",
        "optional": True,
        "label": {"type": "plain_text", "text": bk.cut(criterion.name, 2000)},
        "element": {
            "type": "static_select",
            "action_id": "value",
            "placeholder": {"type": "plain_text", "text": "Choose what applies"},
            "options": options[: bk.MAX_OPTIONS],
        },
    }


def severities(effect: SideEffect) -> list[str]:
    needs = " ".join(r.needs for c in effect.criteria for r in c.rows).lower()
    return [w for w in SEVERITY_WORDS if w in needs]


def modal(
    effect: SideEffect, knowledge: Knowledge, channel: str, thread: str = ""
) -> dict[str, Any]:
    """The calculator for one side effect, generated from its criteria."""
    blocks: list[Block] = [
        bk.section(
            "Enter what you know about the patient and leave the rest blank. The grade follows "
            f"*{escape(effect.grading_scale)}* as the knowledge holds it, with the rule that "
            "gave it."
        )
    ]
    for index, criterion in enumerate(effect.criteria):
        if criterion.measure:
            blocks.append(_number_block(index, criterion, knowledge))
        elif criterion.signs:
            blocks.append(_choice_block(index, criterion))
    levels = severities(effect)
    if levels:
        blocks.append(
            {
                "type": "input",
                "block_id": SEVERITY_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Symptoms"},
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": [bk.option(w.capitalize(), w) for w in levels],
                },
            }
        )
    return {
        "type": "modal",
        "callback_id": GRADE_CALLBACK,
        "private_metadata": f"{effect.id}|{channel}|{thread}"[:3000],
        "title": {"type": "plain_text", "text": "Grade it"},
        "submit": {"type": "plain_text", "text": "Grade"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks[: bk.MAX_HOME_BLOCKS],
    }


def metadata(view: dict[str, Any]) -> tuple[str, str, str]:
    """(side effect id, channel, thread) the form was opened for."""
    effect_id, _, rest = str(view.get("private_metadata") or "").partition("|")
    channel, _, thread = rest.partition("|")
    return effect_id, channel, thread


def _state(view: dict[str, Any]) -> dict[str, Any]:
    values = (view.get("state") or {}).get("values") or {}
    return {block: (actions or {}).get("value") or {} for block, actions in values.items()}


def parse_number(raw: str, *, integer: bool) -> tuple[float | None, str]:
    """A typed value, or why it cannot be used (shown under the field, or re-asked)."""
    try:
        number = float(raw.strip().replace(",", "."))
    except ValueError:
        return None, "Enter a number, like 38.5."
    if not math.isfinite(number) or number < 0:
        return None, "Enter a number of 0 or more."
    if integer and not number.is_integer():
        return None, "Enter a whole number."
    return number, ""


def read(
    view: dict[str, Any], effect: SideEffect, knowledge: Knowledge
) -> tuple[Answers, dict[str, str]]:
    """The answers in a submitted form, and an inline error per field that is not valid."""
    state = _state(view)
    values: dict[int, float] = {}
    findings: dict[int, int] = {}
    errors: dict[str, str] = {}
    for index, criterion in enumerate(effect.criteria):
        field_state = state.get(f"c{index}") or {}
        if criterion.measure:
            raw = str(field_state.get("value") or "").strip()
            if not raw:
                continue
            number, error = parse_number(raw, integer=is_integer(criterion, knowledge))
            if number is None:
                errors[f"c{index}"] = error
            else:
                values[index] = number
        elif criterion.signs:
            chosen = str((field_state.get("selected_option") or {}).get("value") or "")
            if chosen and chosen != _NONE:
                if chosen.isdigit() and int(chosen) < len(criterion.signs):
                    findings[index] = int(chosen)
                else:
                    errors[f"c{index}"] = "Choose one of the options."
    severity = str(
        ((state.get(SEVERITY_BLOCK) or {}).get("selected_option") or {}).get("value") or ""
    )
    if severity not in SEVERITY_WORDS:
        severity = ""
    answers = Answers(values, findings, severity)
    if answers.empty and not errors:
        first = next((f"c{i}" for i, c in enumerate(effect.criteria) if c.measure or c.signs), "")
        errors[first] = "Enter at least one value or choose at least one finding."
    return answers, errors


def readings(effect: SideEffect, knowledge: Knowledge, answers: Answers) -> tuple[Reading, ...]:
    """The entered numbers as the question reader's Readings, in each measure's base unit."""
    out = []
    for index, number in sorted(answers.values.items()):
        criterion = effect.criteria[index]
        unit = unit_label(criterion)
        glue = "" if unit.startswith("×") or unit in ("%", "°C") else " "
        shown = f"{number:g}{glue}{unit}"
        if criterion.reference:
            out.append(Reading(criterion.measure, number, criterion.reference, shown=shown))
            continue
        lab = knowledge.labs.get(criterion.measure)
        written = lab.unit(criterion.unit) if lab else None
        base = written.to_base(number) if written else number
        out.append(Reading(criterion.measure, base, shown=shown))
    return tuple(out)


def grade(effect: SideEffect, knowledge: Knowledge, answers: Answers) -> grading.Grade | None:
    """The grading engine on the form's answers."""
    signs = tuple(
        effect.criteria[i].signs[n].label.lower() for i, n in sorted(answers.findings.items())
    )
    return grading.grade(
        effect,
        knowledge,
        readings(effect, knowledge, answers),
        signs,
        text=answers.severity,
        chosen=True,
    )


def encode(answers: Answers) -> str:
    """The answers in a button value (to share the result later)."""
    parts = [f"v{i}={v:g}" for i, v in sorted(answers.values.items())]
    parts += [f"f{i}={p}" for i, p in sorted(answers.findings.items())]
    if answers.severity:
        parts.append(f"s={answers.severity}")
    return ";".join(parts)


def decode(text: str, effect: SideEffect) -> Answers:
    """Answers back from encode(); anything malformed is dropped."""
    values: dict[int, float] = {}
    findings: dict[int, int] = {}
    severity = ""
    for part in text.split(";"):
        key, _, raw = part.partition("=")
        try:
            if key.startswith("v") and int(key[1:]) < len(effect.criteria):
                values[int(key[1:])] = float(raw)
            elif key.startswith("f") and int(key[1:]) < len(effect.criteria):
                if 0 <= int(raw) < len(effect.criteria[int(key[1:])].signs):
                    findings[int(key[1:])] = int(raw)
            elif key == "s" and raw in SEVERITY_WORDS:
                severity = raw
        except ValueError:
            continue
    return Answers(values, findings, severity)
