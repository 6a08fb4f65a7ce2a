"""Replies that are not one entry's card: a miss, choices, a comparison, lists, help, about."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot import blocks as bk
from bot.blocks import Block, escape
from bot.knowledge import Drug, Entry, Kind, Knowledge
from bot.query import COMMANDS, normalised
from bot.render.message import ACTION_CHOOSE, DISCLAIMER, Message, disclaimer_block
from bot.resolve import Match

if TYPE_CHECKING:
    from bot.currency import Currency


def miss(query: str, match: Match, kind: Kind | None = None) -> Message:
    """ "No entry for …" with up to three suggestions, each a button."""
    shown = bk.escape_user_text(query)
    what = f" among {kind.plural}" if kind else ""
    out: list[Block] = [bk.section(f"No entry for “{shown}”{what}.")]
    if match.suggestions:
        out.append(bk.section("Did you mean:"))
        out.append(
            bk.actions(
                # The value carries the query as the miss log stores it (normalised: no markup),
                # so the log can record which suggestion was picked for it.
                [
                    bk.button(s.title, ACTION_CHOOSE, f"{s.id}||{normalised(query)}")
                    for s in match.suggestions[:3]
                ],
                block_id="immuno.suggestions",
            )
        )
    out.append(
        bk.context(
            [
                "Try `/immuno list` to see everything, or "
                "`/immuno search &lt;words&gt;`. "
                f"_{DISCLAIMER}_"
            ]
        )
    )
    suggestion_text = ""
    if match.suggestions:
        titles = ", ".join(s.title for s in match.suggestions[:3])
        suggestion_text = f" Did you mean: {titles}?"
    return Message(text=f"No entry for “{shown}”{what}.{suggestion_text}", blocks=out)


def outside_cause(query: str, agent: str) -> Message:
    """A question about a cause outside cancer immunotherapy: said so, no irAE card."""
    shown = bk.escape_user_text(query)
    cause = bk.escape_user_text(agent, 60)
    text = (
        f"“{cause}” is not a cancer immunotherapy in immuno's knowledge, so “{shown}” is not "
        "answered as an immunotherapy side effect. Check that drug's own label."
    )
    out = [bk.section(text), disclaimer_block()]
    return Message(text=text, blocks=out)


def choices(query: str, match: Match) -> Message:
    """An ambiguous query: the candidates as buttons."""
    shown = bk.escape_user_text(query)
    out = [
        bk.section(f"“{shown}” could mean several entries. Which one?"),
        bk.actions(
            [bk.button(c.title, ACTION_CHOOSE, c.id) for c in match.choices],
            block_id="immuno.choices",
        ),
        disclaimer_block(),
    ]
    listed = "; ".join(f"{c.title} ({c.kind.value})" for c in match.choices)
    return Message(text=f"“{shown}” could mean: {listed}", blocks=out)


#: The rows of a comparison, in order: (label, the drug's value as plain text).
COMPARE_ROWS: tuple[tuple[str, Callable[[Drug, Knowledge], str]], ...] = (
    ("Brand", lambda d, k: ", ".join(d.brands)),
    ("Class", lambda d, k: ", ".join(k.names_of(d.classes))),
    ("Target", lambda d, k: d.target),
    ("First FDA approval", lambda d, k: str(d.first_approval_year or "")),
    ("Given", lambda d, k: d.administration),
    (
        "Approved for",
        lambda d, k: ", ".join(dict.fromkeys(k.names_of(i.cancer for i in d.indications))),
    ),
    ("Serious side effects", lambda d, k: ", ".join(k.names_of(d.serious_side_effects))),
    ("Common side effects", lambda d, k: ", ".join(k.names_of(d.common_side_effects))),
    ("Boxed warning", lambda d, k: d.boxed_warning),
)


def compare(first: Drug, second: Drug, knowledge: Knowledge) -> Message:
    """Two drugs side by side: a table block in an attachment (Slack allows one per message),
    and the same rows as the plain-text fallback."""
    table_rows = [["", first.name, second.name]]
    for label, value in COMPARE_ROWS:
        cells = [value(first, knowledge), value(second, knowledge)]
        if any(cells):
            table_rows.append([label, *cells])
    out: list[Block] = [
        bk.header(bk.cut(f"{first.name} vs {second.name}", bk.MAX_HEADER)),
        bk.actions(
            [
                bk.button(first.name, ACTION_CHOOSE, first.id),
                bk.button(second.name, ACTION_CHOOSE, second.id),
            ],
            block_id="immuno.compare",
        ),
        bk.context(
            [
                f"*Sources:* see each drug's card · Reviewed "
                f"{min(first.last_reviewed, second.last_reviewed)} · "
                f"_{DISCLAIMER}_"
            ]
        ),
    ]
    text = "\n".join(f"{r[0]}: {r[1]} | {r[2]}" for r in table_rows[1:])
    # Slack's table-block reference: a table goes in `attachments`, one per message.
    return Message(
        text=bk.cut(f"{first.name} vs {second.name}\n{text}", bk.MAX_FALLBACK_TEXT),
        blocks=out,
        attachments=[{"blocks": [bk.table(table_rows)]}],
    )


def search_results(query: str, ranked: list[tuple[Entry, float]]) -> Message:
    shown = bk.escape_user_text(query)
    if not ranked:
        return Message(
            text=f"Nothing found for “{shown}”.",
            blocks=[bk.section(f"Nothing found for “{shown}”."), disclaimer_block()],
        )
    lines = [
        f"{n}. *{escape(e.title)}* ({e.kind.value}) — {escape(bk.cut(e.summary, 140))}"
        for n, (e, _) in enumerate(ranked, 1)
    ]
    out = [
        bk.section(f"Matches for “{shown}”:\n" + "\n".join(lines)),
        bk.actions(
            [bk.button(e.title, ACTION_CHOOSE, e.id) for e, _ in ranked[:5]],
            block_id="immuno.search",
        ),
        disclaimer_block(),
    ]
    text = f"Matches for “{shown}”: " + "; ".join(e.title for e, _ in ranked)
    return Message(text=bk.cut(text, bk.MAX_FALLBACK_TEXT), blocks=out)


def help_message(knowledge: Knowledge, prefix: str = "/immuno") -> Message:
    """Generated from the command table, so it lists exactly what the parser accepts."""
    counts = ", ".join(f"{n} {k.plural}" for k, n in knowledge.counts.items())
    lines = [
        f"`{prefix} {escape(spec.usage)}` — {escape(spec.description)}"
        + (
            " e.g. " + ", ".join(f"`{prefix} {escape(x)}`" for x in spec.examples[:3])
            if spec.examples
            else ""
        )
        for spec in COMMANDS
    ]
    out = [
        bk.header("immuno: cancer immunotherapy at your fingertips"),
        bk.section(f"I know {counts}, each with its sources.\n\n" + "\n".join(lines)),
        bk.section(
            "You can also mention me in a channel in plain English: "
            "_@immuno what are the side effects of nivolumab?_ — I answer in the "
            "thread."
        ),
        disclaimer_block(),
    ]
    text = "immuno commands: " + "; ".join(f"{prefix} {spec.usage}" for spec in COMMANDS)
    return Message(text=text, blocks=out)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _recent_changes_text(now: Currency) -> str:
    """What changed in the knowledge in the last 30 days, newest first (git or CHANGELOG.md)."""
    title = "*What changed in the last 30 days*"
    if not now.changes_from:
        return f"{title}\n_No change history here (not a git checkout, no CHANGELOG.md)._"
    if not now.changes:
        return f"{title}\n_No changes to the knowledge in the last 30 days._"
    lines = [f"• {c.date} — {escape(_clip(c.subject, 160))}" for c in now.changes[:8]]
    if len(now.changes) > 8:
        lines.append(f"_…and {len(now.changes) - 8} more ({now.changes_from})_")
    return title + "\n" + "\n".join(lines)


def about(knowledge: Knowledge, rejected: str = "") -> Message:
    """Size, newest review date and version of the loaded knowledge (and any rejected edit)."""
    info = knowledge.info
    counts = ", ".join(f"{n} {k.plural}" for k, n in knowledge.counts.items())
    pairs = [
        ("Entries", f"{len(knowledge.entries)} ({counts})"),
        ("Newest review", knowledge.newest_review or "—"),
        ("Version", escape(info.version or "not a git checkout")),
        ("Content hash", info.content_hash or "—"),
        ("Loaded", info.loaded_at or "—"),
        ("Files", str(len(info.files))),
    ]
    from bot import currency  # read on each request: a drift check or a commit may land

    now = currency.of(knowledge)
    pairs += [
        ("Pinned to labels", f"{now.pinned} of {now.drugs} drugs"),
        ("Label drift", escape(currency.drift_summary(now, knowledge))),
    ]
    out: list[Block] = [
        bk.header("About immuno's knowledge"),
        bk.fields(pairs),
        bk.section(_recent_changes_text(now)),
    ]
    text = (
        f"Knowledge: {len(knowledge.entries)} entries ({counts}); newest review "
        f"{knowledge.newest_review}; version {info.version or info.content_hash}; "
        f"{now.pinned} of {now.drugs} drugs pinned to their labels."
    )
    if rejected:
        out.append(
            bk.section(
                f":warning: *The newest edit of the knowledge file was rejected*; "
                f"still serving the last good version.\n```{escape(rejected)}```"
            )
        )
        text += " The newest edit was rejected; serving the last good version."
    out.append(disclaimer_block())
    return Message(text=text, blocks=out)
