"""Render a Reply as a Message: the answer first, the rest a button away, sources compact.

The first section block is the answer for this patient (bold lead, the quoted step, the source
named). One more section of detail follows while the reply stays within the first-reply budget;
everything else (full entry, grading table, drug cards, the side effects of a drug) is a button.
"""

from __future__ import annotations

from bot import blocks as bk
from bot.blocks import Block, escape
from bot.knowledge import Knowledge
from bot.render import (
    ACTION_REPORT,
    ACTION_SECTION,
    ACTION_SHARE,
    DISCLAIMER,
    Message,
    grade_button,
)
from bot.reply import Reply, short_source
from bot.reply_quotes import split_sentences

#: Visible characters of a first reply (the issue's budget is about 1,500).
REPLY_BUDGET = 1100
COMPACT_BUDGET = 700


def _first_block(reply: Reply) -> str:
    text = f"*{escape(reply.lead)}*\n{escape(reply.first)}"
    if reply.sources:
        text += f"\n_Source: {escape(short_source(reply.sources[0]))}_"
    return text


def _footer(reply: Reply, *, compact: bool) -> Block:
    shown = reply.sources[: 1 if compact else 2]
    links = " · ".join(bk.link(s.url, short_source(s)) for s in shown)
    more = f" (+{len(reply.sources) - len(shown)})" if len(reply.sources) > len(shown) else ""
    reviewed = getattr(reply.entry, "last_reviewed", "")
    return bk.context([f"Sources: {links}{more} · reviewed {reviewed} · _{DISCLAIMER}_"])


def _buttons(reply: Reply, *, shareable: bool, question: str) -> Block:
    elements = [
        bk.button(label, ACTION_SECTION, f"{entry_id}|{section}")
        for label, entry_id, section in reply.buttons
    ]
    grade_it = grade_button(reply.entry)
    if grade_it is not None:
        elements.append(grade_it)
    if shareable:
        # Share asks the question again, so what is shared is this answer, not a card.
        value = f"{reply.entry.id}|answer|{question[:1500]}"
        elements.append(bk.button("Share in channel", ACTION_SHARE, value, style="primary"))
    elements.append(bk.button("Report a problem", ACTION_REPORT, f"{reply.entry.id}|answer"))
    return bk.actions(elements, block_id=f"immuno.answer.{reply.entry.id}")


def _visible(blocks: list[Block]) -> int:
    total = 0
    for block in blocks:
        if block.get("type") in ("section", "header"):
            total += len(block.get("text", {}).get("text", ""))
        elif block.get("type") == "context":
            total += sum(len(e.get("text", "")) for e in block["elements"])
    return total


def reply_message(
    reply: Reply,
    knowledge: Knowledge,
    *,
    shareable: bool = True,
    compact: bool = False,
    question: str = "",
) -> Message:
    """The reply as Block Kit: answer first, a little detail if it fits, buttons, sources."""
    budget = COMPACT_BUDGET if compact else REPLY_BUDGET
    first = bk.section(_first_block(reply))
    footer = _footer(reply, compact=compact)
    out: list[Block] = [first]
    room = budget - _visible([first, footer])
    if reply.others and not compact:
        names = ", ".join(f"*{escape(o.title)}*" for o in reply.others)
        out.append(bk.context([f"Also answered for: {names}"]))
        room -= len(names) + 20
    if not compact:
        for heading, text in reply.details:
            if room < 160:
                break
            head, rest = split_sentences(text, room - len(heading) - 10)
            if not head or head.endswith("…"):
                break
            more = " …" if rest else ""
            block = bk.section(f"*{escape(heading)}*\n{escape(head)}{more}")
            out.append(block)
            room -= _visible([block])
    out.append(_buttons(reply, shareable=shareable and bool(question), question=question))
    out.append(footer)
    fallback = f"{reply.lead}: {reply.first}"
    return Message(
        text=bk.cut(f"{fallback} ({DISCLAIMER})", bk.MAX_FALLBACK_TEXT),
        blocks=out,
        ephemeral=not compact,
        entry_id=reply.entry.id,
        section="answer",
    )
