"""An entry's card: the section a question asks for foremost, buttons for the others, sources.

Every card fits Slack's limits (see `blocks`): when it would not, the sections are cut and a
note points at the buttons, which are never cut.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot import blocks as bk
from bot.blocks import Block, escape
from bot.knowledge import Entry, Kind, Knowledge
from bot.query import Section
from bot.render.message import (
    ACTION_REPORT,
    ACTION_SECTION,
    ACTION_SHARE,
    DISCLAIMER,
    Message,
    footer,
    grade_button,
)
from bot.render.parts import PARTS

S = Section

# The sections of each kind, in drill-down order: (section, button label).
SECTIONS: dict[Kind, tuple[tuple[Section, str], ...]] = {
    Kind.DRUG: (
        (S.OVERVIEW, "Overview"),
        (S.INDICATIONS, "Indications"),
        (S.SIDE_EFFECTS, "Side effects"),
        (S.MECHANISM, "Mechanism & class"),
        (S.MONITORING, "Monitoring"),
    ),
    Kind.SIDE_EFFECT: (
        (S.OVERVIEW, "Overview"),
        (S.MANAGEMENT, "Management by grade"),
        (S.GRADING, "Grading"),
        (S.CAUSES, "Drugs that cause it"),
    ),
    Kind.CANCER: (
        (S.OVERVIEW, "Overview"),
        (S.THERAPIES, "Immunotherapies"),
        (S.BIOMARKERS, "Biomarkers"),
    ),
    Kind.CLASS: (
        (S.OVERVIEW, "Overview"),
        (S.MEMBERS, "Drugs in this class"),
        (S.SIDE_EFFECTS, "Hallmark toxicities"),
        (S.MECHANISM, "Mechanism"),
    ),
    # A concept's sections are its own titled parts, all on the one card (see parts.py).
    Kind.CONCEPT: ((S.OVERVIEW, "Overview"),),
}

# A question's section, seen from each kind ("side effects" of a class are its toxicities).
SECTION_ALIASES: dict[Kind, dict[Section, Section]] = {
    Kind.DRUG: {
        S.BOXED_WARNING: S.OVERVIEW,
        S.CAUSES: S.SIDE_EFFECTS,
        S.MEMBERS: S.OVERVIEW,
        S.THERAPIES: S.INDICATIONS,
        S.MANAGEMENT: S.SIDE_EFFECTS,
        S.SYMPTOMS: S.SIDE_EFFECTS,
        S.GRADING: S.SIDE_EFFECTS,
        S.COMBINATIONS: S.INDICATIONS,
    },
    Kind.SIDE_EFFECT: {
        S.SIDE_EFFECTS: S.OVERVIEW,
        S.INDICATIONS: S.CAUSES,
        S.MEMBERS: S.CAUSES,
        S.THERAPIES: S.MANAGEMENT,
        S.SYMPTOMS: S.OVERVIEW,
        S.MONITORING: S.MANAGEMENT,
    },
    Kind.CANCER: {
        S.INDICATIONS: S.THERAPIES,
        S.MEMBERS: S.THERAPIES,
        S.CAUSES: S.THERAPIES,
        S.MANAGEMENT: S.THERAPIES,
        S.SIDE_EFFECTS: S.THERAPIES,
        S.MECHANISM: S.THERAPIES,
        S.COMBINATIONS: S.THERAPIES,
    },
    Kind.CLASS: {
        S.CAUSES: S.MEMBERS,
        S.INDICATIONS: S.MEMBERS,
        S.THERAPIES: S.MEMBERS,
        S.MANAGEMENT: S.SIDE_EFFECTS,
        S.GRADING: S.SIDE_EFFECTS,
        S.BIOMARKERS: S.MECHANISM,
        S.RESISTANCE: S.MECHANISM,
        S.COMBINATIONS: S.MECHANISM,
        S.MONITORING: S.SIDE_EFFECTS,
    },
    Kind.CONCEPT: {},
}


def section_for(kind: Kind, asked: str | None) -> Section:
    """The section of a `kind` card that answers a question about `asked` (a Section or the
    string a button carries; anything unknown is the overview)."""
    if not asked or asked not in Section.__members__.values():
        return S.OVERVIEW
    wanted = Section(asked)
    wanted = SECTION_ALIASES[kind].get(wanted, wanted)
    return wanted if wanted in dict(SECTIONS[kind]) else S.OVERVIEW


def _buttons(entry: Entry, current: Section, *, shareable: bool) -> Block:
    elements = [
        bk.button(label, ACTION_SECTION, f"{entry.id}|{name}")
        for name, label in SECTIONS[entry.kind]
        if name != current
    ]
    grade_it = grade_button(entry)
    if grade_it is not None:
        elements.append(grade_it)
    if shareable:
        elements.append(
            bk.button("Share in channel", ACTION_SHARE, f"{entry.id}|{current}", style="primary")
        )
    elements.append(bk.button("Report a problem", ACTION_REPORT, f"{entry.id}|{current}"))
    return bk.actions(elements, block_id=f"immuno.card.{entry.id}")


def card(
    entry: Entry,
    knowledge: Knowledge,
    section: str | None = None,
    *,
    shareable: bool = True,
    note: str = "",
    also: Iterable[Entry] = (),
) -> Message:
    """The full reply for one entry, with `section` foremost."""
    current = section_for(entry.kind, section)
    out: list[Block] = [bk.header(entry.title)]
    if note:
        out.append(bk.context([note]))
    if current is S.OVERVIEW:
        out.append(bk.section(escape(entry.summary)))
    else:
        label = dict(SECTIONS[entry.kind])[current]
        out.append(bk.context([f"*{label}* · {escape(bk.cut(entry.summary, 280))}"]))
    full = current is not S.OVERVIEW
    for part in PARTS[entry.kind][current]:
        out += part(entry, knowledge, full)
    others = list(also)
    if others:
        out.append(
            bk.context(["Also mentioned: " + ", ".join(f"*{escape(o.title)}*" for o in others[:5])])
        )
    out.append(_buttons(entry, current, shareable=shareable))
    out.append(footer(entry))
    overflow = bk.context(["…cut to fit Slack. Use the buttons above for each section."])
    text = f"{entry.title}: {entry.summary}"
    return Message(
        text=bk.cut(f"{text} ({DISCLAIMER})", bk.MAX_FALLBACK_TEXT),
        blocks=bk.fit(out, overflow=overflow, keep=2),
        entry_id=entry.id,
        section=current,
    )


def compact_card(entry: Entry, knowledge: Knowledge) -> Message:
    """The short card a keyword mention gets in a thread."""
    out = [
        bk.section(
            f"*{escape(entry.title)}* ({entry.kind.value})\n{escape(bk.cut(entry.summary, 400))}"
        ),
        bk.actions(
            [bk.button("More", ACTION_SECTION, f"{entry.id}|{S.OVERVIEW}")],
            block_id=f"immuno.keyword.{entry.id}",
        ),
        bk.context([f"Reviewed {entry.last_reviewed} · _{DISCLAIMER}_"]),
    ]
    return Message(
        text=f"{entry.title}: {bk.cut(entry.summary, 300)}",
        blocks=out,
        ephemeral=False,
        entry_id=entry.id,
    )
