"""The Message a reply is, and the small pieces every reply shares (disclaimer, bullets, names).

A Message is plain data; it knows nothing of how it is sent. Slack posts it, the shell prints it,
the preview command dumps it.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from bot import blocks as bk
from bot.blocks import Block, escape
from bot.grade_form import gradable
from bot.knowledge import Drug, Entry, Knowledge, SideEffect

DISCLAIMER = "For education, not medical advice: check the current prescribing information."
BUILDER_URL = "https://app.slack.com/block-kit-builder/#"

# Action ids: the Slack adapter listens for these.
ACTION_SECTION = "immuno.section"
ACTION_SHARE = "immuno.share"
ACTION_REPORT = "immuno.report"
ACTION_CHOOSE = "immuno.choose"
ACTION_BROWSE = "immuno.browse"
ACTION_GRADE = "immuno.grade"


@dataclass(frozen=True)
class Message:
    """A reply: Block Kit blocks, the notification text, and whether only the asker sees it.

    Treat as immutable: cards are shared between replies (bot.answering keeps a memo), so build
    a new Message (as public() and shared_by() do) rather than changing one."""

    text: str
    blocks: list[Block] = field(default_factory=list)
    ephemeral: bool = True
    entry_id: str = ""
    section: str = ""
    #: Secondary attachments, each {"blocks": [...]}: where Slack wants a table block.
    attachments: list[dict[str, Any]] = field(default_factory=list)

    def public(self) -> Message:
        """The same message for everyone: no Share button (it is already shared)."""
        kept = []
        for block in self.blocks:
            if block.get("type") == "actions":
                elements = [
                    e
                    for e in block["elements"]
                    if not e.get("action_id", "").startswith(ACTION_SHARE)
                ]
                if not elements:
                    continue
                block = {**block, "elements": elements}
            kept.append(block)
        return replace(self, blocks=kept, ephemeral=False)


_T = TypeVar("_T")


class MessageMemo(Generic[_T]):
    """What is derived from a message (its form with feedback buttons, its JSON body), kept
    for as long as the message lives.

    Why: a card is rendered once and shared by every reply that shows it (bot.answering's
    memo), but each reply used to derive its Slack form anew, and encoding a 6-8 KB card to
    JSON cost three times as much as answering its name. Keyed by the message's identity (a
    Message holds lists, so it has no hash); an entry goes when its message is freed, so a
    one-off reply leaves nothing behind. Correct because a Message is never changed."""

    def __init__(self) -> None:
        self._by_id: dict[tuple[int, Hashable], tuple[weakref.ref[Message], _T]] = {}

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, message: Message, key: Hashable, derive: Callable[[], _T]) -> _T:
        """The value derived from `message` under `key`: kept, or made now by `derive`."""
        slot = (id(message), key)
        kept = self._by_id.get(slot)
        if kept is not None and kept[0]() is message:
            return kept[1]
        value = derive()
        by_id = self._by_id

        def forget(_: object, slot: tuple[int, Hashable] = slot) -> None:
            by_id.pop(slot, None)

        self._by_id[slot] = (weakref.ref(message, forget), value)
        return value


def footer(entry: Entry) -> Block:
    """Every card ends with its sources, its review date and the not-medical-advice line."""
    sources = " · ".join(bk.link(s.url, s.title) for s in entry.sources[:4])
    more = f" (+{len(entry.sources) - 4} more)" if len(entry.sources) > 4 else ""
    by = f" by {escape(entry.reviewed_by)}" if entry.reviewed_by else ""
    return bk.context(
        [f"*Sources:* {sources}{more}", f"Reviewed {entry.last_reviewed}{by} · _{DISCLAIMER}_"]
    )


def disclaimer_block() -> Block:
    return bk.context([f"_{DISCLAIMER}_"])


def bullets(items: Iterable[str], limit: int | None = None, more_hint: str = "") -> str:
    """A bulleted list, cut at `limit` with a count of what was left out."""
    items = list(items)
    shown = items if limit is None else items[:limit]
    text = "\n".join(f"• {item}" for item in shown)
    if limit is not None and len(items) > limit:
        text += f"\n• …and {len(items) - limit} more{more_hint}"
    return text


def names(knowledge: Knowledge, ids: Iterable[str]) -> list[str]:
    """The escaped titles of the entries with these ids (unknown ids are left out)."""
    return [escape(knowledge.entries[i].title) for i in ids if i in knowledge.entries]


def drug_line(drug: Drug, note: str = "") -> str:
    text = f"*{escape(drug.title)}*"
    return f"{text} — {escape(note)}" if note else text


def facts(pairs: list[tuple[str, str]]) -> Block | None:
    """A fields block of the facts that are known; unknown facts are left out, not blank."""
    known = [(label, value) for label, value in pairs if value]
    return bk.fields(known) if known else None


def error_message(text: str) -> Message:
    return Message(text=text, blocks=[bk.section(escape(text)), disclaimer_block()])


def builder_url(message: Message) -> str:
    """A Block Kit Builder link that opens the message for a reviewer to look at."""
    payload = json.dumps({"blocks": message.blocks}, ensure_ascii=False, separators=(",", ":"))
    return BUILDER_URL + quote(payload, safe="")


def with_note(message: Message, note: str) -> Message:
    """The same reply with a short note after it (e.g. that only part of the text was read)."""
    if len(message.blocks) >= bk.MAX_BLOCKS:
        return replace(message, text=f"{message.text} ({note})")
    return replace(message, blocks=[*message.blocks, bk.context([note])])


def shared_by(message: Message, user_id: str) -> Message:
    """Attribute a shared card to the person who shared it."""
    if not bk.is_user_id(user_id):
        return message
    note = bk.context([f"Shared by {bk.user_mention(user_id)}"])
    return replace(message, blocks=[*message.blocks[:1], note, *message.blocks[1:]])


def grade_button(entry: Entry | None) -> Block | None:
    """ "Grade it" (the grading calculator) for a side effect the knowledge grades from values
    or described findings; None for anything else."""
    if isinstance(entry, SideEffect) and gradable(entry):
        return bk.button("Grade it", ACTION_GRADE, entry.id)
    return None
