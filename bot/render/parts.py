"""The parts of a card, per kind of entry, and which parts each section shows.

A card is its header, summary, the parts its section lists in PARTS (in order), buttons and
footer. A part is a function of the entry, the knowledge and whether the section is shown in
full (a drill-down) or as part of the overview (cut short, pointing at its button).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from bot import blocks as bk
from bot.blocks import Block, escape
from bot.concepts import Concept
from bot.knowledge import Cancer, Drug, Kind, Knowledge, SideEffect, TherapyClass
from bot.query import Section
from bot.render.message import ACTION_CHOOSE, ACTION_SECTION, bullets, drug_line, facts, names

#: A part of a card: (entry, knowledge, full) → blocks. `full` is False on the overview.
Part = Callable[[Any, Knowledge, bool], list[Block]]

# A section of a card that is cut short points at the button that shows it whole.
_LIST_PREVIEW = 8


def _one(block: Block | None) -> list[Block]:
    return [block] if block else []


# -- drugs ----------------------------------------------------------------------------------------


def _drug_facts(drug: Drug, knowledge: Knowledge, full: bool) -> list[Block]:
    cancers = list(dict.fromkeys(names(knowledge, (i.cancer for i in drug.indications))))
    return _one(
        facts(
            [
                ("Class", ", ".join(names(knowledge, drug.classes))),
                ("Target", escape(drug.target)),
                ("First FDA approval", str(drug.first_approval_year or "")),
                ("Given", escape(drug.administration)),
                ("Approved for", bk.cut(", ".join(cancers), 600)),
                ("Boxed warning", escape(drug.boxed_warning)),
                ("Status", escape(drug.status)),
            ]
        )
    )


def _drug_indications(drug: Drug, knowledge: Knowledge, full: bool) -> list[Block]:
    if not drug.indications:
        return []
    lines = []
    for indication in drug.indications:
        cancer = knowledge.entries.get(indication.cancer)
        name = escape(cancer.name) if cancer else indication.cancer
        lines.append(f"*{name}*" + (f" — {escape(indication.note)}" if indication.note else ""))
    limit = None if full else 5
    text = "*Approved for (US label)*\n" + bullets(lines, limit, " (press *Indications*)")
    return [bk.section(text)]


def _drug_side_effects(drug: Drug, knowledge: Knowledge, full: bool) -> list[Block]:
    out: list[Block] = []
    parts = []
    if drug.serious_side_effects:
        parts.append("*Serious:* " + ", ".join(names(knowledge, drug.serious_side_effects)))
    if drug.common_side_effects:
        parts.append("*Common:* " + ", ".join(names(knowledge, drug.common_side_effects)))
    if drug.other_side_effects and full:
        parts.append("*Also frequent:* " + escape(", ".join(drug.other_side_effects)))
    if full and drug.boxed_warning:
        parts.append("*Boxed warning:* " + escape(drug.boxed_warning))
    if parts:
        out.append(bk.section("*Side effects*\n" + "\n".join(parts)))
    linked = [knowledge.entries[i] for i in drug.side_effects if i in knowledge.entries]
    if linked:  # each side effect is a button to its management by grade
        shown = linked if full else linked[:6]
        out.append(
            bk.actions(
                [bk.button(e.name, ACTION_SECTION, f"{e.id}|management") for e in shown],
                block_id=f"immuno.side-effects.{drug.id}",
            )
        )
    return out


def _drug_mechanism(drug: Drug, knowledge: Knowledge, full: bool) -> list[Block]:
    out: list[Block] = []
    if drug.mechanism:
        out.append(bk.section("*Mechanism*\n" + escape(drug.mechanism)))
    lineage = [knowledge.entries[c] for cid in drug.classes for c in knowledge.class_lineage(cid)]
    if lineage:
        out.append(
            bk.section(
                "*Class*\n"
                + bullets(
                    f"*{escape(c.name)}* — {escape(c.summary)}" for c in dict.fromkeys(lineage)
                )
            )
        )
    return out


def _drug_monitoring(drug: Drug, knowledge: Knowledge, full: bool) -> list[Block]:
    out: list[Block] = []
    if drug.monitoring:
        out.append(bk.section("*What to monitor*\n" + bullets(escape(m) for m in drug.monitoring)))
    if drug.boxed_warning:
        out.append(bk.section("*Boxed warning*\n" + escape(drug.boxed_warning)))
    if not drug.monitoring and not drug.boxed_warning:
        out.append(bk.section("_No monitoring recorded for this drug yet; see the label._"))
    return out


def _drug_monitor_line(drug: Drug, knowledge: Knowledge, full: bool) -> list[Block]:
    if not drug.monitoring:
        return []
    more = " …" if len(drug.monitoring) > 4 else ""
    return [bk.section("*Monitor:* " + escape("; ".join(drug.monitoring[:4])) + more)]


# -- side effects ---------------------------------------------------------------------------------


def _grade_lines(items: Iterable[Any]) -> str:
    return "\n".join(f"*{item.label}:* {escape(item.text)}" for item in items)


def _effect_facts(effect: SideEffect, knowledge: Knowledge, full: bool) -> list[Block]:
    return _one(
        facts(
            [
                ("Organ system", escape(effect.organ_system)),
                ("Caused by", ", ".join(names(knowledge, effect.caused_by))),
                ("Typical onset", escape(effect.onset)),
                ("Graded by", escape(effect.grading_scale)),
            ]
        )
    )


def _effect_symptoms(effect: SideEffect, knowledge: Knowledge, full: bool) -> list[Block]:
    if not effect.symptoms:
        return []
    return [bk.section("*Symptoms*\n" + escape(", ".join(effect.symptoms)))]


def _effect_management(effect: SideEffect, knowledge: Knowledge, full: bool) -> list[Block]:
    out: list[Block] = []
    if effect.management:
        out.append(bk.section("*Management by grade*"))
        out.extend(bk.section(f"*{item.label}:* {escape(item.text)}") for item in effect.management)
    if effect.escalate:
        out.append(bk.section("*When to escalate*\n" + escape(effect.escalate)))
    return out


def _effect_grading(effect: SideEffect, knowledge: Knowledge, full: bool) -> list[Block]:
    if not effect.grades:
        return [bk.section("_No grading recorded for this entry._")]
    scale = escape(effect.grading_scale)
    return [bk.section(f"*Grading ({scale})*\n" + _grade_lines(effect.grades))]


def _effect_causes(effect: SideEffect, knowledge: Knowledge, full: bool) -> list[Block]:
    drugs = knowledge.drugs_causing(effect.id)
    classes = names(knowledge, effect.caused_by)
    lines = []
    if classes:
        lines.append("*Classes:* " + ", ".join(classes))
    if drugs:
        lines.append("*Drugs whose label lists it:*\n" + bullets(escape(d.title) for d in drugs))
    return [bk.section("\n".join(lines) or "_No drugs linked to this entry yet._")]


# -- cancers --------------------------------------------------------------------------------------


def _cancer_biomarkers(cancer: Cancer, knowledge: Knowledge, full: bool) -> list[Block]:
    if not cancer.biomarkers:
        return []
    listed = bullets(
        f"*{escape(b.name)}*" + (f" — {escape(b.note)}" if b.note else "")
        for b in cancer.biomarkers
    )
    return [bk.section("*Biomarkers that matter for immunotherapy*\n" + listed)]


def _cancer_therapies(cancer: Cancer, knowledge: Knowledge, full: bool) -> list[Block]:
    pairs = knowledge.drugs_for_cancer(cancer.id)
    if not pairs:
        return [bk.section("_No immunotherapy in the knowledge file lists this cancer._")]
    limit = None if full else _LIST_PREVIEW
    listed = bullets((drug_line(d, i.note) for d, i in pairs), limit, " (press *Immunotherapies*)")
    return [bk.section("*Immunotherapies approved (US labels)*\n" + listed)]


# -- therapy classes ------------------------------------------------------------------------------


def _class_mechanism(entry: TherapyClass, knowledge: Knowledge, full: bool) -> list[Block]:
    out: list[Block] = []
    pairs = []
    if entry.parent and entry.parent in knowledge.entries:
        pairs.append(("Part of", escape(knowledge.entries[entry.parent].name)))
    subclasses = names(knowledge, knowledge.subclasses(entry.id))
    if subclasses:
        pairs.append(("Includes", ", ".join(subclasses)))
    if entry.administration:
        pairs.append(("Given", escape(entry.administration)))
    if pairs:
        out.append(bk.fields(pairs))
    if entry.mechanism:
        out.append(bk.section("*Mechanism*\n" + escape(entry.mechanism)))
    return out


def _class_members(entry: TherapyClass, knowledge: Knowledge, full: bool) -> list[Block]:
    drugs = knowledge.drugs_in_class(entry.id)
    if not drugs:
        return []
    limit = None if full else 10
    listed = bullets(
        (drug_line(d, d.target) for d in drugs), limit, " (press *Drugs in this class*)"
    )
    return [bk.section(f"*Drugs in this class ({len(drugs)})*\n" + listed)]


def _class_toxicities(entry: TherapyClass, knowledge: Knowledge, full: bool) -> list[Block]:
    if not entry.hallmark_toxicities:
        return []
    listed = ", ".join(names(knowledge, entry.hallmark_toxicities))
    return [bk.section("*Hallmark toxicities*\n" + listed)]


def _class_response(entry: TherapyClass, knowledge: Knowledge, full: bool) -> list[Block]:
    out: list[Block] = []
    if entry.response_biomarkers:
        listed = bullets(escape(b) for b in entry.response_biomarkers)
        out.append(bk.section("*Biomarkers of response*\n" + listed))
    if entry.resistance:
        out.append(bk.section("*Resistance and non-response*\n" + escape(entry.resistance)))
    if entry.combinations:
        out.append(bk.section("*Combinations*\n" + escape(entry.combinations)))
    return out


# -- concepts -------------------------------------------------------------------------------------

#: Related entries shown as buttons; the rest are named in a line below them.
_RELATED_BUTTONS = 10


def _concept_sections(concept: Concept, knowledge: Knowledge, full: bool) -> list[Block]:
    return [bk.section(f"*{escape(s.title)}*\n{escape(s.text)}") for s in concept.sections]


def _concept_related(concept: Concept, knowledge: Knowledge, full: bool) -> list[Block]:
    related = [knowledge.entries[i] for i in concept.related if i in knowledge.entries]
    if not related:
        return []
    shown, rest = related[:_RELATED_BUTTONS], related[_RELATED_BUTTONS:]
    out: list[Block] = [
        bk.context(["*Related entries*"]),
        bk.actions(
            [bk.button(e.title, ACTION_CHOOSE, e.id) for e in shown],
            block_id=f"immuno.related.{concept.id}",
        ),
    ]
    if rest:
        out.append(bk.context(["Also: " + ", ".join(f"*{escape(e.title)}*" for e in rest)]))
    return out


#: Per kind, per section: the parts the card shows, in order.
PARTS: Mapping[Kind, Mapping[Section, tuple[Part, ...]]] = {
    Kind.DRUG: {
        Section.OVERVIEW: (_drug_facts, _drug_indications, _drug_side_effects, _drug_monitor_line),
        Section.INDICATIONS: (_drug_indications,),
        Section.SIDE_EFFECTS: (_drug_side_effects,),
        Section.MECHANISM: (_drug_mechanism,),
        Section.MONITORING: (_drug_monitoring,),
    },
    Kind.SIDE_EFFECT: {
        Section.OVERVIEW: (_effect_facts, _effect_symptoms, _effect_management),
        Section.MANAGEMENT: (_effect_management,),
        Section.GRADING: (_effect_facts, _effect_grading, _effect_symptoms),
        Section.CAUSES: (_effect_causes,),
    },
    Kind.CANCER: {
        Section.OVERVIEW: (_cancer_biomarkers, _cancer_therapies),
        Section.THERAPIES: (_cancer_therapies,),
        Section.BIOMARKERS: (_cancer_biomarkers,),
    },
    Kind.CLASS: {
        Section.OVERVIEW: (_class_mechanism, _class_members, _class_toxicities),
        Section.MEMBERS: (_class_members,),
        Section.SIDE_EFFECTS: (_class_toxicities,),
        Section.MECHANISM: (_class_mechanism, _class_response),
    },
    Kind.CONCEPT: {Section.OVERVIEW: (_concept_sections, _concept_related)},
}
