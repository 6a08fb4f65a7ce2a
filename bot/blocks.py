"""Block Kit building blocks that cannot exceed Slack's limits.

Slack rejects a whole message when one block is over a limit, so every builder here cuts its
input to fit (with a visible ellipsis) instead of trusting its caller. The limits are Slack's
published ones, as enforced by slack_sdk's own validators.
"""

from __future__ import annotations

import re
from typing import Any

Block = dict[str, Any]

MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_HEADER = 150
MAX_SECTION = 3000
MAX_FIELDS = 10
MAX_FIELD = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_OPTION_TEXT = 75
MAX_OPTIONS = 100
MAX_FALLBACK_TEXT = 3000
ELLIPSIS = "…"

_URL_RE = re.compile(r"(?i)\b(https?|ftp|mailto|tel|slack)(:)(//)?")
_WWW_RE = re.compile(r"(?i)\bwww\.")
_ZWSP = "\u200b"


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


#: Slack user ids (U…, or W… on Enterprise Grid) and conversation ids (C…, G…, D…), as Slack
#: issues them. Anything else in a payload is forged: "here" would render as a live <@here>.
_USER_ID_RE = re.compile(r"^[UW][A-Z0-9]{2,20}$")
_CHANNEL_ID_RE = re.compile(r"^[CGD][A-Z0-9]{2,20}$")


def user_mention(user_id: str) -> str:
    """A mention of a real user id, or "someone" for anything that is not one."""
    return f"<@{user_id}>" if _USER_ID_RE.match(user_id or "") else "someone"


def is_user_id(value: str) -> bool:
    return bool(_USER_ID_RE.match(value or ""))


def is_channel_id(value: str) -> bool:
    return bool(_CHANNEL_ID_RE.match(value or ""))


def escape_user_text(text: str, limit: int = 200) -> str:
    """Make what a user typed safe to echo: no pings, no links, no runaway length.

    Escaping < and > disarms <!channel>, <@U…> and <http…|…>; a zero-width space after the
    scheme stops Slack from auto-linking a bare URL; control characters are dropped.
    """
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + ELLIPSIS
    text = escape(text)
    text = _URL_RE.sub(lambda m: m.group(1) + _ZWSP + m.group(2) + (m.group(3) or ""), text)
    text = _WWW_RE.sub(lambda m: m.group(0)[:3] + _ZWSP + ".", text)
    # Keep the echoed text from closing or opening our own formatting.
    return text.replace("*", "∗").replace("`", "ʼ").replace("~", "∼")


def cut(text: str, limit: int) -> str:
    """Shorten to `limit` characters, ending with an ellipsis, without splitting an entity."""
    if len(text) <= limit:
        return text
    cut_at = limit - 1
    amp = text.rfind("&", max(0, cut_at - 6), cut_at)
    if amp != -1 and ";" not in text[amp:cut_at]:
        cut_at = amp
    link = text.rfind("<", 0, cut_at)
    if link != -1 and ">" not in text[link:cut_at]:
        cut_at = link
    return text[:cut_at].rstrip() + ELLIPSIS


def link(url: str, title: str) -> str:
    """A mrkdwn link; the title may not contain the separator or brackets."""
    safe_title = escape(title).replace("|", "/")
    return f"<{url.replace('|', '%7C').replace('>', '%3E')}|{safe_title}>"


def header(text: str) -> Block:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": cut(text, MAX_HEADER), "emoji": True},
    }


def section(text: str, *, block_id: str | None = None, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, MAX_SECTION)}}
    if block_id:
        block["block_id"] = block_id[:255]
    if accessory:
        block["accessory"] = accessory
    return block


def fields(pairs: list[tuple[str, str]]) -> Block:
    """A two-column facts block: up to ten "*Label*\\nvalue" fields."""
    items = [
        {"type": "mrkdwn", "text": cut(f"*{label}*\n{value}", MAX_FIELD)}
        for label, value in pairs[:MAX_FIELDS]
    ]
    return {"type": "section", "fields": items}


def context(texts: list[str]) -> Block:
    return {
        "type": "context",
        "elements": [
            {"type": "mrkdwn", "text": cut(t, MAX_SECTION)}
            for t in texts[:MAX_CONTEXT_ELEMENTS]
            if t
        ],
    }


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str, action_id: str, value: str, *, style: str | None = None, url: str | None = None
) -> Block:
    block: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": cut(text, MAX_BUTTON_TEXT)},
        "action_id": action_id[:MAX_ACTION_ID],
        "value": value[:MAX_BUTTON_VALUE],
    }
    if style:
        block["style"] = style
    if url:
        block["url"] = url
    return block


def actions(elements: list[Block], block_id: str | None = None) -> Block:
    # Slack requires action_ids to be unique within a message: number repeats.
    seen: dict[str, int] = {}
    out = []
    for element in elements[:MAX_ACTIONS]:
        action_id = element["action_id"]
        if action_id in seen:
            seen[action_id] += 1
            element = {**element, "action_id": f"{action_id}#{seen[action_id]}"[:MAX_ACTION_ID]}
        else:
            seen[action_id] = 0
        out.append(element)
    block: Block = {"type": "actions", "elements": out}
    if block_id:
        block["block_id"] = block_id[:255]
    return block


def option(text: str, value: str) -> Block:
    return {"text": {"type": "plain_text", "text": cut(text, MAX_OPTION_TEXT)}, "value": value}


def table(rows: list[list[str]]) -> Block:
    """A table block (one per message, at most 100 rows of 20 cells)."""
    cells = [
        [{"type": "raw_text", "text": (cell or "—")[:1000]} for cell in row[:20]]
        for row in rows[:100]
    ]
    return {
        "type": "table",
        "rows": cells,
        "column_settings": [{"is_wrapped": True} for _ in range(len(cells[0]))],
    }


def fit(
    blocks: list[Block], limit: int = MAX_BLOCKS, overflow: Block | None = None, keep: int = 1
) -> list[Block]:
    """Keep a message within the block limit, keeping its last `keep` blocks (the footer, and
    the buttons above it).

    When blocks must be dropped, `overflow` (e.g. a pointer to the full section) takes the place
    of the dropped ones so the reader knows there is more.
    """
    if len(blocks) <= limit:
        return blocks
    tail = blocks[-keep:]
    room = limit - len(tail) - (1 if overflow else 0)
    return blocks[:room] + ([overflow] if overflow else []) + tail
