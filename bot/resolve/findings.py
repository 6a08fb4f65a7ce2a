"""Which side effect a question's findings point to, given the drugs or classes it names.

Each side effect lists its findings in the knowledge (a lab and its direction, a sign, the
therapies and days after which it counts). A finding the question states adds to that side
effect's score; a lab the question gives in the *other* direction rules the side effect out
(high TSH never lands on hyperthyroidism). With a drug or class named, only the side effects it
is known to cause are candidates; findings tied to a therapy count only after that therapy.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace

from bot.grading import falls_in
from bot.knowledge import Drug, Entry, Knowledge, SideEffect, TherapyClass
from bot.measures import Lab
from bot.read import Question
from bot.read.values import Reading
from bot.resolve.context import linked_side_effects
from bot.resolve.index import Index


@dataclass(frozen=True)
class Suspect:
    effect: SideEffect
    score: int
    matched: int  # findings met
    listed: int  # findings the entry lists (for ties: the better-covered entry wins)


def agent_context(knowledge: Knowledge, agents: list[Entry]) -> set[str]:
    """The ids a finding's `after` may name: the drugs and every class they belong to."""
    out: set[str] = set()
    for agent in agents:
        out.add(agent.id)
        if isinstance(agent, Drug):
            for class_id in agent.classes:
                out.update(knowledge.class_lineage(class_id))
        elif isinstance(agent, TherapyClass):
            out.update(knowledge.class_lineage(agent.id))
    return out


def _reading_for(readings: tuple[Reading, ...], lab: str) -> Reading | None:
    return next((r for r in readings if r.lab == lab), None)


def _score(
    effect: SideEffect, question: Question, context: set[str], labs: dict[str, Lab]
) -> Suspect | None:
    if _needs_context(effect, context):
        return None  # fever and hypotension point to CRS only after a CAR-T or an engager
    score = matched = 0
    for finding in effect.findings:
        if finding.lab:
            reading = _reading_for(question.readings, finding.lab)
            if _against(reading, finding.direction):
                return None  # the question points the other way: never this entry
        if finding.after and not context.intersection(finding.after):
            continue
        days, window = question.days, finding.within_days
        if days is not None and window is not None and days > window:
            continue
        bonus = 1 if finding.after else 0
        if finding.lab:
            reading = _reading_for(question.readings, finding.lab)
            if reading is not None and reading.direction == finding.direction:
                score, matched = score + 2 + bonus, matched + 1
        elif finding.sign.lower() in question.signs:
            score, matched = score + 1 + bonus, matched + 1
    for criterion in effect.criteria:
        reading = _reading_for(question.readings, criterion.measure)
        lab = labs.get(criterion.measure)
        if reading is not None and lab is not None and falls_in(criterion, reading, lab):
            score += 2  # the value lands in one of its grading rows
        if any(m.lower() in question.signs for row in criterion.signs for m in row.phrases):
            score += 2  # a sign that grades it ("unarousable", "two vasopressors") is specific
    if score == 0:
        return None
    return Suspect(effect, score, matched, len(effect.findings))


def _implied_directions(question: Question, candidates: list[SideEffect]) -> Question:
    """A value given without "high" or "low" ("platelets 20 after cilta-cel") takes the
    direction that every candidate naming that lab agrees on; if they disagree (TSH: high for
    hypothyroidism, low for thyroiditis) it stays without one and decides nothing."""
    readings = []
    for reading in question.readings:
        if reading.direction or reading.value is None:
            readings.append(reading)
            continue
        ways = {f.direction for e in candidates for f in e.findings if f.lab == reading.lab}
        readings.append(replace(reading, direction=ways.pop()) if len(ways) == 1 else reading)
    return replace(question, readings=tuple(readings))


def _needs_context(effect: SideEffect, context: set[str]) -> bool:
    """Whether every finding of the entry is tied to therapies the question does not name."""
    tied = [f for f in effect.findings if f.after]
    return (
        bool(tied)
        and len(tied) == len(effect.findings)
        and not any(context.intersection(f.after) for f in tied)
    )


#: Per Index: each lab id and sign phrase → the side effects (in knowledge order) that a question
#: stating it could score for. Only those are scored, so a question costs what it names, not a
#: pass over every side effect of the knowledge (at 100x that pass was 57 ms).
_POINTERS: weakref.WeakKeyDictionary[Index, dict[str, list[tuple[int, SideEffect]]]] = (
    weakref.WeakKeyDictionary()
)


def _pointers(index: Index) -> dict[str, list[tuple[int, SideEffect]]]:
    table = _POINTERS.get(index)
    if table is None:
        table = {}
        effects = (e for e in index.knowledge.entries.values() if isinstance(e, SideEffect))
        for order, effect in enumerate(effects):
            cues = {f.lab for f in effect.findings if f.lab}
            cues |= {f.sign.lower() for f in effect.findings if f.sign}
            for criterion in effect.criteria:
                cues |= {criterion.measure} if criterion.measure else set()
                cues |= {m.lower() for row in criterion.signs for m in row.phrases}
            for cue in cues:
                table.setdefault(cue, []).append((order, effect))
        _POINTERS[index] = table
    return table


def _pointed_to(question: Question, index: Index) -> list[SideEffect]:
    """The side effects one of the question's labs or signs points to, in knowledge order:
    any other would score nothing in _score."""
    table = _pointers(index)
    cues = {r.lab for r in question.readings} | set(question.signs)
    found = {order: effect for cue in cues for order, effect in table.get(cue, ())}
    return [found[order] for order in sorted(found)]


def suspects(question: Question, index: Index, agents: list[Entry]) -> list[Suspect]:
    """Side effects the findings point to, best first; opposite-direction entries left out."""
    knowledge = index.knowledge
    context = agent_context(knowledge, agents)
    allowed = linked_side_effects(knowledge, agents) if agents else None
    candidates = [
        e
        for e in knowledge.entries.values()
        if isinstance(e, SideEffect) and (allowed is None or e.id in allowed)
    ]
    if agents:
        question = _implied_directions(question, candidates)
    found = []
    for entry in _pointed_to(question, index):
        if allowed is not None and entry.id not in allowed:
            continue
        suspect = _score(entry, question, context, knowledge.labs)
        if suspect is not None:
            found.append(suspect)
    return sorted(found, key=lambda s: (-s.score, -s.matched / max(s.listed, 1)))


def opposite(effect: SideEffect, question: Question) -> bool:
    """Whether a lab in the question points the other way from this entry's finding."""
    for finding in effect.findings:
        reading = _reading_for(question.readings, finding.lab) if finding.lab else None
        if _against(reading, finding.direction):
            return True
    return False


def _against(reading: Reading | None, direction: str) -> bool:
    """A reading with a direction that is not the finding's."""
    return bool(reading and reading.direction and direction and reading.direction != direction)
