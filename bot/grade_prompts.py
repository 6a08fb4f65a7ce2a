"""`grade <side effect>` in the local shell: the calculator's form, asked one field at a time.

The same fields as the Slack form (bot.grade_form), the same checks and the same engine; a field
left blank is skipped, a bad value is asked again.
"""

from __future__ import annotations

from collections.abc import Callable

from bot import grade_form
from bot.grade_form import Answers
from bot.knowledge import Kind, SideEffect
from bot.resolve import Index

Ask = Callable[[str], str | None]
Say = Callable[[str], None]

#: A bad value is asked again at most this many times.
TRIES = 3


def requested(line: str, index: Index) -> SideEffect | None:
    """The gradable side effect `grade <name>` asks for; None for anything else (a question
    like "grade 3 colitis, what to do" stays a question)."""
    head, _, rest = line.strip().partition(" ")
    if head.lower() != "grade" or not rest or any(ch.isdigit() for ch in rest):
        return None
    match = index.resolve(rest, kind=Kind.SIDE_EFFECT)
    entry = match.entry
    if isinstance(entry, SideEffect) and not match.corrected_from and grade_form.gradable(entry):
        return entry
    return None


def _number(label: str, integer: bool, ask: Ask, say: Say) -> float | None:
    for _ in range(TRIES):
        raw = ask(f"{label} (blank to skip): ")
        if raw is None or not raw.strip():
            return None
        number, error = grade_form.parse_number(raw, integer=integer)
        if number is not None:
            return number
        say(error)
    return None


def _choice(label: str, options: list[str], ask: Ask, say: Say) -> int | None:
    say(label + ": " + "  ".join(f"[{n}] {o}" for n, o in enumerate(options, 1)))
    for _ in range(TRIES):
        raw = ask("Number (blank for none): ")
        if raw is None or not raw.strip():
            return None
        if raw.strip().isdigit() and 1 <= int(raw) <= len(options):
            return int(raw) - 1
        say(f"Type a number from 1 to {len(options)}.")
    return None


def ask_answers(effect: SideEffect, index: Index, ask: Ask, say: Say) -> Answers:
    """Each field of the form in turn."""
    knowledge = index.knowledge
    say(f"Grading {effect.name} ({effect.grading_scale}). Leave a field blank to skip it.")
    values: dict[int, float] = {}
    findings: dict[int, int] = {}
    for i, criterion in enumerate(effect.criteria):
        if criterion.measure:
            unit = grade_form.unit_label(criterion)
            label = f"{criterion.name} ({unit}; {grade_form.hint(criterion)})"
            number = _number(label, grade_form.is_integer(criterion, knowledge), ask, say)
            if number is not None:
                values[i] = number
        elif criterion.signs:
            offered = grade_form.offered_rows(criterion)
            options = [f"{row.label} (grade {row.grade})" for _, row in offered]
            chosen = _choice(criterion.name, options, ask, say)
            if chosen is not None:
                findings[i] = offered[chosen][0]
    severity = ""
    levels = grade_form.severities(effect)
    if levels:
        chosen = _choice("Symptoms", levels, ask, say)
        severity = levels[chosen] if chosen is not None else ""
    return Answers(values, findings, severity)
