"""Answer fact questions about drugs, classes and cancers from their fields, yes or no first.

"Does blinatumomab have a boxed warning?" answers from `boxed_warning`; "is a REMS still
required for Kymriah?" from the REMS sentences of `status`; "when was ipilimumab first approved"
from `first_approval_year`. What a drug is used for (indications, "A or B") is in
bot/reply_uses.py; what to monitor, pregnancy and driving in bot/reply_monitoring.py. A fact the
knowledge does not hold is said to be absent, in one line.
"""

from __future__ import annotations

import re

from bot.knowledge import NO_BOXED_WARNING_RE, Drug, Entry, Knowledge, SideEffect, TherapyClass
from bot.read import Intent, Question
from bot.reply import Reply, agents_of
from bot.reply_quotes import FIRST_BUDGET, points_to, split_sentences

_REMS_GONE_RE = re.compile(r"\b(eliminated|removed|without a rems|no longer)\b", re.I)
_UNSURE_RE = re.compile(r"\b(not confirmed|unconfirmed|check the current label)\b", re.I)
YES_NO_RE = re.compile(r"^\s*(is|are|was|were|does|do|did|can|could|has|have|should)\b", re.I)


def drug_names(drugs: list[Drug]) -> str:
    if len(drugs) > 2:
        return f"{len(drugs)} drugs"
    return " and ".join(d.name for d in drugs[:2])


def _drug_buttons(drugs: list[Drug]) -> tuple[tuple[str, str, str], ...]:
    out = []
    for drug in drugs[:2]:
        out.append((f"{drug.name[:1].upper()}{drug.name[1:]} card", drug.id, "overview"))
    if len(drugs) == 1:
        out.append(("Side effects", drugs[0].id, "side_effects"))
        out.append(("Monitoring", drugs[0].id, "monitoring"))
    return tuple(out)


def sentences_matching(text: str, pattern: re.Pattern[str]) -> list[str]:
    return [s for s in re.split(r"(?<=[.;])\s+", text) if pattern.search(s)]


def drug_reply(
    drugs: list[Drug], intent: Intent, lead: str, lines: list[str], *, missing: bool = False
) -> Reply:
    """A Reply about the first drug, the others beside it: the lines split into a first text
    within the budget and a "More" detail; shared by fact and use answers (bot/reply_uses.py)."""
    text = "\n".join(lines)
    head, rest = split_sentences(text, FIRST_BUDGET)
    details = (("More", rest),) if rest else ()
    return Reply(
        drugs[0],
        intent,
        lead,
        head,
        None,
        details,
        _drug_buttons(drugs),
        drugs[0].sources,
        missing=missing,
        others=tuple(drugs[1:]),
    )


def verdict_lead(topic: str, drugs: list[Drug], verdicts: list[str]) -> str:
    """ "Yes — boxed warning: blinatumomab"; for two drugs, each with its own answer; for a
    class, how many of its drugs."""
    if len(drugs) == 1:
        return f"{verdicts[0]} — {topic}: {drugs[0].name}"
    if len(drugs) > 2:
        said = {v: verdicts.count(v) for v in dict.fromkeys(verdicts)}
        counts = ", ".join(f"{v.lower()} for {n} of {len(drugs)}" for v, n in said.items())
        return f"{topic}: {counts} drugs"
    return f"{topic}: " + " · ".join(
        f"{d.name} {v.lower()}" for d, v in zip(drugs, verdicts, strict=False)
    )


def boxed_warning(drugs: list[Drug]) -> Reply:
    lines, verdicts = [], []
    for drug in drugs:
        text = drug.boxed_warning.strip()
        if drug.without_boxed_warning:
            verdicts.append("No")
            history = NO_BOXED_WARNING_RE.sub("", text, count=1).strip()
            lines.append(f"No. {drug.title}: the US label has no boxed warning. {history}".strip())
        elif text:
            verdicts.append("Yes")
            lines.append(f"Yes. {drug.title} boxed warning: {text}")
        else:
            verdicts.append("Not recorded")
            lines.append(f"The knowledge holds no boxed-warning statement for {drug.title}.")
    missing = all(not d.boxed_warning for d in drugs)
    lead = verdict_lead("boxed warning", drugs, verdicts)
    return drug_reply(drugs, Intent.BOXED_WARNING, lead, lines, missing=missing)


def rems(drugs: list[Drug]) -> Reply:
    lines, verdicts = [], []
    for drug in drugs:
        said = sentences_matching(f"{drug.status} {drug.summary}", re.compile(r"\bREMS\b"))
        if not said:
            verdicts.append("Not recorded")
            lines.append(f"The knowledge records no REMS for {drug.title}; check the label.")
            continue
        text = " ".join(dict.fromkeys(said))
        if _UNSURE_RE.search(text):
            verdict = "Unclear"
        elif _REMS_GONE_RE.search(text):
            verdict = "No"
        else:
            verdict = "Yes"
        verdicts.append(verdict)
        lines.append(f"{verdict}. {drug.title}: {text}")
    return drug_reply(drugs, Intent.REMS, verdict_lead("REMS", drugs, verdicts), lines)


_ORDER_RE = re.compile(r"\b(before|earlier than|after|later than)\b", re.I)


def _order_verdict(drugs: list[Drug], question: str) -> str:
    """ "Was A approved before B?": yes or no from the two approval years, in the order named."""
    asked = _ORDER_RE.search(question)
    if len(drugs) != 2 or not asked or not YES_NO_RE.match(question):
        return ""
    a, b = drugs[0].first_approval_year, drugs[1].first_approval_year
    if not a or not b:
        return ""
    if a == b:
        return "Same year"
    before = asked.group(1).lower() in ("before", "earlier than")
    return "Yes" if (a < b) == before else "No"


def approval(drugs: list[Drug], question: str = "") -> Reply:
    verdict = _order_verdict(drugs, question)
    dated = [d for d in drugs if d.first_approval_year]
    lines = [f"{d.title}: first FDA approval in {d.first_approval_year}." for d in dated]
    if len(dated) == 2:
        a, b = sorted(dated, key=lambda d: d.first_approval_year or 0)
        if a.first_approval_year == b.first_approval_year:
            lines.insert(
                0, f"Same year ({a.first_approval_year}); the knowledge holds the year only."
            )
        else:
            lines.insert(
                0, f"{a.name[:1].upper()}{a.name[1:]} was first ({a.first_approval_year})."
            )
    if len(dated) == 2:
        drugs = sorted(drugs, key=lambda d: d.first_approval_year or 0)
    for drug in drugs:
        if not drug.first_approval_year:
            lines.append(f"The knowledge holds no approval year for {drug.title}.")
        for sentence in sentences_matching(drug.status, re.compile(r"approv", re.I))[:1]:
            lines.append(sentence)
    lead = f"First FDA approval: {drug_names(drugs)}"
    lead = f"{verdict} — {lead}" if verdict else lead
    return drug_reply(drugs, Intent.APPROVAL, lead, lines, missing=not dated)


def target(entries: list[Entry]) -> Reply | None:
    drugs = [e for e in entries if isinstance(e, Drug)]
    if drugs:
        lines = []
        for drug in drugs[:2]:
            mechanism = split_sentences(drug.mechanism, 300)[0] if drug.mechanism else ""
            lines.append(
                f"{drug.title}: target {drug.target or 'not recorded'}. {mechanism}".strip()
            )
        return drug_reply(
            drugs[:2],
            Intent.TARGET,
            f"Target and mechanism: {drug_names(drugs)}",
            lines,
            missing=not any(d.target or d.mechanism for d in drugs),
        )
    classes = [e for e in entries if isinstance(e, TherapyClass)]
    if classes and classes[0].mechanism:
        head, rest = split_sentences(classes[0].mechanism)
        return Reply(
            classes[0],
            Intent.TARGET,
            f"{classes[0].name}: mechanism",
            head,
            details=(("More", rest),) if rest else (),
            buttons=(("Full entry", classes[0].id, "overview"),),
            sources=classes[0].sources,
        )
    return None


def side_effects(entry: Entry, knowledge: Knowledge) -> Reply:
    if isinstance(entry, TherapyClass):
        ids = list(entry.hallmark_toxicities)
        serious, common = ids, []
    else:
        drug = entry if isinstance(entry, Drug) else None
        serious = list(drug.serious_side_effects) if drug else []
        common = [i for i in (drug.common_side_effects if drug else ()) if i not in serious]
    names = knowledge.names_of
    lines = []
    if serious:
        lines.append("Serious: " + ", ".join(names(serious)) + ".")
    if common:
        lines.append("Common: " + ", ".join(names(common)) + ".")
    other = getattr(entry, "other_side_effects", ())
    if other:
        lines.append("Also frequent: " + ", ".join(other) + ".")
    if not lines:
        lines = [f"The knowledge lists no side effects for {entry.title}."]
    buttons = tuple(
        (knowledge.entries[i].name[:75], i, "overview")
        for i in [*serious, *common]
        if i in knowledge.entries
    )
    head, rest = split_sentences("\n".join(lines))
    return Reply(
        entry,
        Intent.SIDE_EFFECTS,
        f"Side effects of {entry.title}",
        head,
        details=(("More", rest),) if rest else (),
        buttons=(("Full card", entry.id, "overview"), *buttons[:12]),
        sources=entry.sources,
    )


def unmatched(question: Question, knowledge: Knowledge, intent: Intent) -> Reply | None:
    """Findings that point to no side effect of the drug named: say so, show the drug."""
    agent = next((a for a in agents_of(question) if a.id not in question.fuzzy), None)
    if agent is None:
        return None
    labs = [knowledge.labs[r.lab] for r in question.readings if r.lab in knowledge.labs]
    # a lab read from a word that is also a sign ("fever": temperature) is said once, as the sign
    said = [
        lab.name
        for lab in labs
        if not any(term.lower() in question.signs for term in lab.high + lab.low)
    ]
    said += list(question.signs)
    said = list(dict.fromkeys(said))
    named = next((e for e in question.entries if isinstance(e, SideEffect)), None)
    if not said and named is not None:  # "grade 2 ICANS on ipilimumab": a side effect, no findings
        first = (
            f"The knowledge does not list {named.name} as a side effect of {agent.name}; "
            f"the {agent.name} entry and its side effects are below."
        )
    else:
        what = points_to(said) if said else "these findings point to"
        first = (
            f"The knowledge holds no side effect of {agent.name} that {what}; "
            f"the {agent.name} entry and its side effects are below."
        )
    unsure = [
        r
        for r in question.readings
        if r.value is not None
        and not r.direction
        and not knowledge.labs[r.lab].counted  # no "high or low for your lab" for a score
    ]
    if unsure:
        shown = ", ".join(f"{knowledge.labs[r.lab].name} {r.shown}" for r in unsure)
        first = (
            f"{shown}: is that high or low for your lab? Side effects of {agent.name} differ "
            f"by direction, so say which (e.g. “low {knowledge.labs[unsure[0].lab].name}”)."
        )
    effects = getattr(agent, "side_effects", ()) or getattr(agent, "hallmark_toxicities", ())
    buttons = tuple(
        (knowledge.entries[i].name[:75], i, "overview") for i in effects if i in knowledge.entries
    )
    return Reply(
        agent,
        intent,
        agent.title,
        first,
        details=(("Summary", agent.summary),),
        buttons=(("Full card", agent.id, "overview"), *buttons[:10]),
        sources=agent.sources,
        missing=True,
    )
