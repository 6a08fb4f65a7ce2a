"""`list`: every entry of a kind, a page at a time, with buttons to turn the pages.

A single message can hold only so much (3,000 characters a section, 50 blocks), and the
knowledge keeps growing; a listing that silently stopped at the limit would hide entries. So a
kind is shown in pages of PAGE_SIZE entries, each page a message of its own, and the overview
(`list` alone) shows each kind's size with a button to its first page.
"""

from __future__ import annotations

from bot import blocks as bk
from bot.blocks import Block, escape
from bot.knowledge import Entry, Kind, Knowledge
from bot.render import ACTION_BROWSE, DISCLAIMER, Message

ACTION_PAGE = "immuno.page"
PAGE_SIZE = 20
_SUMMARY = 90
_PREVIEW = 6


def _sorted(knowledge: Knowledge, kind: Kind) -> list[Entry]:
    return sorted(knowledge.of_kind(kind), key=lambda e: e.title.lower())


def page_count(knowledge: Knowledge, kind: Kind) -> int:
    return max(1, -(-len(knowledge.of_kind(kind)) // PAGE_SIZE))


def page_value(kind: Kind, number: int) -> str:
    return f"{kind.value}|{number}"


def parse_page_value(value: str) -> tuple[Kind, int] | None:
    """A page button's value back to (kind, page number); None for anything malformed."""
    kind_text, _, number_text = value.partition("|")
    try:
        return Kind(kind_text), max(1, int(number_text))
    except ValueError:
        return None


def _sections(lines: list[str]) -> list[Block]:
    """Lines packed into as few sections as fit, none over Slack's section limit."""
    out: list[Block] = []
    current = ""
    for line in lines:
        if current and len(current) + 1 + len(line) > bk.MAX_SECTION:
            out.append(bk.section(current))
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        out.append(bk.section(current))
    return out


def _open_select(kind: Kind, entries: list[Entry]) -> Block:
    """A menu of this page's entries; choosing one shows its card (the browse action)."""
    return bk.actions(
        [
            {
                "type": "static_select",
                "action_id": f"{ACTION_BROWSE}#{kind.value}",
                "placeholder": {"type": "plain_text", "text": "Open one of these…"},
                "options": [bk.option(e.title, f"{e.id}|overview") for e in entries],
            }
        ],
        block_id=f"immuno.list.open.{kind.value}",
    )


def page(knowledge: Knowledge, kind: Kind, number: int = 1) -> Message:
    """One page of every entry of `kind`, alphabetical, with Previous / Next buttons."""
    entries = _sorted(knowledge, kind)
    pages = page_count(knowledge, kind)
    number = min(max(1, number), pages)
    shown = entries[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    title = f"{kind.plural.capitalize()} ({len(entries)})"
    if pages > 1:
        title += f" · page {number} of {pages}"
    lines = [f"• *{escape(e.title)}* — {escape(bk.cut(e.summary, _SUMMARY))}" for e in shown] or [
        f"_No {kind.plural} in the knowledge file._"
    ]
    out: list[Block] = [bk.header(title), *_sections(lines)]
    if shown:
        out.append(_open_select(kind, shown))
    turns = []
    if number > 1:
        turns.append(bk.button("‹ Previous", ACTION_PAGE, page_value(kind, number - 1)))
    if number < pages:
        turns.append(bk.button("Next ›", ACTION_PAGE, page_value(kind, number + 1)))
    if turns:
        out.append(bk.actions(turns, block_id=f"immuno.list.pages.{kind.value}"))
    out.append(bk.context([f"Type any name for its card. _{DISCLAIMER}_"]))
    text = f"{title}: " + ", ".join(e.title for e in shown)
    return Message(text=bk.cut(text, bk.MAX_FALLBACK_TEXT), blocks=out)


def overview(knowledge: Knowledge) -> Message:
    """`list` alone: each kind's size, its first few names, and a button to all of them."""
    out: list[Block] = [bk.header("What immuno knows")]
    summary = []
    for kind in Kind:
        entries = _sorted(knowledge, kind)
        if not entries:
            continue
        names = ", ".join(escape(e.title) for e in entries[:_PREVIEW])
        more = f", … ({len(entries) - _PREVIEW} more)" if len(entries) > _PREVIEW else ""
        button = bk.button(f"All {len(entries)} {kind.plural}", ACTION_PAGE, page_value(kind, 1))
        out.append(
            bk.section(
                f"*{kind.plural.capitalize()} ({len(entries)})*\n{names}{more}", accessory=button
            )
        )
        summary.append(f"{len(entries)} {kind.plural}")
    out.append(bk.context([f"`/immuno list drugs` shows every drug. _{DISCLAIMER}_"]))
    return Message(text="immuno knows " + ", ".join(summary) + ".", blocks=out)


def listing(knowledge: Knowledge, kind: Kind | None, number: int = 1) -> Message:
    return page(knowledge, kind, number) if kind else overview(knowledge)
