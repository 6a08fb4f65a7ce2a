"""Context reading: the other words of a question read against a named drug's side effects.

"neurotox after Yescarta" names no side effect, but beside a CAR-T product "neurotox" can only
be ICANS. This layer owns what it derives per entry (the side effects an agent is linked to, the
words that describe the agent itself) and the per-side-effect vocabulary; the findings work
(values and symptoms read against a named drug) grows here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise

from bot import words
from bot.knowledge import Drug, Entry, Kind, Knowledge, SideEffect, TherapyClass
from bot.resolve.match import Hit
from bot.resolve.names import STOPWORDS, derived_names

#: A word pair in the prose of at least this many entries is a stock phrase of the writing.
ORDINARY_PHRASE_ENTRIES = 3

#: A hit and the one entry it stands for.
Single = tuple[Hit, Entry]


@dataclass(eq=False)
class ContextReader:
    """Reads a question's leftover words against the side effects of the agents it names."""

    knowledge: Knowledge
    _linked: dict[str, frozenset[str]] = field(default_factory=dict)
    _agent_words: dict[str, frozenset[str]] = field(default_factory=dict)

    @cached_property
    def vocabulary(self) -> dict[str, dict[str, int]]:
        """Per side effect, the words that point at it: its names (weight 2) and the words of
        its symptoms, grading and organ system (weight 1), less words most side effects share.
        Used only when a drug or class is named too, among that drug's own side effects."""
        raw: dict[str, dict[str, int]] = {}
        ordinary = self.ordinary_phrases
        for entry in self.knowledge.entries.values():
            if not isinstance(entry, SideEffect):
                continue
            vocab: dict[str, int] = {}
            weak = [*entry.symptoms, entry.organ_system, *(g.text for g in entry.grades)]
            for text in weak:
                toks = words.tokens(text)
                for i, token in enumerate(toks):
                    if (i and (toks[i - 1], token) in ordinary) or (
                        i + 1 < len(toks) and (token, toks[i + 1]) in ordinary
                    ):
                        continue  # part of a stock phrase ("for example"), not about the entry
                    vocab[token] = 1
            for name in (*entry.names, *derived_names(entry.name)):
                for token in words.tokens(name):
                    vocab[token] = 2
            raw[entry.id] = {
                t: w
                for t, w in vocab.items()
                if t not in STOPWORDS and len(t) >= 3 and not t.isdigit()
            }
        frequency: dict[str, int] = defaultdict(int)
        for vocab in raw.values():
            for token in vocab:
                frequency[token] += 1
        common = max(3, len(raw) // 4)
        out = {}
        for entry_id, vocab in raw.items():
            out[entry_id] = {
                t: w + (1 if frequency[t] == 1 else 0)
                for t, w in vocab.items()
                if frequency[t] <= common
            }
        return out

    @cached_property
    def ordinary_phrases(self) -> frozenset[tuple[str, str]]:
        """Word pairs found in the prose of several entries ("for example", "such as"): stock
        phrases of the writing, so their words say nothing about any one side effect."""
        seen: dict[tuple[str, str], int] = defaultdict(int)
        for entry in self.knowledge.entries.values():
            texts = [entry.summary]
            if isinstance(entry, SideEffect):
                texts += [entry.onset, entry.escalate]
                texts += [g.text for g in (*entry.grades, *entry.management)]
            pairs: set[tuple[str, str]] = set()
            for text in texts:
                pairs.update(pairwise(words.tokens(text)))
            for pair in pairs:
                seen[pair] += 1
        return frozenset(pair for pair, count in seen.items() if count >= ORDINARY_PHRASE_ENTRIES)

    def linked_side_effects(self, entry: Entry) -> frozenset[str]:
        """The side effects a drug or class is known to cause (worked out once per entry)."""
        cached = self._linked.get(entry.id)
        if cached is None:
            cached = self._linked[entry.id] = frozenset(self._find_linked(entry))
        return cached

    def _find_linked(self, entry: Entry) -> set[str]:
        return linked_side_effects(self.knowledge, [entry])

    def agent_words(self, agent: Entry) -> frozenset[str]:
        """Words that describe how an agent is given and works (worked out once per entry)."""
        cached = self._agent_words.get(agent.id)
        if cached is None:
            texts = (
                getattr(agent, "administration", ""),
                getattr(agent, "mechanism", ""),
                getattr(agent, "target", ""),
            )
            cached = frozenset(t for text in texts for t in words.tokens(text))
            self._agent_words[agent.id] = cached
        return cached

    def side_effect_described(
        self, toks: list[str], covered: set[int], linked: set[str], agent_words: set[str]
    ) -> str | None:
        """The one linked side effect the remaining words describe ("neurotox" beside
        Yescarta, "troponin" beside ipilimumab), if exactly one stands out. Words that
        describe the agent itself ("infusion" for an IV drug) are not evidence."""
        agent_stems = {w[:5] for w in agent_words}
        rest = [
            t
            for i, t in enumerate(toks)
            if i not in covered
            and t not in STOPWORDS
            and len(t) >= 3
            and not t.isdigit()
            and t not in agent_words
            and t[:5] not in agent_stems
        ]
        if not rest:
            return None
        scores: dict[str, int] = {}
        for effect_id in linked:
            vocab = self.vocabulary.get(effect_id, {})
            score = 0
            for token in rest:
                weight = vocab.get(token, 0)
                if not weight and len(token) >= 5:
                    # a shortened or related form: "neurotox", "hepatic" for hepatitis
                    weight = max(
                        (w for v, w in vocab.items() if v.startswith(token) or v[:6] == token[:6]),
                        default=0,
                    )
                score += weight
            if score >= 2:
                scores[effect_id] = score
        if not scores:
            return None
        best = max(scores.values())
        winners = [e for e, s in scores.items() if s == best]
        return winners[0] if len(winners) == 1 else None

    def with_context(self, toks: list[str], singles: list[Single]) -> list[Single]:
        """When a drug or class is named, read the other words as one of its side effects.

        A side effect named outright but not caused by that drug (the checkpoint-inhibitor
        "rash" beside an anti-EGFR antibody) gives way to one the drug does cause."""
        agents = [e for h, e in singles if e.kind in (Kind.DRUG, Kind.CLASS) and h.how != "partial"]
        if not agents:
            return singles
        linked: set[str] = set()
        for agent in agents:
            linked |= self.linked_side_effects(agent)
        effects = [(h, e) for h, e in singles if e.kind is Kind.SIDE_EFFECT]
        if any(e.id in linked and h.how != "partial" for h, e in effects):
            return singles
        covered = {i for h, e in singles if e.kind in (Kind.DRUG, Kind.CLASS) for i in h.span}
        agent_words = {t for agent in agents for t in self.agent_words(agent)}
        found = self.side_effect_described(toks, covered, linked, agent_words)
        if found is None:
            return singles
        start = min((i for i in range(len(toks)) if i not in covered), default=0)
        kept = [(h, e) for h, e in singles if e.kind is not Kind.SIDE_EFFECT]
        return [*kept, (Hit(start, 1, (found,), "context"), self.knowledge.entries[found])]

    def narrow(self, many: tuple[str, ...], singles: list[Single]) -> list[str]:
        """A target named beside a class picks that class's drugs with the target ("CD19
        BiTE" is blinatumomab, not every CD19 therapy)."""
        classes = [e for _, e in singles if e.kind is Kind.CLASS]
        for entry in classes:
            members = {d.id for d in self.knowledge.drugs_in_class(entry.id)}
            both = [i for i in many if i in members]
            if both:
                return both
        return []


def linked_side_effects(knowledge: Knowledge, agents: list[Entry]) -> set[str]:
    """Side effects the named drugs or classes are known to cause (labels and class links)."""
    classes: set[str] = set()
    linked: set[str] = set()
    for agent in agents:
        if isinstance(agent, Drug):
            linked.update(agent.side_effects)
            for class_id in agent.classes:
                classes.update(knowledge.class_lineage(class_id))
        elif isinstance(agent, TherapyClass):
            linked.update(agent.hallmark_toxicities)
            classes.update(knowledge.class_lineage(agent.id))
            classes.update(knowledge.class_with_descendants(agent.id))
            for drug in knowledge.drugs_in_class(agent.id):
                linked.update(drug.side_effects)
    for class_id in classes:
        linked.update(knowledge.side_effects_by_class.get(class_id, ()))
    return linked
