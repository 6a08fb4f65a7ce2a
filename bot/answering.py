"""Answer what a user typed: parse it, resolve it, render the reply.

The one routing table Slack and the shell share; it also owns the memo of rendered cards.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import ClassVar

from bot import render, words
from bot.knowledge import Drug, Entry, Kind
from bot.query import Command, Query, Section, parse
from bot.render import Message
from bot.resolve import Index, Match


@dataclass(frozen=True)
class Answer:
    """A reply plus what the bot learned from the query (for the miss log)."""

    message: Message
    query: Query
    match: Match | None = None

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
    return Answer(render.compare(drugs[0], drugs[1], index.knowledge), query)


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
    Command.LIST: lambda q, ix: Answer(render.listing(ix.knowledge, q.kind), q),
    Command.HELP: lambda q, ix: Answer(render.help_message(ix.knowledge), q),
}


#: Only this much of a message is read: a question is a line, not a document, and a bound keeps
#: a pasted 40,000-character text from costing more than an ordinary question.
MAX_QUERY_CHARS = 2000


def answer(text: str, index: Index, *, rejected: str = "") -> Answer:
    """The reply to one line of user text (slash text, mention or shell line)."""
    query = parse(text[:MAX_QUERY_CHARS])
    if query.command is Command.ABOUT:
        reply = Answer(render.about(index.knowledge, rejected), query)
    else:
        reply = HANDLERS[query.command](query, index)
    if len(text) > MAX_QUERY_CHARS:
        note = f"Only the first {MAX_QUERY_CHARS:,} characters of your message were read."
        reply = replace(reply, message=render.with_note(reply.message, note))
    return reply


def entry_card(
    index: Index, entry_id: str, section: str | None = None, *, shareable: bool = True
) -> Message | None:
    """The card for an entry id, as a button press asks for it."""
    entry = index.knowledge.get(entry_id)
    if entry is None:
        return None
    return _card(index, entry, section, shareable=shareable)
