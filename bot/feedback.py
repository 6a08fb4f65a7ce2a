"""👍 / 👎 on an answer: the buttons, and what a press means.

A vote is counted per entry and intent (what the question asked of the entry: management,
grading, a lookup…), never per person, so maintainers see which answers miss. The buttons are
Slack's feedback_buttons element in a context_actions block, under the answer, above its
sources.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from bot import blocks as bk
from bot.blocks import Block, escape
from bot.render import ACTION_REPORT, Message, MessageMemo

ACTION_FEEDBACK = "immuno.feedback"
UP, DOWN = "up", "down"


@dataclass(frozen=True)
class Vote:
    helpful: bool
    entry_id: str
    intent: str


def entry_id_of(answer: Any) -> str:
    """The entry an answer is about: the question reader's `.entry`, else the match's."""
    entry = getattr(answer, "entry", None)
    if entry is None:
        match = getattr(answer, "match", None)
        entry = getattr(match, "entry", None)
    return getattr(entry, "id", "") or ""


def intent_of(answer: Any) -> str:
    """What the question asked: the question reader's intent when there is one, else the
    section the question named, else a plain lookup."""
    intent = getattr(answer, "intent", None)
    if intent:
        return str(intent)
    query = getattr(answer, "query", None)
    return str(getattr(query, "section", None) or "lookup")


def _value(direction: str, entry_id: str, intent: str) -> str:
    return f"{direction}|{entry_id}|{intent}"[: bk.MAX_BUTTON_VALUE]


@lru_cache(maxsize=1024)
def buttons(entry_id: str, intent: str) -> Block:
    """The 👍 / 👎 block for answers about `entry_id` under `intent`. Kept per pair (a few
    hundred at most): it is the same for every such answer, and like the cards it goes into
    (see Message) it is shared, never changed."""

    def button(emoji: str, direction: str, label: str) -> dict[str, Any]:
        return {
            "text": {"type": "plain_text", "text": emoji, "emoji": True},
            "value": _value(direction, entry_id, intent),
            "accessibility_label": label,
        }

    return {
        "type": "context_actions",
        "block_id": f"immuno.feedback.{entry_id}"[:255],
        "elements": [
            {
                "type": "feedback_buttons",
                "action_id": ACTION_FEEDBACK,
                "positive_button": button("👍", UP, "This answer helped"),
                "negative_button": button("👎", DOWN, "This answer did not help"),
            }
        ],
    }


#: The offered form of each live message: a shared card is offered once, not on every reply.
_OFFERED: MessageMemo[Message] = MessageMemo()


def offer(message: Message, entry_id: str, intent: str) -> Message:
    """The message with 👍 / 👎 above its last block (the sources footer)."""
    if not entry_id or not message.blocks:
        return message

    def offered() -> Message:
        blocks = [*message.blocks[:-1], buttons(entry_id, intent), message.blocks[-1]]
        return replace(message, blocks=bk.fit(blocks, keep=3))

    return _OFFERED.get(message, (entry_id, intent), offered)


def for_answer(answer: Any, message: Message | None = None) -> Message:
    """An answer's reply (or `message`, a form of it) with feedback on the entry it found."""
    return offer(message or answer.message, entry_id_of(answer), intent_of(answer))


def parse(value: str) -> Vote | None:
    """A pressed feedback button's value; None for anything this module did not make."""
    direction, _, rest = value.partition("|")
    entry_id, _, intent = rest.partition("|")
    if direction not in (UP, DOWN) or not entry_id or not intent:
        return None
    return Vote(direction == UP, entry_id, intent)


def thanks(vote: Vote, title: str, *, again: bool = False) -> Message:
    """The private reply to a vote; a 👎 also offers the report form, to say what was wrong."""
    what = "helpful" if vote.helpful else "not helpful"
    if again:
        text = f"You already rated this answer about {title}; your first vote counts."
    else:
        text = f"Thank you: counted as {what} ({title}, {vote.intent.replace('_', ' ')})."
    out: list[Block] = [bk.section(escape(text))]
    if not vote.helpful and not again:
        out.append(
            bk.actions(
                [bk.button("Say what was wrong", ACTION_REPORT, f"{vote.entry_id}|{vote.intent}")],
                block_id="immuno.feedback.report",
            )
        )
    return Message(text=text, blocks=out)
