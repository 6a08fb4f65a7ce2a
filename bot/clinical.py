"""Route a read Question to the reply that answers its intent, or to None for a bare name.

One function decides which intent a question ends up with (its words, else what it describes:
values or a grade mean "what to do", two entries joined by "or" mean a choice, a cancer named
with a class means its options) and which fields answer it. Entry cards stay the answer to a
bare name or to a question this cannot answer.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot import reply_facts as facts
from bot import reply_monitoring as monitor
from bot import reply_uses as uses
from bot.knowledge import Cancer, Drug, Entry, Kind, SideEffect, TherapyClass
from bot.read import Intent, Question
from bot.reply import Reply, agents_of, clinical, side_effect_for
from bot.resolve import Index
from bot.resolve.findings import suspects

_EITHER_RE = re.compile(
    r"\b[a-z][\w-]+ (or|vs\.?|versus) (?!more|less|worse|higher|lower|above|below)[a-z][\w-]+",
    re.I,
)
_DRUG_FACTS = (Intent.BOXED_WARNING, Intent.REMS, Intent.APPROVAL)


def effective_intent(question: Question) -> Intent:
    """The intent a question ends up with when its words name none, or name a weaker one."""
    intent = question.intent
    has_cancer = any(isinstance(e, Cancer) for e in question.entries)
    has_agent = bool(agents_of(question) or question.targets)
    if intent in (None, Intent.ACT) and _EITHER_RE.search(question.text):
        return Intent.CHOOSE  # "toci or dex for grade 2 CRS": which of two
    if intent is Intent.INDICATIONS and has_cancer and len(question.alternatives) == 2:
        return Intent.CHOOSE  # "axi-cel or liso-cel for 2L LBCL": the two side by side
    weak = intent in (None, Intent.SIDE_EFFECTS, Intent.INDICATIONS)
    if weak and question.clinical and (intent is not Intent.INDICATIONS or not has_cancer):
        return Intent.ACT
    if intent is not None:
        return intent
    if len(question.alternatives) == 2:
        return Intent.CHOOSE
    if has_cancer and has_agent:
        return Intent.INDICATIONS
    named_effect = any(isinstance(e, SideEffect) for e in question.entries)
    if named_effect and (has_agent or question.text.rstrip().endswith("?")):
        return Intent.ACT  # "hypothyroidism on nivolumab", "infliximab for hepatitis?"
    return Intent.LOOKUP


_FACT_HANDLERS = {
    Intent.BOXED_WARNING: facts.boxed_warning,
    Intent.REMS: facts.rems,
    Intent.APPROVAL: facts.approval,
}


def _class_named(question: Question) -> TherapyClass | None:
    """A class asked about as a whole ("do CAR-T products have a boxed warning?")."""
    return next((e for e in question.entries if isinstance(e, TherapyClass)), None)


def _drugs(question: Question) -> list[Drug]:
    pair = [e for e in question.alternatives if isinstance(e, Drug)]
    return pair or [e for e in question.entries if isinstance(e, Drug)]


def answer_question(question: Question, index: Index) -> Reply | None:
    """The Reply for a question, or None when an entry card is the better answer."""
    intent = effective_intent(question)
    knowledge = index.knowledge
    drugs = _drugs(question)
    group = _class_named(question) if not drugs else None
    if group is not None and intent in (*_DRUG_FACTS, Intent.PREGNANCY, Intent.DRIVING):
        members = knowledge.drugs_in_class(group.id)
        if not members:
            return None
        reply = (
            monitor.from_monitoring(members, intent, knowledge)
            if intent in (Intent.PREGNANCY, Intent.DRIVING)
            else _FACT_HANDLERS[intent](members)
        )
        lead = f"{group.name} · {reply.lead}"
        return replace(reply, entry=group, lead=lead, sources=group.sources, others=())
    if intent in _DRUG_FACTS:
        if not drugs:
            return None
        if intent is Intent.APPROVAL:  # "was A approved before B?" keeps the order named
            named = [e for e in question.entries if isinstance(e, Drug)]
            return facts.approval(named[:2], question.text)
        return _FACT_HANDLERS[intent](drugs[:2])
    if intent is Intent.TARGET:
        asked: list[Entry] = list(question.alternatives) or list(question.entries)
        return facts.target(asked)
    if intent in (Intent.PREGNANCY, Intent.DRIVING):
        return (
            monitor.from_monitoring(drugs[:2], intent, knowledge, question.text) if drugs else None
        )
    if intent is Intent.CHOOSE:
        if len(question.alternatives) == 2:
            return uses.choose(question, knowledge)
        effect, _ = side_effect_for(question, index)  # two treatments of one side effect
        chosen = clinical(question, index, Intent.ACT) if effect is not None else None
        return replace(chosen, intent=Intent.CHOOSE) if chosen is not None else None
    if intent is Intent.INDICATIONS:
        return uses.indications(question, knowledge)
    if intent is Intent.SIDE_EFFECTS:
        agent = _agent(question)
        return facts.side_effects(agent, knowledge) if agent is not None else None
    if intent is Intent.MONITOR:
        named_effect = any(isinstance(e, SideEffect) for e in question.entries)
        effect = side_effect_for(question, index)[0] if named_effect or question.clinical else None
        if drugs and effect is None:
            # "how often to check TSH on pembro"
            return monitor.monitoring(drugs[:1], knowledge, question.text)
        return clinical(question, index, intent) if effect is not None else None
    if intent in (Intent.ACT, Intent.GRADE, Intent.ONSET):
        effect, _ = side_effect_for(question, index)
        if effect is None:
            # No side effect of the drug fits: say so, unless some fit weakly (one vague sign),
            # where the entry card answers better than "nothing fits".
            weak = suspects(question, index, agents_of(question))
            if question.clinical and not weak:
                return facts.unmatched(question, knowledge, intent)
            return None
        return clinical(question, index, intent)
    return None


def _agent(question: Question) -> Entry | None:
    for entry in question.entries:
        if entry.kind in (Kind.DRUG, Kind.CLASS) and entry.id not in question.fuzzy:
            return entry
    return None
