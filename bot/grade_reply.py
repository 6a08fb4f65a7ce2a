"""The grading calculator's answer: the grade, the rule that gave it, and that grade's management.

Everything shown is quoted from the side effect's entry (its grading text, its management row
for that grade and the row for all grades) or from the engine's rule line; when the answers fit
no row, or could fit several, the reply says so instead of picking one.
"""

from __future__ import annotations

from bot import blocks as bk
from bot import grading
from bot.blocks import Block, escape
from bot.grade_form import Answers, encode
from bot.knowledge import SideEffect
from bot.render import ACTION_GRADE, ACTION_SECTION, DISCLAIMER, Message

ACTION_GRADE_SHARE = "immuno.grade.share"
__all__ = ["ACTION_GRADE", "ACTION_GRADE_SHARE", "result"]


def _footer(effect: SideEffect) -> Block:
    sources = " · ".join(bk.link(s.url, s.title) for s in effect.sources[:3])
    return bk.context(
        [f"*Sources:* {sources}", f"Reviewed {effect.last_reviewed} · _{DISCLAIMER}_"]
    )


def _all_grades(effect: SideEffect) -> str:
    rows = [m.text for m in effect.management if not m.grade[:1].isdigit()]
    return " ".join(rows)


def result(
    effect: SideEffect, found: grading.Grade | None, answers: Answers, *, shareable: bool = True
) -> Message:
    """The calculator's reply for these answers."""
    scale = escape(effect.grading_scale)
    out: list[Block] = []
    if found is not None and found.n is not None:
        out.append(bk.header(f"Grade {found.n} {effect.name}"))
        first = f"*Grade {found.n}* ({scale}), by the rule *{escape(found.rule)}*."
        if found.text:
            first += f"\n_{escape(found.text)}_"
        out.append(bk.section(first))
        row = grading.management_row(effect, found.n)
        if row is not None:
            out.append(bk.section(f"*Management, {escape(row.label)}:* {escape(row.text)}"))
        general = _all_grades(effect)
        if general:
            out.append(bk.section(f"*All grades:* {escape(general)}"))
        summary = f"Grade {found.n} {effect.name} by the rule {found.rule}."
    elif found is not None and found.possible:
        grades = " or ".join(str(n) for n in found.possible)
        out.append(bk.header(f"{effect.name}: grade {grades}"))
        out.append(bk.section(f"Could be grade {grades}: {escape(found.rule)}"))
        summary = f"{effect.name}: could be grade {grades}."
    else:
        out.append(bk.header(effect.name))
        out.append(
            bk.section(
                f"These answers meet no grade in *{scale}* as the knowledge holds it. "
                "Check the grading table."
            )
        )
        summary = f"{effect.name}: no grade met by these answers."
    if found is not None and found.assumed:
        out.append(bk.context(["*Assumed:* " + escape("; ".join(found.assumed))]))
    buttons = [bk.button("Management by grade", ACTION_SECTION, f"{effect.id}|management")]
    buttons.append(bk.button("Grading table", ACTION_SECTION, f"{effect.id}|grading"))
    if shareable:
        value = f"{effect.id}|{encode(answers)}"
        buttons.append(bk.button("Share in channel", ACTION_GRADE_SHARE, value, style="primary"))
    out.append(bk.actions(buttons, block_id=f"immuno.graded.{effect.id}"))
    out.append(_footer(effect))
    return Message(
        text=bk.cut(f"{summary} ({DISCLAIMER})", bk.MAX_FALLBACK_TEXT),
        blocks=out,
        entry_id=effect.id,
        section="grading",
    )
