"""Answer what a user typed: parse it, resolve it, render the reply.

The one routing table Slack and the shell share; it also owns the memo of rendered cards.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import ClassVar

from bot import listing, render, words
from bot.clinical import answer_question, effective_intent
from bot.knowledge import Drug, Entry, Kind
from bot.query import Command, Query, Section, parse, strip_mentions
from bot.read import asks_something, read, targets_named
from bot.read.agents import unknown_agent
from bot.render import Message
from bot.reply import agents_of
from bot.reply_render import reply_message
from bot.resolve import Index, Match


@dataclass(frozen=True)
class Answer:
    """A reply plus what the bot learned from the query (for the miss log)."""

    message: Message
    query: Query
    match: Match | None = None
    intent: str | None = None  # the clinical intent (bot.read.Intent), when read
    grade: int | None = None  # the grade computed from values or named

    @property
    def entry(self) -> Entry | None:
        """The entry the reply is about, if one."""
        return self.match.entry if self.match is not None else None

    @property
    def missed(self) -> bool:
        match = self.match
        return match is not None and not match.found and not match.ambiguous and not match.outside


def _lookup(query: Query, index: Index) -> Answer:
    prefer = PREFERRED_KINDS.get(query.section, ()) if query.section else ()
    match = index.resolve(query.text, kind=query.kind, prefer=prefer)
    if not match.found and query.full and index.named(words.key(query.full)):
        # "cancer vaccines" is a class, not "vaccines" among cancers: the whole text is a name.
        match = index.resolve(query.full, prefer=prefer)
    if match.entry is not None:
        note = ""
        if match.corrected_from:
            note = f"Showing *{render.escape(match.entry.title)}* (closest match)."
        message = _card(index, match.entry, query.section, note=note, also=match.also)
        if match.outside:
            message = render.with_note(message, render.outside_note(match.outside))
        return Answer(message, query, match)
    if match.outside:
        return Answer(render.outside_scope(match.outside, index.knowledge), query, match)
    if match.ambiguous:
        return Answer(render.choices(query.text, match), query, match)
    return Answer(render.miss(query.text, match, query.kind), query, match)


#: Rendered cards kept per Index. The knowledge behind an Index never changes, so a card is a
#: pure function of its arguments; a reload brings a new Index and so an empty memo.
CARD_MEMO_SIZE = 4096

CardKey = tuple[str, str | None, str, tuple[str, ...], bool]


class CardMemo:
    """Rendered cards of one Index, owned by the answering layer (the Index knows nothing of
    rendering). Bounded: when full it starts over rather than tracking recency."""

    _by_index: ClassVar[weakref.WeakKeyDictionary[Index, CardMemo]] = weakref.WeakKeyDictionary()

    def __init__(self) -> None:
        self.cards: dict[CardKey, Message] = {}

    @classmethod
    def of(cls, index: Index) -> CardMemo:
        """The memo of this Index, created on its first card; it goes when the Index goes."""
        memo = cls._by_index.get(index)
        if memo is None:
            memo = cls._by_index.setdefault(index, cls())
        return memo


def _card(
    index: Index,
    entry: Entry,
    section: str | None,
    *,
    note: str = "",
    also: tuple[Entry, ...] = (),
    shareable: bool = True,
) -> Message:
    key: CardKey = (entry.id, section, note, tuple(e.id for e in also), shareable)
    cards = CardMemo.of(index).cards
    message = cards.get(key)
    if message is None:
        message = render.card(
            entry, index.knowledge, section, note=note, also=also, shareable=shareable
        )
        if len(cards) >= CARD_MEMO_SIZE:
            cards.clear()
        cards[key] = message
    return message


#: Which kind of entry a question is most likely about, when it names two.
PREFERRED_KINDS: dict[Section, tuple[Kind, ...]] = {
    Section.MANAGEMENT: (Kind.SIDE_EFFECT,),
    Section.GRADING: (Kind.SIDE_EFFECT,),
    Section.CAUSES: (Kind.SIDE_EFFECT,),
    Section.SYMPTOMS: (Kind.SIDE_EFFECT,),
    Section.SIDE_EFFECTS: (Kind.DRUG, Kind.CLASS),
    # A cancer's card answers "approved for" too; a concept's cannot ("which immunotherapies
    # are approved for RCC" is about RCC, though "immunotherapy" names a concept).
    Section.INDICATIONS: (Kind.DRUG, Kind.CLASS, Kind.CANCER),
    Section.MECHANISM: (Kind.DRUG, Kind.CLASS),
    Section.MONITORING: (Kind.DRUG, Kind.CLASS),
    Section.BOXED_WARNING: (Kind.DRUG, Kind.CLASS),
    Section.THERAPIES: (Kind.CANCER,),
    Section.BIOMARKERS: (Kind.CANCER,),
    Section.MEMBERS: (Kind.CLASS,),
}


def _compare(query: Query, index: Index) -> Answer:
    drugs: list[Drug] = []
    parts = query.others or (query.text,)
    for part in parts:
        for entry in index.entries_named(part):
            if isinstance(entry, Drug) and entry not in drugs:
                drugs.append(entry)
    if len(drugs) < 2 and re.search(r"\b(vs\.?|versus)\b", query.text, re.I):
        # "dara sc vs iv" compares two forms of one drug: answer about the drug.
        return _lookup(Query(Command.LOOKUP, query.text), index)
    if len(drugs) < 2 and query.full:
        # "difference between immunotherapy and targeted therapy" names a concept, not drugs.
        looked = _lookup(Query(Command.LOOKUP, query.full), index)
        if looked.match and looked.match.entry and looked.match.entry.kind is Kind.CONCEPT:
            return looked
    if len(drugs) < 2:
        named = ", ".join(d.name for d in drugs) or "none"
        return Answer(
            render.error_message(
                f"Compare needs two drugs I know (found: {named}). "
                "Try `/immuno compare pembrolizumab nivolumab`."
            ),
            query,
        )
    match = Match(query.text, entry=drugs[0], also=(drugs[1],), how="compare")
    return Answer(render.compare(drugs[0], drugs[1], index.knowledge), query, match, "choose")


def _search(query: Query, index: Index) -> Answer:
    ranked: list[tuple[Entry, float]] = []
    for hit in index.scan(query.text):
        for entry_id in hit.ids:
            entry = index.knowledge.entries[entry_id]
            if all(entry is not e for e, _ in ranked):
                ranked.append((entry, 100.0 if len(hit.ids) == 1 else 95.0))
    for entry_id in index.partial(query.text):
        entry = index.knowledge.entries[entry_id]
        if all(entry is not e for e, _ in ranked):
            ranked.append((entry, 90.0))
    for entry in index.suggest(query.text, limit=8):
        if all(entry is not e for e, _ in ranked):
            ranked.append((entry, 50.0))
    return Answer(render.search_results(query.text, ranked[:10]), query)


Handler = Callable[[Query, Index], Answer]

HANDLERS: dict[Command, Handler] = {
    Command.LOOKUP: _lookup,
    Command.COMPARE: _compare,
    Command.SEARCH: _search,
    Command.LIST: lambda q, ix: Answer(listing.listing(ix.knowledge, q.kind), q),
    Command.HELP: lambda q, ix: Answer(render.help_message(ix.knowledge), q),
}


def _choice_in_a_cancer(query: Query, index: Index) -> bool:
    """ "Atezo vs durva in SCLC" asks which, in that cancer: answered, not tabled."""
    if query.command is not Command.COMPARE:
        return False
    return any(e.kind is Kind.CANCER for e in index.entries_named(query.text, fuzzy=False))


def _doubtful_correction(match: Match | None, line: str) -> bool:
    """A side effect reached only by correcting two letters, with no drug named: "mucositis"
    (a chemotherapy toxicity) is not "myositis". Offered as a suggestion, not answered."""
    if match is None or match.entry is None or match.how != "fuzzy":
        return False
    if match.entry.kind is not Kind.SIDE_EFFECT or not match.corrected_from:
        return False
    from rapidfuzz.distance import OSA

    target = words.fold(match.corrected_from).replace(" ", "")
    typed = [t for t in words.fold(line).split() if abs(len(t) - len(target)) <= 2]
    return bool(typed) and min(OSA.distance(t, target) for t in typed) >= 2


#: Only this much of a message is read: a question is a line, not a document, and a bound keeps
#: a pasted 40,000-character text from costing more than an ordinary question.
MAX_QUERY_CHARS = 2000


def answer(text: str, index: Index, *, rejected: str = "", compact: bool = False) -> Answer:
    """The reply to one line of user text (slash text, mention or shell line)."""
    query = parse(text[:MAX_QUERY_CHARS])
    if query.command is Command.ABOUT:
        reply = Answer(render.about(index.knowledge, rejected), query)
    else:
        reply = _respond(query, text[:MAX_QUERY_CHARS], index, compact=compact)
    if len(text) > MAX_QUERY_CHARS:
        note = f"Only the first {MAX_QUERY_CHARS:,} characters of your message were read."
        reply = replace(reply, message=render.with_note(reply.message, note))
    return reply


def _respond(query: Query, text: str, index: Index, *, compact: bool) -> Answer:
    """A question that describes a patient or asks for one fact is answered first
    (bot.clinical); a bare name, or a question the clinical reader cannot answer, gets the
    entry card."""
    key = words.key(query.full or query.text)
    bare_name = query.section is None and index.named(key)
    if bare_name and query.command is Command.LOOKUP:  # a name alone: its card, nothing to read
        found = _named_card(query, key, bare_name, index) or HANDLERS[query.command](query, index)
        return Answer(found.message, query, found.match, intent="lookup")
    line = " ".join(strip_mentions(text).split())
    if query.command is Command.LOOKUP and not asks_something(line, index.knowledge):
        # Names only: the card, unless the names together ask something (a cancer with a
        # drug or class, a side effect with its drug) or blame a cause outside immunotherapy.
        found = HANDLERS[query.command](query, index)
        quiet = not _names_ask(found.match, line, index) and not _agent_and_more(found.match, line)
        listed = index.outside(line) if quiet else ()
        # A side effect named beside a drug that is not immunotherapy ("gemcitabine
        # pneumonitis") blames that drug: read below, not the immune-related card.
        blamed = bool(listed) and _names_side_effect(found.match)
        if quiet and not blamed and (listed or not unknown_agent(line, index)):
            return _checked(found, query, line)
    if query.command is Command.LOOKUP or _choice_in_a_cancer(query, index):
        question = read(line, index)
        intent = str(effective_intent(question))
        listed = index.outside(line)  # drugs the knowledge lists as not immunotherapy
        blamed = question.clinical or any(e.kind is Kind.SIDE_EFFECT for e in question.entries)
        if listed and blamed and not agents_of(question):
            # A side effect blamed on a drug that is not immunotherapy ("AKI from cisplatin"):
            # what that drug is, not the immune-related card.
            message = render.outside_scope(listed, index.knowledge)
            miss = Match(query.text, how="outside", outside=listed)
            return Answer(message, query, miss, intent=intent)
        if listed and not question.clinical:
            found = HANDLERS[query.command](query, index)  # the card says what they are
            return replace(_checked(found, query, line), intent=intent)
        outside = None if listed else unknown_agent(question.text, index)
        if outside and not agents_of(question):
            message = render.outside_cause(question.text, outside)
            return Answer(message, query, Match(query.text, how="outside"), intent=intent)
        reply = answer_question(question, index)
        if reply is not None:
            message = reply_message(reply, index.knowledge, compact=compact, question=question.text)
            grade = reply.grade.n if reply.grade is not None else None
            match = Match(query.text, entry=reply.entry, how="answer")
            return Answer(message, query, match, intent=str(reply.intent), grade=grade)
        found = HANDLERS[query.command](query, index)
        return replace(_checked(found, query, line, bool(agents_of(question))), intent=intent)
    return HANDLERS[query.command](query, index)


def _named_card(query: Query, key: str, ids: tuple[str, ...], index: Index) -> Answer | None:
    """The card of the one entry the whole text names (the most common question: a name),
    without scanning its words again; None when the resolver must decide (several entries,
    a kind word, a drug outside immunotherapy in the text)."""
    if len(ids) != 1 or query.kind is not None or query.full or index.outside(query.text):
        return None
    entry = index.knowledge.entries[ids[0]]
    how = "exact" if key in index.exact else "derived"
    match = Match(query.text, entry=entry, how=how)
    return Answer(_card(index, entry, None), query, match)


def _names_ask(match: Match | None, line: str, index: Index) -> bool:
    """Names that ask something together: a cancer with a drug, class or target (its options),
    a side effect with a drug or class, or a side effect with a question mark (what to do)."""
    if match is None or match.entry is None:
        return False
    kinds = {e.kind for e in (match.entry, *match.also)}
    agent = bool(kinds & {Kind.DRUG, Kind.CLASS})
    if Kind.CANCER in kinds and not agent and targets_named(line, index):
        return True
    effect = Kind.SIDE_EFFECT in kinds
    return (Kind.CANCER in kinds and agent) or (effect and (agent or line.endswith("?")))


def _names_side_effect(match: Match | None) -> bool:
    return match is not None and match.entry is not None and match.entry.kind is Kind.SIDE_EFFECT


def _agent_and_more(match: Match | None, line: str) -> bool:
    """A drug or class with other words beside it ("CAR-T for mantle cell"): read it."""
    if match is None or match.entry is None or match.entry.kind not in (Kind.DRUG, Kind.CLASS):
        return False
    return len(words.tokens(line)) > 1


def _checked(found: Answer, query: Query, line: str, agent_named: bool = False) -> Answer:
    """The card, or a suggestion when it was reached by a doubtful correction."""
    match = found.match
    doubtful = match.entry if match is not None else None
    if match is not None:
        agent_named = agent_named or any(e.kind in (Kind.DRUG, Kind.CLASS) for e in match.also)
    if doubtful is not None and not agent_named and _doubtful_correction(match, line):
        miss = Match(query.text, suggestions=(doubtful,), how="miss")
        return Answer(render.miss(query.text, miss, query.kind), query, miss, intent="lookup")
    return Answer(found.message, query, match, intent="lookup")


def patient_answer(text: str, index: Index) -> Answer | None:
    """The compact answer to a message that describes a patient (values, signs or a grade),
    for keyword channels; None for chatter that only names entries."""
    question = read(" ".join(strip_mentions(text).split()), index)
    if not question.clinical or unknown_agent(question.text, index):
        return None
    reply = answer_question(question, index)
    if reply is None or reply.missing:
        return None
    message = reply_message(reply, index.knowledge, compact=True, question=question.text)
    match = Match(question.text, entry=reply.entry, how="answer")
    grade = reply.grade.n if reply.grade is not None else None
    return Answer(message, parse(text), match, intent=str(reply.intent), grade=grade)


def entry_card(
    index: Index, entry_id: str, section: str | None = None, *, shareable: bool = True
) -> Message | None:
    """The card for an entry id, as a button press asks for it."""
    entry = index.knowledge.get(entry_id)
    if entry is None:
        return None
    return _card(index, entry, section, shareable=shareable)
