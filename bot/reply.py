"""Answer a clinical question first: the grade, the rule and the step, quoted from the knowledge.

`answer_question(question, index)` returns a Reply (or None when the question is a bare name and
the entry card answers it best). A Reply is plain data: its lead and first text are quoted from
fields of the entries (a management row, a grading row, a boxed warning, an approval year), never
written here; when the knowledge does not hold the answer, the Reply says so in one line and
shows the closest entry. Drug, class and cancer facts are in bot.reply_facts and
bot.reply_uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from bot.grading import Grade, grade, grade_text, management_row
from bot.knowledge import Entry, Kind, Knowledge, SideEffect, Source
from bot.read import Intent, Question
from bot.reply_quotes import (
    FIRST_BUDGET,
    agent_first,
    agent_sentence,
    asked_sentence,
    by_grade,
    pointers,
    points_to,
    rows_line,
    split_sentences,
)
from bot.resolve import Index
from bot.resolve.context import linked_side_effects
from bot.resolve.findings import opposite, suspects


@dataclass(frozen=True)
class Reply:
    """What to say first, and what sits a button away."""

    entry: Entry
    intent: Intent
    lead: str  # bold opening: "Grade 3 · Immune-related colitis · ipilimumab + nivolumab"
    first: str  # the answer itself, quoted from fields
    grade: Grade | None = None
    details: tuple[tuple[str, str], ...] = ()  # (heading, text) below the answer
    buttons: tuple[tuple[str, str, str], ...] = ()  # (label, entry id, section)
    sources: tuple[Source, ...] = ()
    missing: bool = False  # the knowledge does not hold this answer; closest entry shown
    others: tuple[Entry, ...] = field(default=())


def short_source(source: Source) -> str:
    """A source as a reader names it: the citation in brackets, or the title."""
    bracket = re.search(r"\(([^()]*et al[^()]*\d{4}[^()]*)\)\s*$", source.title)
    title = bracket.group(1) if bracket else source.title
    return title if len(title) <= 90 else title[:89] + "…"


def agents_of(question: Question) -> list[Entry]:
    return [e for e in question.entries if e.kind in (Kind.DRUG, Kind.CLASS)]


def _on(agents: list[Entry]) -> str:
    names = [a.name for a in agents[:3]]
    return f" on {' + '.join(names)}" if names else ""


def side_effect_for(
    question: Question, index: Index
) -> tuple[SideEffect | None, SideEffect | None]:
    """The side effect a question is about: named outright (if its drug causes it and no lab
    points the other way), else the one its findings point to; and, for the latter, the
    runner-up when the findings fit it as fully ("CK 5000 on nivolumab": myocarditis, and
    myositis), since a finding two entries share is not read as one of them alone."""
    knowledge = index.knowledge
    agents = agents_of(question)
    linked = linked_side_effects(knowledge, agents) if agents else None
    for entry in question.entries:
        if not isinstance(entry, SideEffect) or entry.id in question.fuzzy:
            continue
        caused = linked is None or entry.id in linked
        # the general irAE entry answers a named question, not a described patient
        general = entry.id == "irae" and question.clinical
        if caused and not general and not opposite(entry, question):
            return entry, None
    found = suspects(question, index, agents)
    # One sign with no drug named ("cough") is not enough to answer for a side effect unasked.
    named = any(isinstance(e, SideEffect) for e in question.entries)
    strong = found and found[0].score >= 2
    if found and (strong or question.intent is not None or named or agents):
        close = len(found) > 1 and found[1].matched >= found[0].matched
        return found[0].effect, found[1].effect if close else None
    for entry in question.entries:
        if not isinstance(entry, SideEffect) or entry.id in question.fuzzy:
            continue
        caused = linked is None or entry.id in linked
        if caused and not opposite(entry, question):
            return entry, None
    return None, None


def _grade_lead(effect: SideEffect, found: Grade | None, agents: list[Entry]) -> str:
    if found is None or found.n is None:
        return f"{effect.name}{_on(agents)}"
    return f"Grade {found.n} {_lower_first(effect.name)}{_on(agents)}"


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:] if name[:2].islower() or name[1:2].islower() else name


def _rule_line(found: Grade | None) -> str:
    if found is None:
        return ""
    if found.stated:
        return ""
    if found.n is None:
        return found.rule
    scale = found.scale.replace("(", "").replace(")", "")
    rule = found.rule[:1].upper() + found.rule[1:]
    line = f"{rule} → grade {found.n} ({scale})"
    if found.assumed:
        line += "; " + "; ".join(found.assumed)
    return line


def clinical(question: Question, index: Index, intent: Intent) -> Reply | None:
    """A side-effect question: what to do at this grade, or what grade this is."""
    effect, second = side_effect_for(question, index)
    if effect is None:
        return None
    agents = agents_of(question)
    reply = _for_effect(effect, question, index, intent, agents)
    if second is None:
        return reply
    also = (
        "Also points to",
        f"{second.name}: the findings named are listed for it too; its entry is a button below.",
    )
    return replace(
        reply,
        details=(also, *reply.details),
        buttons=(*reply.buttons, (second.name[:75], second.id, "overview")),
    )


def _for_effect(
    effect: SideEffect, question: Question, index: Index, intent: Intent, agents: list[Entry]
) -> Reply:
    knowledge = index.knowledge
    found = grade(
        effect,
        knowledge,
        question.readings,
        question.signs,
        stated=question.grade,
        text=question.text.lower(),
    )
    if intent is Intent.ONSET:
        return _about(effect, intent, agents, found, "Typical onset", effect.onset)
    if intent is Intent.MONITOR:
        row = next((m for m in effect.management if m.grade == "all"), None)
        return _about(
            effect, intent, agents, found, "Work-up and monitoring", row.text if row else ""
        )
    if intent is Intent.GRADE or (found is not None and not effect.management):
        return _grading(effect, intent, agents, found)
    return _management(effect, intent, agents, found, question, knowledge)


def _buttons(effect: SideEffect, agents: list[Entry]) -> tuple[tuple[str, str, str], ...]:
    out = [("Full entry", effect.id, "overview"), ("Grading table", effect.id, "grading")]
    out.append(("Management by grade", effect.id, "management"))
    out += [(f"{a.name[:1].upper()}{a.name[1:]} card", a.id, "overview") for a in agents[:2]]
    return tuple(out)


def _about(
    effect: SideEffect,
    intent: Intent,
    agents: list[Entry],
    found: Grade | None,
    heading: str,
    text: str,
) -> Reply:
    if not text:
        return Reply(
            effect,
            intent,
            f"{effect.name}{_on(agents)}",
            f"The knowledge holds no {heading.lower()} for {effect.name}; its entry is below.",
            found,
            (("Summary", effect.summary),),
            _buttons(effect, agents),
            effect.sources,
            missing=True,
        )
    head, rest = split_sentences(text)
    details = ((heading + " (continued)", rest),) if rest else ()
    return Reply(
        effect,
        intent,
        f"{effect.name}{_on(agents)} · {heading}",
        head,
        found,
        details,
        _buttons(effect, agents),
        effect.sources,
    )


def _grading(effect: SideEffect, intent: Intent, agents: list[Entry], found: Grade | None) -> Reply:
    table = "\n".join(f"{g.label}: {g.text}" for g in effect.grades)
    if found is None or (found.n is None and not found.possible):
        first = f"Graded by {effect.grading_scale}." if effect.grading_scale else ""
        head, rest = split_sentences(table, FIRST_BUDGET - len(first))
        return Reply(
            effect,
            intent,
            f"How {effect.name} is graded",
            f"{first}\n{head}".strip(),
            found,
            (("Grading", rest),) if rest else (),
            _buttons(effect, agents),
            effect.sources,
            missing=not effect.grades,
        )
    if found.n is None:
        first = found.rule
    else:
        first = f"{_rule_line(found)}. {effect.grading_scale} grade {found.n}: {found.text}"
    next_step = management_row(effect, found.n) if found.n else None
    details = [("Grading", table)]
    if next_step:
        details.insert(0, (f"Management, {next_step.label.lower()}", next_step.text))
    head, rest = split_sentences(first)
    return Reply(
        effect,
        intent,
        _grade_lead(effect, found, agents),
        head,
        found,
        tuple(details),
        _buttons(effect, agents),
        effect.sources,
    )


def _management(
    effect: SideEffect,
    intent: Intent,
    agents: list[Entry],
    found: Grade | None,
    question: Question,
    knowledge: Knowledge,
) -> Reply:
    general = next((m for m in effect.management if m.grade == "all"), None)
    row = management_row(effect, found.n) if found and found.n else None
    rule = _rule_line(found)
    details: list[tuple[str, str]] = []
    if row is None:
        lead = _grade_lead(effect, found, agents)
        said = pointers(effect, question, knowledge)
        opening = ""
        if said:
            said = [f"{said[0][:1].upper()}{said[0][1:]}", *said[1:]]
            said[-1] += _on(agents)
            opening = f"{points_to(said)} {_lower_first(effect.name)}. "
        if found is not None and found.n is not None and rule:
            opening += f"{rule}. "  # a grade with no management row of its own
        elif found is not None and found.n is None and found.rule:
            opening += f"{found.rule}. "
        else:
            rows = rows_line(effect, question)
            scale = effect.grading_scale.replace("(", "").replace(")", "")
            opening += f"Grade it by {rows} ({scale}). " if rows else ""
        # The general row (work-up, what applies at every grade) first, when there is one.
        room = FIRST_BUDGET - len(opening)
        # Each grade's step first (hold or continue, the drug and dose); what applies at every
        # grade (work-up) follows below.
        first = opening + (by_grade(effect, room) or (general.text if general else ""))
        asked = asked_sentence(effect, question, first, agents)
        if asked:  # the row that names what was asked ("tocilizumab") comes first
            rest_room = room - len(asked) - 1
            first = f"{opening}{asked} {by_grade(effect, rest_room)}"
        if not effect.management:
            first = f"The knowledge holds no management steps for {effect.name}; see its entry."
        head, rest = split_sentences(first)
        if rest:
            details.append(("Management by grade (continued)", rest))
        if general is not None:
            details.append(("All grades", general.text))
        return Reply(
            effect,
            intent,
            lead,
            head,
            found,
            tuple(details),
            _buttons(effect, agents),
            effect.sources,
            missing=not effect.management,
        )
    own = agent_sentence(effect, agents, row.text)  # the label's words on the drug named
    body = agent_first(row.text, agents)  # or the row's own sentence about it, first
    text = " ".join(part for part in (f"{rule}." if rule else "", own, body) if part)
    asked = asked_sentence(effect, question, text, agents, row)
    head, rest = split_sentences(text, FIRST_BUDGET - len(asked) - 1 if asked else FIRST_BUDGET)
    head = f"{asked} {head}" if asked else head
    if rest:
        details.append((f"{row.label} (continued)", rest))
    if general is not None:
        details.append(("All grades", general.text))
    if effect.escalate:
        details.append(("When to escalate", effect.escalate))
    quoted = grade_text(effect, found.n) if found and found.n else None
    if quoted is not None and found is not None and found.stated:
        details.append((f"{quoted.label} means", quoted.text))
    return Reply(
        effect,
        intent,
        _grade_lead(effect, found, agents),
        head,
        found,
        tuple(details),
        _buttons(effect, agents),
        effect.sources,
    )
