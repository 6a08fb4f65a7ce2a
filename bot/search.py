"""Resolve what a user typed to entries: exact names first, then typos, then partial names.

The index is built once per Knowledge. An exact name, brand or alias hit is a dictionary lookup
whatever the size of the knowledge; typo tolerance uses a symmetric-deletion index (every key with
one character removed), so a fuzzy lookup is also a handful of dictionary probes plus an edit-
distance check on the few candidates. A query that matches nothing confidently is a Miss with
suggestions, never the nearest unrelated entry.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot import words
from bot.knowledge import Drug, Entry, Kind, Knowledge

#: Longest name, in words, that an n-gram scan looks for.
MAX_NGRAM = 8
#: Ambiguous partial names offer at most this many choices; more than that is not a choice.
MAX_CHOICES = 6

# Words that carry no subject: question words, fillers, and the words that pick a section.
STOPWORDS = frozenset(words.stem(w) for w in """
a an the of for to in on at by with about and or is are was were be been being do does did what
which who whom whose when where why how can could should would will may might must shall i we
you he she it they me us them my our your their this that these those there here tell show give
list explain describe info information anything something know need want please thanks thank hi
hello hey immuno bot question any anyone some someone seen see get got have has had after
before during vs versus compare comparison between difference differ than like common usual
typical main most more less much many often also just really very ok okay side effect effects
adverse event events reaction reactions toxicity toxicities ae aes manage managed management
managing treat treated treatment treating handle handled approach indication indications
indicated approved approval use used uses using cancer cancers tumor mechanism action work
works working moa target targets targeted grade grades graded grading grading scale ctcae astct
severity monitor monitoring monitored check lab labs test tests boxed box black warning
warnings drug drugs medication medications medicine agent agents therapy therapies cause causes
caused symptom symptoms sign signs present presentation biomarker biomarkers marker markers
resistance resistant combination combinations combine combined combining with
from into via patient patients pt pts
""".split())  # noqa: SIM905

# Short acronyms that are also everyday words count only when typed in capitals ("ALL", "ACT").
_COMMON_WORDS = frozenset("""
all act can may was has his her are per man men car cat aim arm art bad bed big bit box cut day
did end eye far few fit fun gas hot ill key kit lab lot low mad mas max mix mom net new now old
one out own pay pet put ran ray red run sad set sit six sun tan tap ten top try two use van war
way wet win yes yet zip dim sum bat mid pal cap cup dot fat fan
""".split())  # noqa: SIM905

_RAW_TOKEN_RE = re.compile(r"[A-Za-z0-9]+")


def _raw_tokens(text: str) -> list[str]:
    """Tokens with their case kept, aligned one-to-one with words.tokens()."""
    text = words._SYMBOL_RE.sub(lambda m: words._SYMBOLS[m.group(0)], text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _RAW_TOKEN_RE.findall(text)


def max_edits(length: int) -> int:
    """How many typing mistakes a key of this length tolerates."""
    if length < 5:
        return 0
    if length < 9:
        return 1
    return 2


def _short_tokens(toks: list[str]) -> frozenset[str]:
    """Letters and numbers that tell entries apart (PD-1/PD-L1, type 1/type 2, hepatitis B)."""
    return frozenset(t for t in toks if len(t) <= 2 or t.isdigit())


def _deletes(key: str) -> set[str]:
    return {key[:i] + key[i + 1:] for i in range(len(key))}


_KIND_ORDER = {Kind.CLASS: 0, Kind.DRUG: 1, Kind.SIDE_EFFECT: 2, Kind.CANCER: 3}


def _kind_order(entries: list[Entry]) -> list[Entry]:
    """Broadest first: a class before its drugs, so "PD-1" offers "PD-1 inhibitors" first."""
    return sorted(entries, key=lambda e: (_KIND_ORDER[e.kind], e.name.lower()))


@dataclass(frozen=True)
class Hit:
    """A span of the query that names entries."""

    start: int
    length: int
    ids: tuple[str, ...]
    how: str  # "exact", "target", "fuzzy"
    matched: str = ""


@dataclass(frozen=True)
class Match:
    """The outcome of resolving a query."""

    query: str
    entry: Entry | None = None
    choices: tuple[Entry, ...] = ()
    suggestions: tuple[Entry, ...] = ()
    also: tuple[Entry, ...] = ()
    how: str = ""
    corrected_from: str = ""

    @property
    def found(self) -> bool:
        return self.entry is not None

    @property
    def ambiguous(self) -> bool:
        return self.entry is None and bool(self.choices)


@dataclass
class Index:
    """Lookup structures over one Knowledge."""

    knowledge: Knowledge
    exact: dict[str, tuple[str, ...]] = field(default_factory=dict)
    secondary: dict[str, tuple[str, ...]] = field(default_factory=dict)
    acronyms: set[str] = field(default_factory=set)
    deletes: dict[str, list[str]] = field(default_factory=dict)
    by_length: dict[int, list[str]] = field(default_factory=dict)
    token_entries: dict[str, set[str]] = field(default_factory=dict)
    display: dict[str, str] = field(default_factory=dict)
    short: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, knowledge: Knowledge) -> Index:
        exact: dict[str, list[str]] = defaultdict(list)
        secondary: dict[str, list[str]] = defaultdict(list)
        token_entries: dict[str, set[str]] = defaultdict(set)
        index = cls(knowledge)
        for entry in knowledge.entries.values():
            for name in entry.names:
                key = words.key(name)
                if not key:
                    continue
                if entry.id not in exact[key]:
                    exact[key].append(entry.id)
                index.display.setdefault(key, name)
                index.short.setdefault(key, _short_tokens(words.tokens(name)))
                if key in _COMMON_WORDS and name.isupper():
                    index.acronyms.add(key)
                for token in words.tokens(name):
                    if token not in STOPWORDS and len(token) > 2:
                        token_entries[token].add(entry.id)
            if isinstance(entry, Drug) and entry.target:
                secondary[words.key(entry.target)].append(entry.id)
        for class_id, target in knowledge.class_targets.items():
            secondary[words.key(target)].append(class_id)
        index.exact = {k: tuple(v) for k, v in exact.items()}
        index.secondary = {k: tuple(v) for k, v in secondary.items() if k not in index.exact}
        index.token_entries = dict(token_entries)
        deletes: dict[str, list[str]] = defaultdict(list)
        by_length: dict[int, list[str]] = defaultdict(list)
        for key in index.exact:
            if max_edits(len(key)):
                by_length[len(key)].append(key)
                for variant in _deletes(key):
                    deletes[variant].append(key)
        index.deletes = dict(deletes)
        index.by_length = dict(by_length)
        return index

    @cached_property
    def suggestion_keys(self) -> list[str]:
        return list(self.exact)

    # -- scanning -------------------------------------------------------------------------------

    def _exact_hits(self, toks: list[str], raw: list[str]) -> list[Hit]:
        hits = []
        for n in range(min(MAX_NGRAM, len(toks)), 0, -1):
            for i in range(len(toks) - n + 1):
                key = "".join(toks[i:i + n])
                ids = self.exact.get(key)
                how = "exact"
                if ids is None:
                    ids = self.secondary.get(key)
                    how = "target"
                if ids is None:
                    continue
                if key in self.acronyms and not (n == 1 and raw[i].isupper()):
                    continue
                if n == 1 and how == "exact" and toks[i] in STOPWORDS and not raw[i].isupper():
                    continue
                hits.append(Hit(i, n, ids, how, key))
        return hits

    def _fuzzy_key(self, key: str, short: frozenset[str] = frozenset()
                   ) -> tuple[int, str] | None:
        """The closest indexed key within the typo allowance, as (distance, key).

        A typo changes letters inside a word; it never turns "PD-1" into "PD-L1" or "type 2"
        into "type 1", so candidates whose short tokens and digits differ are not typos.
        """
        allowed = max_edits(len(key))
        if not allowed:
            return None
        candidates: set[str] = set(self.deletes.get(key, ()))
        if key in self.exact:
            return 0, key
        for variant in _deletes(key):
            if variant in self.exact:
                candidates.add(variant)
            candidates.update(self.deletes.get(variant, ()))
        best: tuple[int, str] | None = None
        for candidate in candidates:
            if max_edits(len(candidate)) == 0 or self.short.get(candidate, frozenset()) != short:
                continue
            distance = OSA.distance(key, candidate, score_cutoff=allowed)
            if distance <= min(allowed, max_edits(len(candidate))) and (
                    best is None or (distance, -len(candidate)) < (best[0], -len(best[1]))):
                best = (distance, candidate)
        if best is None and allowed >= 2:
            best = self._two_edit_scan(key, short)
        return best

    def _two_edit_scan(self, key: str, short: frozenset[str]) -> tuple[int, str] | None:
        """Two typos in a long word: compare against keys of similar length sharing an end."""
        best: tuple[int, str] | None = None
        for length in range(len(key) - 2, len(key) + 3):
            for candidate in self.by_length.get(length, ()):
                if candidate[:2] != key[:2] and candidate[-3:] != key[-3:]:
                    continue
                if self.short.get(candidate, frozenset()) != short:
                    continue
                distance = OSA.distance(key, candidate, score_cutoff=2)
                if distance <= min(2, max_edits(len(candidate))) and (
                        best is None or distance < best[0]):
                    best = (distance, candidate)
        return best

    def _fuzzy_hits(self, toks: list[str]) -> list[Hit]:
        hits = []
        for n in range(min(5, len(toks)), 0, -1):
            for i in range(len(toks) - n + 1):
                span = toks[i:i + n]
                if all(t in STOPWORDS for t in span) or span[0] in STOPWORDS or \
                        span[-1] in STOPWORDS:
                    continue
                found = self._fuzzy_key("".join(span), _short_tokens(span))
                if found and found[0] > 0:
                    hits.append(Hit(i, n, self.exact[found[1]], "fuzzy", found[1]))
        return hits

    @staticmethod
    def _select(hits: list[Hit]) -> list[Hit]:
        """Keep the longest non-overlapping hits, in the order they appear in the query."""
        taken: set[int] = set()
        chosen = []
        order = {"exact": 0, "target": 1, "fuzzy": 2, "partial": 3}
        for hit in sorted(hits, key=lambda h: (-h.length, order[h.how], h.start)):
            span = set(range(hit.start, hit.start + hit.length))
            if span & taken:
                continue
            taken |= span
            chosen.append(hit)
        return sorted(chosen, key=lambda h: h.start)

    def scan(self, text: str, *, fuzzy: bool = True) -> list[Hit]:
        """Every span of `text` that names entries, longest first where spans overlap."""
        toks = words.tokens(text)
        raw = _raw_tokens(text)
        if len(raw) != len(toks):  # defensive: alignment only matters for the acronym rule
            raw = toks
        hits = self._exact_hits(toks, raw)
        if fuzzy:
            covered = {i for h in hits for i in range(h.start, h.start + h.length)}
            hits += [h for h in self._fuzzy_hits(toks)
                     if not covered & set(range(h.start, h.start + h.length))]
        return self._select(hits)

    def _partial(self, text: str) -> list[str]:
        """Entries whose names contain every subject word of the query ("lung cancer")."""
        content = [t for t in words.tokens(text) if t not in STOPWORDS]
        if not content:
            return []
        sets = [self.token_entries.get(t) for t in content]
        if any(s is None for s in sets):
            return []
        common = set.intersection(*sets)  # type: ignore[arg-type]
        return sorted(common)

    def _partial_hit(self, text: str, hits: list[Hit]) -> list[Hit]:
        """The words no name covered ("colitis" in "colitis from ipilimumab"), when together
        they are part of exactly one entry's name."""
        toks = words.tokens(text)
        covered = {i for h in hits for i in range(h.start, h.start + h.length)}
        rest = [(i, t) for i, t in enumerate(toks) if i not in covered and t not in STOPWORDS]
        if not rest or not hits:
            return []
        ids = self._partial(" ".join(t for _, t in rest))
        if len(ids) != 1:
            return []
        return [Hit(rest[0][0], len(rest), (ids[0],), "partial")]

    def suggest(self, text: str, limit: int = 3, kind: Kind | None = None) -> list[Entry]:
        """Names that look like the query: offered as "did you mean", never as the answer."""
        content = "".join(t for t in words.tokens(text) if t not in STOPWORDS)
        if len(content) < 3:
            return []
        out: list[Entry] = []
        for key, _score, _ in process.extract(content, self.suggestion_keys,
                                              scorer=fuzz.ratio, limit=12, score_cutoff=60):
            for entry_id in self.exact[key]:
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

    def resolve(self, text: str, kind: Kind | None = None, prefer: tuple[Kind, ...] = ()
                ) -> Match:
        """The one entry `text` is about, a set of choices, or a miss with suggestions."""
        entries = self.knowledge.entries

        def allowed(ids: tuple[str, ...] | list[str]) -> list[Entry]:
            found = [entries[i] for i in ids]
            return [e for e in found if kind is None or e.kind is kind]

        hits = self.scan(text)
        hits += self._partial_hit(text, hits)
        candidates: list[tuple[Hit, list[Entry]]] = [(h, allowed(h.ids)) for h in hits]
        candidates = [(h, es) for h, es in candidates if es]
        singles = [(h, es[0]) for h, es in candidates if len(es) == 1]
        if singles:
            ranked = sorted(singles, key=lambda pair: (
                pair[1].kind not in prefer if prefer else False,
                pair[0].how in ("fuzzy", "partial"), -pair[0].length, pair[0].start))
            best_hit, best = ranked[0]
            also = tuple(dict.fromkeys(e for _, e in singles if e is not best))
            corrected = self.display.get(best_hit.matched, "") if best_hit.how == "fuzzy" else ""
            return Match(text, entry=best, also=also, how=best_hit.how, corrected_from=corrected)
        if candidates:
            hit, choices = candidates[0]
            return Match(text, choices=tuple(_kind_order(choices)[:MAX_CHOICES]), how=hit.how)
        partial = allowed(self._partial(text))
        if len(partial) == 1:
            return Match(text, entry=partial[0], how="partial")
        if 1 < len(partial) <= MAX_CHOICES:
            return Match(text, choices=tuple(_kind_order(partial)), how="partial")
        return Match(text, suggestions=tuple(self.suggest(text, kind=kind)), how="miss")
