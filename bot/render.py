"""Turn entries and matches into Messages: Block Kit blocks plus a plain-text fallback.

A Message is plain data; it knows nothing of how it is sent. Slack posts it, the shell prints it,
the preview command dumps it. Every card ends with its sources, its review date and the
not-medical-advice line, and every card fits Slack's limits (see `blocks`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from urllib.parse import quote

from bot import blocks as bk
from bot.blocks import Block, escape
from bot.knowledge import Cancer, Drug, Entry, Kind, Knowledge, SideEffect, TherapyClass
from bot.query import COMMANDS, normalised
from bot.search import Match

DISCLAIMER = "For education, not medical advice: check the current prescribing information."
BUILDER_URL = "https://app.slack.com/block-kit-builder/#"

# Action ids: the Slack adapter listens for these.
ACTION_SECTION = "immuno.section"
ACTION_SHARE = "immuno.share"
ACTION_REPORT = "immuno.report"
ACTION_CHOOSE = "immuno.choose"
ACTION_BROWSE = "immuno.browse"

# The sections of each kind, in drill-down order: (section name, button label).
SECTIONS: dict[Kind, tuple[tuple[str, str], ...]] = {
    Kind.DRUG: (
        ("overview", "Overview"),
        ("indications", "Indications"),
        ("side_effects", "Side effects"),
        ("mechanism", "Mechanism & class"),
        ("monitoring", "Monitoring"),
    ),
    Kind.SIDE_EFFECT: (
        ("overview", "Overview"),
        ("management", "Management by grade"),
        ("grading", "Grading"),
        ("causes", "Drugs that cause it"),
    ),
    Kind.CANCER: (
        ("overview", "Overview"),
        ("therapies", "Immunotherapies"),
        ("biomarkers", "Biomarkers"),
    ),
    Kind.CLASS: (
        ("overview", "Overview"),
        ("members", "Drugs in this class"),
        ("side_effects", "Hallmark toxicities"),
        ("mechanism", "Mechanism"),
    ),
}

# A question's section, seen from each kind ("side effects" of a class are its toxicities).
SECTION_ALIASES: dict[Kind, dict[str, str]] = {
    Kind.DRUG: {
        "boxed_warning": "overview",
        "causes": "side_effects",
        "members": "overview",
        "therapies": "indications",
        "management": "side_effects",
        "symptoms": "side_effects",
        "grading": "side_effects",
        "combinations": "indications",
    },
    Kind.SIDE_EFFECT: {
        "side_effects": "overview",
        "indications": "causes",
        "members": "causes",
        "therapies": "management",
        "symptoms": "overview",
        "monitoring": "management",
    },
    Kind.CANCER: {
        "indications": "therapies",
        "members": "therapies",
        "causes": "therapies",
        "management": "therapies",
        "side_effects": "therapies",
        "mechanism": "therapies",
        "combinations": "therapies",
    },
    Kind.CLASS: {
        "causes": "members",
        "indications": "members",
        "therapies": "members",
        "management": "side_effects",
        "grading": "side_effects",
        "biomarkers": "mechanism",
        "resistance": "mechanism",
        "combinations": "mechanism",
        "monitoring": "side_effects",
    },
}

# A section of a card that is cut short points at the button that shows it whole.
_LIST_PREVIEW = 8


@dataclass(frozen=True)
class Message:
    """A reply: Block Kit blocks, the notification text, and whether only the asker sees it.

    Treat as immutable: cards are shared between replies (bot.commands keeps a memo), so build
    a new Message (as public() and shared_by() do) rather than changing one."""

    text: str
    blocks: list[Block] = field(default_factory=list)
    ephemeral: bool = True
    entry_id: str = ""
    section: str = ""

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


def section_for(kind: Kind, asked: str | None) -> str:
    """The section of a `kind` card that answers a question about `asked`."""
    names = [name for name, _ in SECTIONS[kind]]
    if not asked:
        return "overview"
    asked = SECTION_ALIASES[kind].get(asked, asked)
    return asked if asked in names else "overview"


# -- pieces -------------------------------------------------------------------------------------


def _footer(entry: Entry) -> Block:
    sources = " · ".join(bk.link(s.url, s.title) for s in entry.sources[:4])
    more = f" (+{len(entry.sources) - 4} more)" if len(entry.sources) > 4 else ""
    return bk.context(
        [f"*Sources:* {sources}{more}", f"Reviewed {entry.last_reviewed} · _{DISCLAIMER}_"]
    )


def disclaimer_block() -> Block:
    return bk.context([f"_{DISCLAIMER}_"])


def _bullets(items: Iterable[str], limit: int | None = None, more_hint: str = "") -> str:
    items = list(items)
    shown = items if limit is None else items[:limit]
    text = "\n".join(f"• {item}" for item in shown)
    if limit is not None and len(items) > limit:
        text += f"\n• …and {len(items) - limit} more{more_hint}"
    return text


def _names(knowledge: Knowledge, ids: Iterable[str]) -> list[str]:
    return [escape(knowledge.entries[i].title) for i in ids if i in knowledge.entries]


def _drug_line(drug: Drug, note: str = "") -> str:
    text = f"*{escape(drug.title)}*"
    return f"{text} — {escape(note)}" if note else text


def _buttons(entry: Entry, current: str, *, shareable: bool) -> Block:
    elements = [
        bk.button(label, ACTION_SECTION, f"{entry.id}|{name}")
        for name, label in SECTIONS[entry.kind]
        if name != current
    ]
    if shareable:
        elements.append(
            bk.button("Share in channel", ACTION_SHARE, f"{entry.id}|{current}", style="primary")
        )
    elements.append(bk.button("Report a problem", ACTION_REPORT, f"{entry.id}|{current}"))
    return bk.actions(elements, block_id=f"immuno.card.{entry.id}")


# -- per-kind sections ---------------------------------------------------------------------------


def _facts(pairs: list[tuple[str, str]]) -> Block | None:
    """A fields block of the facts that are known; unknown facts are left out, not blank."""
    known = [(label, value) for label, value in pairs if value]
    return bk.fields(known) if known else None


def _drug_facts(drug: Drug, knowledge: Knowledge) -> Block | None:
    cancers = list(dict.fromkeys(_names(knowledge, (i.cancer for i in drug.indications))))
    return _facts(
        [
            ("Class", ", ".join(_names(knowledge, drug.classes))),
            ("Target", escape(drug.target)),
            ("First FDA approval", str(drug.first_approval_year or "")),
            ("Given", escape(drug.administration)),
            ("Approved for", bk.cut(", ".join(cancers), 600)),
            ("Boxed warning", escape(drug.boxed_warning)),
            ("Status", escape(drug.status)),
        ]
    )


def _drug_sections(drug: Drug, section: str, knowledge: Knowledge) -> list[Block]:
    out: list[Block] = []
    full = section != "overview"
    if section in ("overview", "indications") and drug.indications:
        lines = []
        for indication in drug.indications:
            cancer = knowledge.entries.get(indication.cancer)
            name = escape(cancer.name) if cancer else indication.cancer
            lines.append(f"*{name}*" + (f" — {escape(indication.note)}" if indication.note else ""))
        limit = None if section == "indications" else 5
        out.append(
            bk.section(
                "*Approved for (US label)*\n" + _bullets(lines, limit, " (press *Indications*)")
            )
        )
    if section in ("overview", "side_effects"):
        parts = []
        if drug.serious_side_effects:
            parts.append("*Serious:* " + ", ".join(_names(knowledge, drug.serious_side_effects)))
        if drug.common_side_effects:
            parts.append("*Common:* " + ", ".join(_names(knowledge, drug.common_side_effects)))
        if drug.other_side_effects and full:
            parts.append("*Also frequent:* " + escape(", ".join(drug.other_side_effects)))
        if section == "side_effects" and drug.boxed_warning:
            parts.append("*Boxed warning:* " + escape(drug.boxed_warning))
        if parts:
            out.append(bk.section("*Side effects*\n" + "\n".join(parts)))
        if full and drug.side_effects:
            out.append(
                bk.context(
                    [
                        "Ask for a side effect by name for its management by "
                        "grade, e.g. `/immuno "
                        + escape(
                            knowledge.entries[drug.side_effects[0]].name
                            if drug.side_effects[0] in knowledge.entries
                            else drug.side_effects[0]
                        )
                        + "`"
                    ]
                )
            )
    if section == "mechanism":
        if drug.mechanism:
            out.append(bk.section("*Mechanism*\n" + escape(drug.mechanism)))
        lineage = [
            knowledge.entries[c] for cid in drug.classes for c in knowledge.class_lineage(cid)
        ]
        if lineage:
            out.append(
                bk.section(
                    "*Class*\n"
                    + _bullets(
                        f"*{escape(c.name)}* — {escape(c.summary)}" for c in dict.fromkeys(lineage)
                    )
                )
            )
    if section == "monitoring":
        if drug.monitoring:
            out.append(
                bk.section("*What to monitor*\n" + _bullets(escape(m) for m in drug.monitoring))
            )
        if drug.boxed_warning:
            out.append(bk.section("*Boxed warning*\n" + escape(drug.boxed_warning)))
        if not drug.monitoring and not drug.boxed_warning:
            out.append(bk.section("_No monitoring recorded for this drug yet; see the label._"))
    if section == "overview" and drug.monitoring:
        out.append(
            bk.section(
                "*Monitor:* "
                + escape("; ".join(drug.monitoring[:4]))
                + (" …" if len(drug.monitoring) > 4 else "")
            )
        )
    return out


def _grade_lines(items: Iterable) -> str:
    return "\n".join(f"*{item.label}:* {escape(item.text)}" for item in items)


def _side_effect_facts(effect: SideEffect, knowledge: Knowledge) -> Block | None:
    return _facts(
        [
            ("Organ system", escape(effect.organ_system)),
            ("Caused by", ", ".join(_names(knowledge, effect.caused_by))),
            ("Typical onset", escape(effect.onset)),
            ("Graded by", escape(effect.grading_scale)),
        ]
    )


def _side_effect_sections(effect: SideEffect, section: str, knowledge: Knowledge) -> list[Block]:
    out: list[Block] = []
    if section == "overview" and effect.symptoms:
        out.append(bk.section("*Symptoms*\n" + escape(", ".join(effect.symptoms))))
    if section in ("overview", "management") and effect.management:
        out.append(bk.section("*Management by grade*"))
        out.extend(bk.section(f"*{item.label}:* {escape(item.text)}") for item in effect.management)
    if section in ("overview", "management") and effect.escalate:
        out.append(bk.section("*When to escalate*\n" + escape(effect.escalate)))
    if section == "grading":
        if effect.grades:
            out.append(
                bk.section(
                    f"*Grading ({escape(effect.grading_scale)})*\n" + _grade_lines(effect.grades)
                )
            )
        else:
            out.append(bk.section("_No grading recorded for this entry._"))
        if effect.symptoms:
            out.append(bk.section("*Symptoms*\n" + escape(", ".join(effect.symptoms))))
    if section == "causes":
        drugs = knowledge.drugs_causing(effect.id)
        classes = _names(knowledge, effect.caused_by)
        lines = []
        if classes:
            lines.append("*Classes:* " + ", ".join(classes))
        if drugs:
            lines.append(
                "*Drugs whose label lists it:*\n" + _bullets(escape(d.title) for d in drugs)
            )
        out.append(bk.section("\n".join(lines) or "_No drugs linked to this entry yet._"))
    return out


def _cancer_sections(cancer: Cancer, section: str, knowledge: Knowledge) -> list[Block]:
    out: list[Block] = []
    pairs = knowledge.drugs_for_cancer(cancer.id)
    if section in ("overview", "biomarkers") and cancer.biomarkers:
        out.append(
            bk.section(
                "*Biomarkers that matter for immunotherapy*\n"
                + _bullets(
                    f"*{escape(b.name)}*" + (f" — {escape(b.note)}" if b.note else "")
                    for b in cancer.biomarkers
                )
            )
        )
    if section in ("overview", "therapies"):
        if pairs:
            limit = None if section == "therapies" else _LIST_PREVIEW
            out.append(
                bk.section(
                    "*Immunotherapies approved (US labels)*\n"
                    + _bullets(
                        (_drug_line(d, i.note) for d, i in pairs),
                        limit,
                        " (press *Immunotherapies*)",
                    )
                )
            )
        else:
            out.append(bk.section("_No immunotherapy in the knowledge file lists this cancer._"))
    return out


def _class_sections(entry: TherapyClass, section: str, knowledge: Knowledge) -> list[Block]:
    out: list[Block] = []
    if section in ("overview", "mechanism"):
        pairs = []
        if entry.parent and entry.parent in knowledge.entries:
            pairs.append(("Part of", escape(knowledge.entries[entry.parent].name)))
        subclasses = _names(knowledge, knowledge.subclasses(entry.id))
        if subclasses:
            pairs.append(("Includes", ", ".join(subclasses)))
        if entry.administration:
            pairs.append(("Given", escape(entry.administration)))
        if pairs:
            out.append(bk.fields(pairs))
        if entry.mechanism:
            out.append(bk.section("*Mechanism*\n" + escape(entry.mechanism)))
    if section in ("overview", "members"):
        drugs = knowledge.drugs_in_class(entry.id)
        if drugs:
            limit = None if section == "members" else 10
            out.append(
                bk.section(
                    f"*Drugs in this class ({len(drugs)})*\n"
                    + _bullets(
                        (_drug_line(d, d.target) for d in drugs),
                        limit,
                        " (press *Drugs in this class*)",
                    )
                )
            )
    if section in ("overview", "side_effects") and entry.hallmark_toxicities:
        out.append(
            bk.section(
                "*Hallmark toxicities*\n" + ", ".join(_names(knowledge, entry.hallmark_toxicities))
            )
        )
    if section == "mechanism":
        if entry.response_biomarkers:
            out.append(
                bk.section(
                    "*Biomarkers of response*\n"
                    + _bullets(escape(b) for b in entry.response_biomarkers)
                )
            )
        if entry.resistance:
            out.append(bk.section("*Resistance and non-response*\n" + escape(entry.resistance)))
        if entry.combinations:
            out.append(bk.section("*Combinations*\n" + escape(entry.combinations)))
    return out


# -- cards ---------------------------------------------------------------------------------------


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
    if current == "overview":
        out.append(bk.section(escape(entry.summary)))
    else:
        label = dict(SECTIONS[entry.kind])[current]
        out.append(bk.context([f"*{label}* · {escape(bk.cut(entry.summary, 280))}"]))
    if isinstance(entry, Drug):
        facts = _drug_facts(entry, knowledge) if current == "overview" else None
        out += ([facts] if facts else []) + _drug_sections(entry, current, knowledge)
    elif isinstance(entry, SideEffect):
        facts = _side_effect_facts(entry, knowledge) if current in ("overview", "grading") else None
        out += ([facts] if facts else []) + _side_effect_sections(entry, current, knowledge)
    elif isinstance(entry, Cancer):
        out += _cancer_sections(entry, current, knowledge)
    elif isinstance(entry, TherapyClass):
        out += _class_sections(entry, current, knowledge)
    others = list(also)
    if others:
        out.append(
            bk.context(["Also mentioned: " + ", ".join(f"*{escape(o.title)}*" for o in others[:5])])
        )
    out.append(_buttons(entry, current, shareable=shareable))
    out.append(_footer(entry))
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
            [bk.button("More", ACTION_SECTION, f"{entry.id}|overview")],
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


def outside(query: str, agent: str) -> Message:
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


def compare(first: Drug, second: Drug, knowledge: Knowledge) -> Message:
    """Two drugs side by side in a table block (Slack allows one table per message)."""

    def cell(drug: Drug, row: str) -> str:
        if row == "Brand":
            return ", ".join(drug.brands)
        if row == "Class":
            return ", ".join(knowledge.names_of(drug.classes))
        if row == "Target":
            return drug.target
        if row == "First FDA approval":
            return str(drug.first_approval_year or "")
        if row == "Approved for":
            return ", ".join(dict.fromkeys(knowledge.names_of(i.cancer for i in drug.indications)))
        if row == "Serious side effects":
            return ", ".join(knowledge.names_of(drug.serious_side_effects))
        if row == "Common side effects":
            return ", ".join(knowledge.names_of(drug.common_side_effects))
        if row == "Boxed warning":
            return drug.boxed_warning
        if row == "Given":
            return drug.administration
        return ""

    rows = [
        "Brand",
        "Class",
        "Target",
        "First FDA approval",
        "Given",
        "Approved for",
        "Serious side effects",
        "Common side effects",
        "Boxed warning",
    ]
    table_rows = [["", first.name, second.name]]
    table_rows += [
        [row, cell(first, row), cell(second, row)]
        for row in rows
        if cell(first, row) or cell(second, row)
    ]
    out: list[Block] = [
        bk.header(bk.cut(f"{first.name} vs {second.name}", bk.MAX_HEADER)),
        bk.table(table_rows),
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
    return Message(
        text=bk.cut(f"{first.name} vs {second.name}\n{text}", bk.MAX_FALLBACK_TEXT), blocks=out
    )


def listing(knowledge: Knowledge, kind: Kind | None) -> Message:
    """Every entry of a kind (or a count of each kind)."""
    out: list[Block] = []
    kinds = [kind] if kind else list(Kind)
    out.append(
        bk.header(f"Everything immuno knows about {kind.plural}" if kind else "What immuno knows")
    )
    lines_text = []
    for k in kinds:
        names = sorted((e.title for e in knowledge.of_kind(k)), key=str.lower)
        body = ", ".join(escape(n) for n in names)
        out.append(bk.section(f"*{k.plural.capitalize()} ({len(names)})*\n{body}"))
        lines_text.append(f"{k.plural.capitalize()} ({len(names)}): {', '.join(names)}")
    out.append(
        bk.context([f"Type any name for its card, e.g. `/immuno pembrolizumab`. _{DISCLAIMER}_"])
    )
    return Message(text=bk.cut("\n".join(lines_text), bk.MAX_FALLBACK_TEXT), blocks=out)


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
    out: list[Block] = [bk.header("About immuno's knowledge"), bk.fields(pairs)]
    text = (
        f"Knowledge: {len(knowledge.entries)} entries ({counts}); newest review "
        f"{knowledge.newest_review}; version {info.version or info.content_hash}."
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


def error_message(text: str) -> Message:
    return Message(text=text, blocks=[bk.section(escape(text)), disclaimer_block()])


def builder_url(message: Message) -> str:
    """A Block Kit Builder link that opens the message for a reviewer to look at."""
    import json

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
