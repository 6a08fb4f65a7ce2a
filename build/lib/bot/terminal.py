"""Print a Message readably in a terminal: the shell's and the preview command's view of a reply.

Block Kit is walked block by block; mrkdwn is turned into plain text (links become
"title (url)", entities are unescaped) so what a reviewer reads is what Slack would show.
"""

from __future__ import annotations

import html
import re
import textwrap
from typing import Any

from bot.render import Message

_LINK_RE = re.compile(r"<([^|<>]+)\|([^<>]+)>")
_BARE_LINK_RE = re.compile(r"<([^|<>]+)>")


def plain(mrkdwn: str) -> str:
    """mrkdwn as a person would read it, without the markup."""
    text = _LINK_RE.sub(lambda m: f"{m.group(2)} ({m.group(1)})", mrkdwn)
    text = _BARE_LINK_RE.sub(lambda m: m.group(1), text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"\1", text)
    text = text.replace("`", "")
    return html.unescape(text).replace("\u200b", "")


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    out = []
    for line in text.split("\n"):
        out.extend(
            textwrap.wrap(
                line,
                width,
                break_long_words=False,
                break_on_hyphens=False,
                initial_indent=indent,
                subsequent_indent=indent + ("  " if line.startswith("• ") else ""),
            )
            or [""]
        )
    return out


def _table(rows: list[list[dict[str, Any]]], width: int) -> list[str]:
    cells = [[c.get("text", "") for c in row] for row in rows]
    first = max(len(r[0]) for r in cells)
    rest = max(12, (width - first - 3 * (len(cells[0]) - 1)) // max(1, len(cells[0]) - 1))
    out = []
    for row in cells:
        wrapped = [textwrap.wrap(c, rest) or [""] for c in row[1:]]
        for i in range(max(len(w) for w in wrapped)):
            parts = [(row[0] if i == 0 else "").ljust(first)]
            parts += [(w[i] if i < len(w) else "").ljust(rest) for w in wrapped]
            out.append(" | ".join(parts).rstrip())
    return out


def to_text(message: Message, width: int = 88) -> str:
    """The message as lines of plain text."""
    lines: list[str] = []
    for block in message.blocks:
        kind = block.get("type")
        if kind == "header":
            title = block["text"]["text"]
            lines += ["", title, "=" * min(len(title), width)]
        elif kind == "section":
            if "text" in block:
                lines += _wrap(plain(block["text"]["text"]), width)
            for item in block.get("fields", ()):
                label, _, value = plain(item["text"]).partition("\n")
                lines += _wrap(f"{label}: {value}", width, "  ")
        elif kind == "context":
            for element in block.get("elements", ()):
                lines += _wrap(plain(element.get("text", "")), width, "  ")
        elif kind == "actions":
            labels = [
                f"[{e['text']['text']}]"
                for e in block.get("elements", ())
                if e.get("type") == "button"
            ]
            lines += _wrap("Buttons: " + " ".join(labels), width)
        elif kind == "table":
            lines += _table(block["rows"], width)
        elif kind == "divider":
            lines.append("-" * width)
        else:
            lines.append(f"[{kind} block]")
    return "\n".join(lines).strip("\n") or message.text
