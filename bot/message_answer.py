"""Answer a message somebody else wrote (the "Ask immuno about this" shortcut).

A chat message is not a query typed for the bot: it may name several drugs and side effects, or
read as a question about none of them. A message that asks something (how is X managed, graded…)
gets the reply a mention gets, with every other entry it names offered as a button beside it; a
message that only names several entries offers them all as buttons rather than picking one.
"""

from __future__ import annotations

from dataclasses import replace

from bot import answering, feedback, render
from bot import blocks as bk
from bot.answering import Answer
from bot.blocks import Block, escape
from bot.knowledge import Entry
from bot.render import ACTION_CHOOSE, Message
from bot.resolve import Index

#: A chat message longer than this is read only this far (the question is in its first lines).
MAX_MESSAGE = 1500
#: At most this many other entries are offered as buttons.
MAX_OFFERED = 10


def _also_blocks(others: list[Entry]) -> list[Block]:
    names = ", ".join(f"*{escape(e.title)}*" for e in others)
    return [
        bk.context([f"This message also names {names}."]),
        bk.actions(
            [bk.button(e.title, ACTION_CHOOSE, f"{e.id}|overview") for e in others],
            block_id="immuno.message.also",
        ),
    ]


def _offer(entries: list[Entry]) -> Message:
    """The entries a message names, as buttons (when the question itself found nothing)."""
    out = [
        bk.section("This message names several entries. Which one?"),
        bk.actions(
            [bk.button(e.title, ACTION_CHOOSE, f"{e.id}|overview") for e in entries],
            block_id="immuno.message.named",
        ),
        render.disclaimer_block(),
    ]
    listed = "; ".join(f"{e.title} ({e.kind.value})" for e in entries)
    return Message(text=bk.cut(f"This message names: {listed}", bk.MAX_FALLBACK_TEXT), blocks=out)


def _asks_something(reply: Answer) -> bool:
    """Whether the message asks about one part of an entry (management, grading…), rather
    than only naming things; the question reader's intent when it has one."""
    intent = getattr(reply, "intent", None)
    if intent is not None:
        return str(intent) != "lookup"
    return reply.query.section is not None


def answer_message(text: str, index: Index, *, rejected: str = "") -> tuple[Answer, Message]:
    """The answer to a message read as a question, and the reply to show for it."""
    text = text[:MAX_MESSAGE]
    reply = answering.answer(text, index, rejected=rejected)
    if reply.query.command != "lookup":
        return reply, reply.message  # compare, list, help: the message asked for exactly that
    named = index.entries_named(text, fuzzy=False)
    found = feedback.entry_id_of(reply)
    if len(named) > 1 and (not found or not _asks_something(reply)):
        return reply, _offer(named[:MAX_OFFERED])  # names only: let the reader pick
    others = [e for e in named if e.id != found][:MAX_OFFERED]
    if not found or not others:
        return reply, reply.message
    blocks = reply.message.blocks
    # Before the reply's own buttons and footer, which bk.fit keeps.
    combined = [*blocks[:-2], *_also_blocks(others), *blocks[-2:]]
    return reply, replace(reply.message, blocks=bk.fit(combined, keep=4))
