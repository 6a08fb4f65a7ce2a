"""Concepts and outside-scope drugs: the field's own subjects, and the drugs it is not about.

A Concept is an entry like a drug or a side effect (named, sourced, linked, listed); its body is a
list of titled sections because "what is TMB" and "PD-L1 CPS vs TPS" are parts of one subject.
An OutsideDrug is deliberately not an entry: it is never an answer, only a name the bot must
recognise so that "bevacizumab" gets "not an immunotherapy" instead of a near-miss guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.building import common_fields
from bot.knowledge import Entry, Kind, Source


@dataclass(frozen=True)
class ConceptSection:
    """One titled part of a concept (e.g. "PD-L1 combined positive score (CPS)")."""

    title: str
    text: str


@dataclass(frozen=True)
class Concept(Entry):
    """A subject of the field itself (how immunotherapy works, biomarkers, response patterns),
    linked to the drugs, classes, cancers and side effects it explains."""

    sections: tuple[ConceptSection, ...] = ()
    related: tuple[str, ...] = ()
    kind: Kind = field(init=False, default=Kind.CONCEPT)


@dataclass(frozen=True)
class OutsideDrug:
    """A drug people ask about that is not cancer immunotherapy (bevacizumab, cisplatin): the
    reply says what it is and that it is outside the bot's scope, rather than guessing."""

    id: str
    name: str
    what: str
    sources: tuple[Source, ...]
    last_reviewed: str
    aliases: tuple[str, ...] = ()
    relation: str = ""
    related: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def title(self) -> str:
        return self.name[:1].upper() + self.name[1:]


#: The kinds of entry a concept's `related` map may name, in the order its buttons show them.
RELATED_KEYS = ("drugs", "classes", "cancers", "side_effects")


def concept_from(raw: Mapping[str, Any]) -> Concept:
    related = raw.get("related") or {}
    return Concept(
        **common_fields(raw),
        sections=tuple(ConceptSection(s["title"], s["text"]) for s in raw.get("sections", ())),
        related=tuple(dict.fromkeys(i for key in RELATED_KEYS for i in related.get(key, ()))),
    )


def outside_drug_from(raw: Mapping[str, Any]) -> OutsideDrug:
    return OutsideDrug(
        id=raw["id"],
        name=raw["name"],
        what=raw["what"],
        sources=tuple(Source(s["title"], s["url"]) for s in raw.get("sources", ())),
        last_reviewed=str(raw["last_reviewed"]),
        aliases=tuple(raw.get("aliases", ())),
        relation=raw.get("relation", ""),
        related=tuple(raw.get("related", ())),
    )
