"""The Index: resolve what a user typed to entries, exact names first, then typos, then partial
names, then the context of a named drug.

A query that matches nothing confidently is a Miss with suggestions, never the nearest unrelated
entry. The Index only composes the layers; each keeps its own structures and caches.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bot import words
from bot.concepts import OutsideDrug
from bot.knowledge import Entry, Kind, Knowledge, without_cyclic_gc
from bot.resolve.context import ContextReader, Single
from bot.resolve.match import Hit, Match, select
from bot.resolve.names import (
    MAX_CHOICES,
    STOPWORDS,
    NameTable,
    name_words,
    raw_tokens,
    short_tokens,
)
from bot.resolve.typos import Typos

#: Longest span, in words, that is checked for a typo.
MAX_FUZZY_NGRAM = 5
_KIND_ORDER = {Kind.CONCEPT: 0, Kind.CLASS: 1, Kind.DRUG: 2, Kind.SIDE_EFFECT: 3, Kind.CANCER: 4}
#: When a question names several entries and its words pick no section, the most specific
#: wins: "CRS after cilta-cel" is about CRS, "pembrolizumab in melanoma" about the drug; a
#: concept ("TMB in colorectal cancer") is what the question is about over the cancer.
DEFAULT_PREFERENCE = (Kind.SIDE_EFFECT, Kind.DRUG, Kind.CLASS, Kind.CONCEPT, Kind.CANCER)


def _kind_order(entries: list[Entry]) -> list[Entry]:
    """Broadest first: a class before its drugs, so "PD-1" offers "PD-1 inhibitors" first."""
    return sorted(entries, key=lambda e: (_KIND_ORDER[e.kind], e.name.lower()))


@dataclass(eq=False)
class Index:
    """Lookup structures over one Knowledge, built once per Knowledge."""

    knowledge: Knowledge
    names: NameTable = field(default_factory=NameTable)
    typos: Typos = field(init=False)
    context: ContextReader = field(init=False)

    #: The words of the last few texts read (see _read).
    _recent: dict[str, tuple[list[str], list[str], tuple[OutsideDrug, ...]]] = field(
        init=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        self.typos = Typos(self.names)
        self.context = ContextReader(self.knowledge)

    @classmethod
    def build(cls, knowledge: Knowledge) -> Index:
        with without_cyclic_gc():  # a build only adds long-lived objects
            return cls(knowledge, NameTable.build(knowledge))

    @property
    def exact(self) -> dict[str, tuple[str, ...]]:
        """Every exact name key → the entries it names (read-only view for the bench)."""
        return self.names.exact

    def named(self, key: str) -> tuple[str, ...] | None:
        """The entries a key names exactly (an alias, or a form derived from a name)."""
        return self.names.named(key)

    # -- scanning -------------------------------------------------------------------------------

    def scan(self, text: str, *, fuzzy: bool = True) -> list[Hit]:
        """Every span of `text` that names entries, longest first where spans overlap."""
        toks, raw, _ = self._read(text)
        return self._scan(list(toks), list(raw), fuzzy=fuzzy)

    def scanned_words(self, text: str) -> list[str]:
        """The words scan() reads in `text` (stemmed, names of drugs outside immunotherapy
        taken out): the positions of its hits refer to these, not to words.tokens(text)."""
        return list(self._read(text)[0])

    def outside(self, text: str) -> tuple[OutsideDrug, ...]:
        """The drugs `text` names that are not immunotherapy (bevacizumab, cisplatin)."""
        return self._read(text)[2]

    def _read(self, text: str) -> tuple[list[str], list[str], tuple[OutsideDrug, ...]]:
        """The words of `text` without names of drugs outside immunotherapy, and those drugs.
        Kept for the last few texts (never changed by a caller): answering one question scans
        it and looks for outside drugs in it two or three times."""
        found = self._recent.get(text)
        if found is None:
            found = self._outside(words.tokens(text), raw_tokens(text))
            if len(self._recent) >= 32:
                self._recent.clear()
            self._recent[text] = found
        return found

    def _outside(
        self, toks: list[str], raw: list[str]
    ) -> tuple[list[str], list[str], tuple[OutsideDrug, ...]]:
        """The words without the names of drugs outside immunotherapy, and those drugs: their
        words are never read as a typo, a partial name or a suggestion of an entry. Where an
        entry's own name overlaps one, the entry's name wins, unless it lies within the longer
        outside name ("trastuzumab" in "trastuzumab deruxtecan", another medicine)."""
        if not self.names.outside:
            return toks, raw, ()
        found = select(self.names.outside_hits(toks))
        if not found:
            return toks, raw, ()
        entries = self.names.exact_hits(toks, raw)
        kept = [
            h
            for h in found
            if not any(e.length >= h.length and set(e.span) & set(h.span) for e in entries)
        ]
        gone = {i for h in kept for i in h.span}
        ids = dict.fromkeys(i for h in kept for i in h.ids)
        drugs = tuple(self.knowledge.outside[i] for i in ids)
        if len(raw) != len(toks):
            raw = toks
        return (
            [t for i, t in enumerate(toks) if i not in gone],
            [t for i, t in enumerate(raw) if i not in gone],
            drugs,
        )

    def _scan(self, toks: list[str], raw: list[str], *, fuzzy: bool = True) -> list[Hit]:
        """A typo match may override a shorter exact one it overlaps ("cytokine relase
        syndrome" is the syndrome, though "cytokine" alone names a class)."""
        if len(raw) != len(toks):  # defensive: alignment only matters for the acronym rule
            raw = toks
        hits = self.names.exact_hits(toks, raw)
        if fuzzy:
            # longest[t]: the longest hit so far covering token t; checking a typo hit against
            # it is O(its length), not a pass over every hit (quadratic on long texts).
            longest = [0] * len(toks)
            for h in hits:
                for t in h.span:
                    longest[t] = max(longest[t], h.length)
            for hit in self._fuzzy_hits(toks, hits):
                if all(hit.length > longest[t] for t in hit.span):
                    hits.append(hit)
                    for t in hit.span:
                        longest[t] = hit.length
        return select(hits)

    def _fuzzy_hits(self, toks: list[str], exact: list[Hit]) -> list[Hit]:
        hits = []
        # reach[i]: the furthest end of an exact hit starting at or before token i, so "is this
        # span inside an exact name" costs O(1) instead of a pass over every exact hit (that
        # pass made long texts quadratic).
        reach = [0] * (len(toks) + 1)
        for h in exact:
            reach[h.start] = max(reach[h.start], h.start + h.length)
        for i in range(1, len(reach)):
            reach[i] = max(reach[i], reach[i - 1])
        for n in range(min(MAX_FUZZY_NGRAM, len(toks)), 0, -1):
            for i in range(len(toks) - n + 1):
                if reach[i] >= i + n:
                    continue  # a typo match inside an exact name could never replace it
                span = toks[i : i + n]
                if span[0] in STOPWORDS or span[-1] in STOPWORDS:
                    continue
                key = words.join(span)
                if self.names.named(key):
                    continue
                _, keys = self.typos.close_keys(key, short_tokens(span))
                if not keys and n == 1:
                    keys = self.typos.completion(key)
                if not keys:
                    continue
                ids = tuple(dict.fromkeys(i for k in keys for i in self.names.named(k) or ()))
                hits.append(Hit(i, n, ids, "fuzzy", keys[0]))
        return hits

    # -- partial names and suggestions --------------------------------------------------------

    def partial(self, text: str) -> list[str]:
        """Entries whose names contain every subject word of the query ("lung cancer")."""
        return self._partial_tokens(self._outside(words.tokens(text), raw_tokens(text))[0])

    def _partial_tokens(self, toks: list[str]) -> list[str]:
        content = [t for t in name_words(toks) if t not in STOPWORDS]
        if not content:
            return []
        sets = []
        for token in content:
            known = self.typos.token_like(token)
            if known is None:
                return []
            sets.append(self.names.token_entries[known])
        return sorted(set.intersection(*sets))

    def _partial_hit(self, toks: list[str], hits: list[Hit]) -> list[Hit]:
        """The words no name covered ("colitis" in "colitis from ipilimumab"), when together
        they are part of exactly one entry's name."""
        covered = {i for h in hits for i in h.span}
        rest = [(i, t) for i, t in enumerate(toks) if i not in covered and t not in STOPWORDS]
        if not rest or not hits:
            return []
        ids = self._partial_tokens([t for _, t in rest])
        if len(ids) != 1:
            return []
        return [Hit(rest[0][0], len(rest), (ids[0],), "partial")]

    def suggest(
        self, text: str, limit: int = 3, kind: Kind | None = None, toks: list[str] | None = None
    ) -> list[Entry]:
        """Names that look like the query: offered as "did you mean", never as the answer."""
        if toks is None:
            toks = self._outside(words.tokens(text), raw_tokens(text))[0]
        content = "".join(t for t in toks if t not in STOPWORDS)
        if len(content) < 3:
            return []
        out: list[Entry] = []
        for key in self.typos.near_keys(content):
            for entry_id in self.names.exact[key]:
                entry = self.knowledge.entries[entry_id]
                if entry not in out and (kind is None or entry.kind is kind):
                    out.append(entry)
        return out[:limit]

    # -- resolving ------------------------------------------------------------------------------

    def entries_named(self, text: str, *, fuzzy: bool = True) -> list[Entry]:
        """All distinct entries named in `text`, in order of mention (for compare and keywords)."""
        out: list[Entry] = []
        for hit in self.scan(text, fuzzy=fuzzy):
            if len(hit.ids) != 1:
                continue
            entry = self.knowledge.entries[hit.ids[0]]
            if entry not in out:
                out.append(entry)
        return out

    def resolve(self, text: str, kind: Kind | None = None, prefer: tuple[Kind, ...] = ()) -> Match:
        """The one entry `text` is about, a set of choices, or a miss with suggestions; with the
        drugs it names that are outside immunotherapy."""
        toks, raw, outside = self._outside(words.tokens(text), raw_tokens(text))
        match = self._resolve(text, toks, raw, kind, prefer)
        if not outside:
            return match
        if match.how in ("fuzzy", "partial"):
            # "cisplatin nephrotoxicity": beside a drug named exactly, a guess at the other
            # words (nephrotoxicity ~ neurotoxicity) is not an entry the question names.
            return Match(text, how="miss", outside=outside)
        return replace(match, outside=outside)

    def _resolve(
        self,
        text: str,
        toks: list[str],
        raw: list[str],
        kind: Kind | None,
        prefer: tuple[Kind, ...],
    ) -> Match:
        entries = self.knowledge.entries

        def allowed(ids: tuple[str, ...] | list[str]) -> list[Entry]:
            found = [entries[i] for i in ids]
            return [e for e in found if kind is None or e.kind is kind]

        hits = self._scan(toks, raw)
        hits += self._partial_hit(toks, hits)
        candidates: list[tuple[Hit, list[Entry]]] = [(h, allowed(h.ids)) for h in hits]
        candidates = [(h, es) for h, es in candidates if es]
        singles: list[Single] = [(h, es[0]) for h, es in candidates if len(es) == 1]
        if kind in (None, Kind.SIDE_EFFECT):
            singles = self.context.with_context(toks, singles)
        for hit, many in candidates:
            if len(many) > 1:
                narrowed = allowed(self.context.narrow(tuple(e.id for e in many), singles))
                if len(narrowed) == 1:
                    singles = [(h, e) for h, e in singles if e.kind is not Kind.CLASS]
                    singles.append((hit, narrowed[0]))
        if singles:
            return self._best(text, singles, prefer or DEFAULT_PREFERENCE)
        if candidates:
            hit, choices = candidates[0]
            return Match(text, choices=tuple(_kind_order(choices)[:MAX_CHOICES]), how=hit.how)
        partial = allowed(self._partial_tokens(toks))
        if len(partial) == 1:
            return Match(text, entry=partial[0], how="partial")
        if 1 < len(partial) <= MAX_CHOICES:
            return Match(text, choices=tuple(_kind_order(partial)), how="partial")
        return Match(text, suggestions=tuple(self.suggest(text, kind=kind, toks=toks)), how="miss")

    def _best(self, text: str, singles: list[Single], order: tuple[Kind, ...]) -> Match:
        """The entry a question is about among those it names: a whole name over a partial
        one, then the preferred kind, then an exact name over a guess, then the first named."""
        ranked = sorted(
            singles,
            # A concept explains the field; any other entry a question names is what it is
            # about ("immunotherapy for merkel cell" is about the cancer, even named in part).
            key=lambda pair: (
                pair[1].kind is Kind.CONCEPT,
                pair[0].how == "partial",
                order.index(pair[1].kind) if pair[1].kind in order else len(order),
                pair[0].how in ("fuzzy", "context"),
                pair[0].start,
            ),
        )
        best_hit, best = ranked[0]
        also = tuple(dict.fromkeys(e for _, e in singles if e is not best))
        corrected = self.names.display.get(best_hit.matched, "") if best_hit.how == "fuzzy" else ""
        return Match(text, entry=best, also=also, how=best_hit.how, corrected_from=corrected)
