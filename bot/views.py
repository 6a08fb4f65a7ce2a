"""Views beyond a single card: the App Home tab and the "Report a problem" modal and report.

Plain data like bot.render: the Slack listeners publish these, the tests read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot import blocks as bk
from bot.blocks import Block, escape
from bot.knowledge import Entry, Kind, Knowledge
from bot.query import COMMANDS
from bot.render import ACTION_BROWSE, DISCLAIMER, Message

REPORT_CALLBACK = "immuno.report"
_BLOCK_WHAT, _BLOCK_SOURCE = "what", "source"
_ACTION_WHAT, _ACTION_SOURCE = "what_input", "source_input"
MAX_REPORT = 2000


def _browse_select(kind: Knowledge, k: Kind) -> Block | None:
    entries = sorted(kind.of_kind(k), key=lambda e: e.name.lower())
    if not entries:
        return None
    options = [bk.option(e.title, f"{e.id}|overview") for e in entries]
    element: Block = {
        "type": "static_select",
        "action_id": f"{ACTION_BROWSE}#{k.value}",
        "placeholder": {"type": "plain_text", "text": f"Choose one of {len(entries)} {k.plural}"},
    }
    if len(options) <= bk.MAX_OPTIONS:
        element["options"] = options
    else:  # option groups hold 100 options each, up to 100 groups
        element["option_groups"] = [
            {
                "label": {"type": "plain_text", "text": f"{k.plural} {i + 1}–{i + len(chunk)}"},
                "options": chunk,
            }
            for i in range(0, min(len(options), 100 * 100), 100)
            for chunk in [options[i : i + 100]]
        ]
    return {
        "type": "section",
        "block_id": f"browse.{k.value}",
        "text": {"type": "mrkdwn", "text": f"*{k.plural.capitalize()}* ({len(entries)})"},
        "accessory": element,
    }


def home(
    knowledge: Knowledge, contributing_url: str = "", shown: Message | None = None
) -> dict[str, Any]:
    """The App Home tab: coverage, a browsable index, examples, and how to propose a change."""
    counts = ", ".join(f"{n} {k.plural}" for k, n in knowledge.counts.items())
    out: list[Block] = [bk.header("immuno — cancer immunotherapy reference")]
    if shown is not None:
        out += [b for b in shown.blocks if b.get("type") != "actions"]
        out.append(bk.divider())
    from bot import currency  # read on each publish: a drift check or a commit may land

    now = currency.of(knowledge)
    out.append(
        bk.section(
            f"I cover *{counts}*, each entry sourced (FDA labels, NCI, ASCO / "
            f"ESMO / ASTCT guidelines). Newest review: "
            f"*{knowledge.newest_review or '—'}*. Labels: *{now.pinned} of {now.drugs}* drugs "
            f"pinned to their US label; {escape(currency.drift_summary(now, knowledge))}."
            + (f" {len(now.changes)} change(s) in the last 30 days." if now.changes_from else "")
        )
    )
    out.append(bk.header("Browse"))
    for k in (Kind.CLASS, Kind.DRUG, Kind.SIDE_EFFECT, Kind.CANCER, Kind.CONCEPT):
        select = _browse_select(knowledge, k)
        if select:
            out.append(select)
    examples = [f"`/immuno {x}`" for spec in COMMANDS for x in spec.examples[:1]]
    out.append(bk.header("Ask"))
    out.append(
        bk.section(
            "Try " + ", ".join(examples) + ", or mention *@immuno* in a channel: "
            "_@immuno how is immune-related colitis managed?_"
        )
    )
    propose = "Every card has a *Report a problem* button that reaches the maintainers."
    if contributing_url:
        propose += f" To propose a change yourself: {bk.link(contributing_url, 'CONTRIBUTING')}."
    out.append(bk.section(propose))
    out.append(bk.context([f"_{DISCLAIMER}_"]))
    return {"type": "home", "blocks": bk.fit(out, bk.MAX_HOME_BLOCKS)}


def report_modal(entry: Entry | None, section: str, channel: str) -> dict[str, Any]:
    title = entry.title if entry else "this answer"
    return {
        "type": "modal",
        "callback_id": REPORT_CALLBACK,
        "private_metadata": f"{entry.id if entry else ''}|{section}|{channel}"[:3000],
        "title": {"type": "plain_text", "text": "Report a problem"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            bk.section(
                f"What is wrong or missing in *{escape(title)}*? The maintainers "
                "(clinicians) will check it against the sources."
            ),
            {
                "type": "input",
                "block_id": _BLOCK_WHAT,
                "label": {"type": "plain_text", "text": "What is wrong"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": _ACTION_WHAT,
                    "multiline": True,
                    "max_length": MAX_REPORT,
                },
            },
            {
                "type": "input",
                "block_id": _BLOCK_SOURCE,
                "optional": True,
                "label": {"type": "plain_text", "text": "Source (optional)"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": _ACTION_SOURCE,
                    "max_length": 500,
                    "placeholder": {
                        "type": "plain_text",
                        "text": "e.g. a DailyMed label or guideline URL",
                    },
                },
            },
        ],
    }


@dataclass(frozen=True)
class Report:
    entry_id: str
    section: str
    channel: str
    what: str
    source: str


def _input(view: dict[str, Any], block: str, action: str) -> str:
    values = (view.get("state") or {}).get("values") or {}
    return ((values.get(block) or {}).get(action) or {}).get("value") or ""


def report_errors(view: dict[str, Any]) -> dict[str, str]:
    if not _input(view, _BLOCK_WHAT, _ACTION_WHAT).strip():
        return {_BLOCK_WHAT: "Please say what is wrong."}
    return {}


def read_report(view: dict[str, Any]) -> Report:
    entry_id, section, channel = ([*view.get("private_metadata", "").split("|"), "", ""])[:3]
    return Report(
        entry_id,
        section,
        channel,
        _input(view, _BLOCK_WHAT, _ACTION_WHAT).strip()[:MAX_REPORT],
        _input(view, _BLOCK_SOURCE, _ACTION_SOURCE).strip()[:500],
    )


def issue_text(report: Report, entry: Entry | None) -> str:
    """A ready-to-paste issue for the knowledge repository."""
    name = entry.name if entry else "(entry no longer exists)"
    lines = [
        f"Knowledge report: {name} ({report.entry_id or 'unknown id'})",
        "",
        f"Entry: `{report.entry_id}`" + (f", section `{report.section}`" if report.section else ""),
        f"Last reviewed: {entry.last_reviewed}" if entry else "",
        "",
        "What is wrong:",
        report.what,
        "",
    ]
    if report.source:
        lines += ["Suggested source:", report.source, ""]
    lines.append("Reported from Slack with the bot's Report a problem button.")
    return "\n".join(line for line in lines if line is not None)


def report_message(report: Report, entry: Entry | None, user_id: str) -> Message:
    """The structured report posted to the maintainers' channel."""
    # A forged submission can carry any entry id and user id: only a known entry's title and
    # a real user id reach the message; everything else is escaped.
    name = entry.title if entry else "an unknown entry"
    who = bk.user_mention(user_id)
    out = [
        bk.header(f"Problem report: {name}"),
        bk.fields(
            [
                ("Entry id", f"`{escape(report.entry_id)}`"),
                ("Section", escape(report.section or "overview")),
                ("Reported by", who),
                ("Last reviewed", entry.last_reviewed if entry else "—"),
            ]
        ),
        bk.section("*What is wrong*\n" + bk.escape_user_text(report.what, MAX_REPORT)),
    ]
    if report.source:
        out.append(bk.section("*Suggested source*\n" + bk.escape_user_text(report.source, 500)))
    issue = escape(issue_text(report, entry)).replace("```", "'''")
    out.append(bk.section("*Ready-to-paste issue*\n```" + bk.cut(issue, 2800) + "```"))
    return Message(text=f"Problem report for {name}", blocks=out, ephemeral=False)


def thanks_message(entry: Entry | None) -> Message:
    name = f" about *{escape(entry.title)}*" if entry else ""
    text = f"Thank you: your report{name} went to the maintainers, who will check it."
    return Message(text=text.replace("*", ""), blocks=[bk.section(text)])
