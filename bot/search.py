"""Resolve what a user typed to entries: exact names first, then typos, then partial names.

The index is built once per Knowledge. An exact name, brand or alias hit is a dictionary lookup
whatever the size of the knowledge; typo tolerance uses a symmetric-deletion index (every key with
one character removed), so a fuzzy lookup is also a handful of dictionary probes plus an edit-
distance check on the few candidates. A query that matches nothing confidently is a Miss with
suggestions, never the nearest unrelated entry.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise

from bot import words
from bot.knowledge import Drug, Entry, Kind, Knowledge, SideEffect, TherapyClass

#: Longest name, in words, that an n-gram scan looks for.
MAX_NGRAM = 8
#: Ambiguous partial names offer at most this many choices; more than that is not a choice.
MAX_CHOICES = 6
#: A word pair in the prose of at least this many entries is a stock phrase of the writing.
ORDINARY_PHRASE_ENTRIES = 3

# Words that carry no subject: question words, fillers, and the words that pick a section.
STOPWORDS = frozenset(
    words.stem(w)
    for w in """
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
from into via patient patients pt pts day days week weeks month months post since start
started starting first dose dosing cycle cycles
""".split()
)

# Short acronyms that are also everyday words count only when typed in capitals ("ALL", "ACT").
_COMMON_WORDS = frozenset(
    """
all act can may was has his her are per man men car cat aim arm art bad bed big bit box cut day
did end eye far few fit fun gas hot ill key kit lab lot low mad mas max mix mom net new now old
one out own pay pet put ran ray red run sad set sit six sun tan tap ten top try two use van war
way wet win yes yet zip dim sum bat mid pal cap cup dot fat fan
""".split()
)

_RAW_TOKEN_RE = re.compile(r"[A-Za-z0-9]+")


def _raw_tokens(text: str) -> list[str]:
    """Tokens with their case kept, aligned one-to-one with words.tokens()."""
    text = words._POSSESSIVE_RE.sub("", text)
    text = words._SYMBOL_RE.sub(lambda m: words._SYMBOLS[m.group(0)], text)
    if not text.isascii():
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


def _distance(a: str, b: str, score_cutoff: int) -> int:
    """Edit distance with adjacent swaps (rapidfuzz's OSA, imported on the first typo so that a
    start and an exact hit never pay for it)."""
    from rapidfuzz.distance import OSA

    return OSA.distance(a, b, score_cutoff=score_cutoff)


def _short_tokens(toks: list[str]) -> frozenset[str]:
    """Letters and numbers that tell entries apart (PD-1/PD-L1, type 1/type 2, hepatitis B)."""
    return frozenset(t for t in toks if len(t) <= 2 or t.isdigit())


def _deletes(key: str) -> set[str]:
    return {key[:i] + key[i + 1 :] for i in range(len(key))}


_KIND_ORDER = {Kind.CLASS: 0, Kind.DRUG: 1, Kind.SIDE_EFFECT: 2, Kind.CANCER: 3}
#: When a question names several entries and its words pick no section, the most specific
#: wins: "CRS after cilta-cel" is about CRS, "pembrolizumab in melanoma" about the drug.
DEFAULT_PREFERENCE = (Kind.SIDE_EFFECT, Kind.DRUG, Kind.CLASS, Kind.CANCER)
_HOW_ORDER = {"exact": 0, "derived": 1, "target": 2, "fuzzy": 3, "context": 4, "partial": 5}
_TARGET_SPLIT_RE = re.compile(r"\s*(?:×|\bx\b|\band\b|/|,|\+)\s*", re.I)
_PARENTHETICAL_RE = re.compile(r"\s*\([^)]*\)")


def derived_names(name: str) -> list[str]:
    """Shorter forms a display name implies: "Cytokine release syndrome (CRS)" is also
    "Cytokine release syndrome"; "Hyperthyroidism / thyroiditis" is also each half."""
    out = []
    bare = _PARENTHETICAL_RE.sub("", name).strip()
    if bare and bare != name:
        out.append(bare)
    if " / " in bare:
        out.extend(part.strip() for part in bare.split(" / ") if part.strip())
    return out


def _kind_order(entries: list[Entry]) -> list[Entry]:
    """Broadest first: a class before its drugs, so "PD-1" offers "PD-1 inhibitors" first."""
    return sorted(entries, key=lambda e: (_KIND_ORDER[e.kind], e.name.lower()))


@dataclass(frozen=True)
class Hit:
    """A span of the query that names entries."""

    start: int
    length: int
    ids: tuple[str, ...]
    how: str  # "exact", "derived", "target", "fuzzy", "partial"
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
    derived: dict[str, tuple[str, ...]] = field(default_factory=dict)
    secondary: dict[str, tuple[str, ...]] = field(default_factory=dict)
    acronyms: set[str] = field(default_factory=set)
    token_entries: dict[str, set[str]] = field(default_factory=dict)
    display: dict[str, str] = field(default_factory=dict)
    short: dict[str, frozenset[str]] = field(default_factory=dict)
    single_words: list[str] = field(default_factory=list)
    memo: dict = field(default_factory=dict)  # rendered cards, see bot.commands
    # Word sets derived from one entry on first use (its linked side effects, the words that
    # describe it), keyed by (what, entry id).
    per_entry: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, knowledge: Knowledge) -> Index:
        exact: dict[str, list[str]] = defaultdict(list)
        derived: dict[str, set[str]] = defaultdict(set)
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
                if len(words.tokens(name)) == 1 and len(key) >= 6:
                    index.single_words.append(key)
                if key in _COMMON_WORDS and name.isupper():
                    index.acronyms.add(key)
                for token in _name_words(words.tokens(name)):
                    if token not in STOPWORDS and len(token) > 2:
                        token_entries[token].add(entry.id)
                for other in derived_names(name):
                    other_key = words.key(other)
                    if other_key:
                        derived[other_key].add(entry.id)
                        index.display.setdefault(other_key, other)
                        index.short.setdefault(other_key, _short_tokens(words.tokens(other)))
            if isinstance(entry, Drug) and entry.target:
                for target in _target_names(entry.target):
                    secondary[words.key(target)].append(entry.id)
        for class_id, target in knowledge.class_targets.items():
            for part in _target_names(target):
                secondary[words.key(part)].append(class_id)
        index.exact = {k: tuple(v) for k, v in exact.items()}
        # A derived form is only a name when it is nobody's alias and leads to one entry.
        index.derived = {
            k: tuple(v) for k, v in derived.items() if k not in index.exact and len(v) == 1
        }
        index.secondary = {
            k: tuple(dict.fromkeys(v))
            for k, v in secondary.items()
            if k and k not in index.exact and k not in index.derived
        }
        index.token_entries = dict(token_entries)
        index.single_words = sorted(set(index.single_words))
        return index

    # The typo structures are built on the first typo, not at start: most questions name an
    # entry exactly, and a cold start should not wait for what it may never need.

    @cached_property
    def deletes(self) -> dict[str, list[str]]:
        """Every name key with one character removed → the keys it came from."""
        deletes: dict[str, list[str]] = defaultdict(list)
        for key in (*self.exact, *self.derived):
            if max_edits(len(key)):
                for variant in _deletes(key):
                    deletes[variant].append(key)
        return dict(deletes)

    @cached_property
    def token_deletes(self) -> dict[str, list[str]]:
        deletes: dict[str, list[str]] = defaultdict(list)
        for token in self.token_entries:
            if max_edits(len(token)):
                for variant in _deletes(token):
                    deletes[variant].append(token)
        return dict(deletes)

    @cached_property
    def _long_keys(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """Long keys by their first two and last three letters, for two-typo matching."""
        by_start: dict[str, list[str]] = defaultdict(list)
        by_end: dict[str, list[str]] = defaultdict(list)
        for key in (*self.exact, *self.derived):
            if len(key) >= 7:
                by_start[key[:2]].append(key)
                by_end[key[-3:]].append(key)
        return dict(by_start), dict(by_end)

    def named(self, key: str) -> tuple[str, ...] | None:
        """The entries a key names exactly (an alias, or a form derived from a name)."""
        return self.exact.get(key) or self.derived.get(key)

    @cached_property
    def _suggestion_buckets(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        by_start: dict[str, list[str]] = defaultdict(list)
        by_end: dict[str, list[str]] = defaultdict(list)
        for key in self.exact:
            by_start[key[:2]].append(key)
            by_end[key[-3:]].append(key)
        return dict(by_start), dict(by_end)

    # -- scanning -------------------------------------------------------------------------------

    def _exact_hits(self, toks: list[str], raw: list[str]) -> list[Hit]:
        hits = []
        for n in range(min(MAX_NGRAM, len(toks)), 0, -1):
            for i in range(len(toks) - n + 1):
                key = words.join(toks[i : i + n])
                ids, how = self.exact.get(key), "exact"
                if ids is None:
                    ids, how = self.derived.get(key), "derived"
                if ids is None:
                    ids, how = self.secondary.get(key), "target"
                if ids is None:
                    continue
                if key in self.acronyms and not (n == 1 and raw[i].isupper()):
                    continue
                if n == 1 and how != "target" and toks[i] in STOPWORDS and not raw[i].isupper():
                    continue
                if _qualified(raw, i + n):
                    continue
                hits.append(Hit(i, n, ids, how, key))
        return hits

    def _close_keys(self, key: str, short: frozenset[str]) -> tuple[int, list[str]]:
        """The indexed keys nearest to `key` within its typo allowance: (distance, keys).

        A typo changes letters inside a word; it never turns "PD-1" into "PD-L1" or "type 2"
        into "type 1", so candidates whose short tokens and digits differ are not typos.
        """
        allowed = max_edits(len(key))
        if not allowed:
            return 0, []
        candidates: set[str] = set(self.deletes.get(key, ()))
        for variant in _deletes(key):
            if self.named(variant):
                candidates.add(variant)
            candidates.update(self.deletes.get(variant, ()))
        best, found = allowed + 1, []
        for candidate in sorted(candidates):
            limit = max_edits(max(len(key), len(candidate)))
            if not limit or self.short.get(candidate, frozenset()) != short:
                continue
            distance = _distance(key, candidate, score_cutoff=limit)
            if distance > limit or distance > best:
                continue
            if distance < best:
                best, found = distance, []
            found.append(candidate)
        if not found and allowed >= 2:
            return self._two_edit_scan(key, short)
        return best, found

    def _two_edit_scan(self, key: str, short: frozenset[str]) -> tuple[int, list[str]]:
        """Two typos in a long word: compare against keys of similar length sharing an end."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        best, found = 3, []
        by_start, by_end = self._long_keys
        close: dict[str, int] = {}
        for pool in (by_start.get(key[:2], ()), by_end.get(key[-3:], ())):
            for candidate, distance, _ in process.extract(
                key, pool, scorer=OSA.distance, score_cutoff=2, limit=None
            ):
                close[candidate] = distance
        for candidate, distance in close.items():
            if abs(len(candidate) - len(key)) > 2:
                continue
            if self.short.get(candidate, frozenset()) != short:
                continue
            if distance > max_edits(max(len(key), len(candidate))) or distance > best:
                continue
            if distance < best:
                best, found = distance, []
            found.append(candidate)
        return best, sorted(found)

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
        for n in range(min(5, len(toks)), 0, -1):
            for i in range(len(toks) - n + 1):
                if reach[i] >= i + n:
                    continue  # a typo match inside an exact name could never replace it
                span = toks[i : i + n]
                if span[0] in STOPWORDS or span[-1] in STOPWORDS:
                    continue
                key = words.join(span)
                if self.named(key):
                    continue
                _, keys = self._close_keys(key, _short_tokens(span))
                if not keys and n == 1:
                    keys = self._completion(key)
                if not keys:
                    continue
                ids = tuple(dict.fromkeys(i for k in keys for i in self.named(k) or ()))
                hits.append(Hit(i, n, ids, "fuzzy", keys[0]))
        return hits

    def _completion(self, key: str) -> list[str]:
        """A clear abbreviation of a one-word name: "cetux" for cetuximab, "cholangio" for
        cholangiocarcinoma; only when exactly one entry's name starts that way."""
        if len(key) < 4 or key.isdigit():
            return []
        at = bisect.bisect_left(self.single_words, key)
        found = []
        while at < len(self.single_words) and self.single_words[at].startswith(key):
            if len(self.single_words[at]) - len(key) >= 2:
                found.append(self.single_words[at])
            at += 1
        entries = {i for k in found for i in self.named(k) or ()}
        return found[:1] if len(entries) == 1 else []

    @staticmethod
    def _select(hits: list[Hit]) -> list[Hit]:
        """Keep the longest non-overlapping hits, in the order they appear in the query."""
        taken: set[int] = set()
        chosen = []
        for hit in sorted(hits, key=lambda h: (-h.length, _HOW_ORDER[h.how], h.start)):
            span = set(range(hit.start, hit.start + hit.length))
            if span & taken:
                continue
            taken |= span
            chosen.append(hit)
        return sorted(chosen, key=lambda h: h.start)

    def scan(self, text: str, *, fuzzy: bool = True) -> list[Hit]:
        """Every span of `text` that names entries, longest first where spans overlap."""
        return self._scan(words.tokens(text), _raw_tokens(text), fuzzy=fuzzy)

    def _scan(self, toks: list[str], raw: list[str], *, fuzzy: bool = True) -> list[Hit]:
        """A typo match may override a shorter exact one it overlaps ("cytokine relase
        syndrome" is the syndrome, though "cytokine" alone names a class)."""
        if len(raw) != len(toks):  # defensive: alignment only matters for the acronym rule
            raw = toks
        hits = self._exact_hits(toks, raw)
        if fuzzy:
            # longest[t]: the longest hit so far covering token t; checking a typo hit against
            # it is O(its length), not a pass over every hit (quadratic on long texts).
            longest = [0] * len(toks)
            for h in hits:
                for t in range(h.start, h.start + h.length):
                    longest[t] = max(longest[t], h.length)
            for hit in self._fuzzy_hits(toks, hits):
                span = range(hit.start, hit.start + hit.length)
                if all(hit.length > longest[t] for t in span):
                    hits.append(hit)
                    for t in span:
                        longest[t] = hit.length
        return self._select(hits)

    def _token_like(self, token: str) -> str | None:
        """The name word a query word stands for: itself, a typo of one, or a clear prefix
        ("hypothyroid" for "hypothyroidism")."""
        if token in self.token_entries:
            return token
        allowed = max_edits(len(token))
        if allowed:
            candidates = set(self.token_deletes.get(token, ()))
            for variant in _deletes(token):
                if variant in self.token_entries:
                    candidates.add(variant)
                candidates.update(self.token_deletes.get(variant, ()))
            close = sorted(
                c
                for c in candidates
                if _distance(token, c, score_cutoff=1) <= 1 and not (token.isdigit() or c.isdigit())
            )
            if len(close) == 1:
                return close[0]
        if len(token) >= 7:
            longer = [
                t
                for t in self._tokens_by_prefix.get(token[:7], ())
                if t.startswith(token) and len(t) - len(token) <= 4
            ]
            if len(longer) == 1:
                return longer[0]
        return None

    @cached_property
    def _tokens_by_prefix(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for token in self.token_entries:
            if len(token) >= 7:
                out[token[:7]].append(token)
        return dict(out)

    def partial(self, text: str) -> list[str]:
        """Entries whose names contain every subject word of the query ("lung cancer")."""
        return self._partial_tokens(words.tokens(text))

    def _partial_tokens(self, toks: list[str]) -> list[str]:
        content = [t for t in _name_words(toks) if t not in STOPWORDS]
        if not content:
            return []
        sets = []
        for token in content:
            known = self._token_like(token)
            if known is None:
                return []
            sets.append(self.token_entries[known])
        return sorted(set.intersection(*sets))

    def _partial_hit(self, toks: list[str], hits: list[Hit]) -> list[Hit]:
        """The words no name covered ("colitis" in "colitis from ipilimumab"), when together
        they are part of exactly one entry's name."""
        covered = {i for h in hits for i in range(h.start, h.start + h.length)}
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
        toks = words.tokens(text) if toks is None else toks
        content = "".join(t for t in toks if t not in STOPWORDS)
        if len(content) < 3:
            return []
        out: list[Entry] = []
        from rapidfuzz import fuzz, process

        cutoff = 60 if len(content) >= 5 else 80  # "lol" is not a near miss of "ALL"
        # Near names share a beginning or an end with the query; comparing against those only
        # keeps a miss as cheap at 100 times the knowledge as at 1.
        by_start, by_end = self._suggestion_buckets
        scored: dict[str, float] = {}
        for pool in (by_start.get(content[:2], ()), by_end.get(content[-3:], ())):
            for key, score, _ in process.extract(
                content, pool, scorer=fuzz.ratio, limit=12, score_cutoff=cutoff
            ):
                scored[key] = score
        ranked = sorted(scored.items(), key=lambda item: (-item[1], item[0]))[:12]
        for key, _score in ranked:
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

    @cached_property
    def _vocabulary(self) -> dict[str, dict[str, int]]:
        """Per side effect, the words that point at it: its names (weight 2) and the words of
        its symptoms, grading and organ system (weight 1), less words most side effects share.
        Used only when a drug or class is named too, among that drug's own side effects."""
        raw: dict[str, dict[str, int]] = {}
        ordinary = self._ordinary_phrases
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
    def _ordinary_phrases(self) -> frozenset[tuple[str, str]]:
        """Word pairs found in the prose of several entries ("for example", "such as"): stock
        phrases of the writing, so their words say nothing about any one side effect."""
        seen: dict[tuple[str, str], int] = defaultdict(int)
        for entry in self.knowledge.entries.values():
            texts = [entry.summary]
            if isinstance(entry, SideEffect):
                texts += [entry.onset, entry.escalate]
                texts += [g.text for g in (*entry.grades, *entry.management)]
            pairs = set()
            for text in texts:
                toks = words.tokens(text)
                pairs.update(pairwise(toks))
            for pair in pairs:
                seen[pair] += 1
        return frozenset(pair for pair, count in seen.items() if count >= ORDINARY_PHRASE_ENTRIES)

    def _linked_side_effects(self, entry: Entry) -> frozenset[str]:
        """The side effects a drug or class is known to cause."""
        cached = self.per_entry.get(("linked", entry.id))
        if cached is None:
            cached = self.per_entry[("linked", entry.id)] = frozenset(self._find_linked(entry))
        return cached

    def _find_linked(self, entry: Entry) -> set[str]:
        classes: set[str] = set()
        linked: set[str] = set()
        if isinstance(entry, Drug):
            linked.update(entry.side_effects)
            for class_id in entry.classes:
                classes.update(self.knowledge.class_lineage(class_id))
        elif isinstance(entry, TherapyClass):
            linked.update(entry.hallmark_toxicities)
            classes.update(self.knowledge.class_lineage(entry.id))
            classes.update(self.knowledge.class_with_descendants(entry.id))
            for drug in self.knowledge.drugs_in_class(entry.id):
                linked.update(drug.side_effects)
        by_class = self.knowledge.side_effects_by_class
        for class_id in classes:
            linked.update(by_class.get(class_id, ()))
        return linked

    def _context_side_effect(
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
            vocab = self._vocabulary.get(effect_id, {})
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

    def _with_context(
        self, toks: list[str], singles: list[tuple[Hit, Entry]]
    ) -> list[tuple[Hit, Entry]]:
        """When a drug or class is named, read the other words as one of its side effects.

        A side effect named outright but not caused by that drug (the checkpoint-inhibitor
        "rash" beside an anti-EGFR antibody) gives way to one the drug does cause."""
        agents = [e for h, e in singles if e.kind in (Kind.DRUG, Kind.CLASS) and h.how != "partial"]
        if not agents:
            return singles
        linked: set[str] = set()
        for agent in agents:
            linked |= self._linked_side_effects(agent)
        effects = [(h, e) for h, e in singles if e.kind is Kind.SIDE_EFFECT]
        if any(e.id in linked and h.how != "partial" for h, e in effects):
            return singles
        covered = {
            i
            for h, e in singles
            if e.kind in (Kind.DRUG, Kind.CLASS)
            for i in range(h.start, h.start + h.length)
        }
        agent_words = {t for agent in agents for t in self._agent_words(agent)}
        found = self._context_side_effect(toks, covered, linked, agent_words)
        if found is None:
            return singles
        start = min((i for i in range(len(toks)) if i not in covered), default=0)
        kept = [(h, e) for h, e in singles if e.kind is not Kind.SIDE_EFFECT]
        return [*kept, (Hit(start, 1, (found,), "context"), self.knowledge.entries[found])]

    def _agent_words(self, agent: Entry) -> frozenset[str]:
        """Words that describe how an agent is given and works (cached per entry)."""
        cached = self.per_entry.get(("agent-words", agent.id))
        if cached is None:
            texts = (
                getattr(agent, "administration", ""),
                getattr(agent, "mechanism", ""),
                getattr(agent, "target", ""),
            )
            cached = frozenset(t for text in texts for t in words.tokens(text))
            self.per_entry[("agent-words", agent.id)] = cached
        return cached

    def _narrow(self, many: tuple[str, ...], singles: list[tuple[Hit, Entry]]) -> list[str]:
        """A target named beside a class picks that class's drugs with the target ("CD19
        BiTE" is blinatumomab, not every CD19 therapy)."""
        classes = [e for _, e in singles if e.kind is Kind.CLASS]
        for entry in classes:
            members = {d.id for d in self.knowledge.drugs_in_class(entry.id)}
            both = [i for i in many if i in members]
            if both:
                return both
        return []

    def resolve(self, text: str, kind: Kind | None = None, prefer: tuple[Kind, ...] = ()) -> Match:
        """The one entry `text` is about, a set of choices, or a miss with suggestions."""
        entries = self.knowledge.entries

        def allowed(ids: tuple[str, ...] | list[str]) -> list[Entry]:
            found = [entries[i] for i in ids]
            return [e for e in found if kind is None or e.kind is kind]

        toks = words.tokens(text)
        hits = self._scan(toks, _raw_tokens(text))
        hits += self._partial_hit(toks, hits)
        candidates: list[tuple[Hit, list[Entry]]] = [(h, allowed(h.ids)) for h in hits]
        candidates = [(h, es) for h, es in candidates if es]
        singles = [(h, es[0]) for h, es in candidates if len(es) == 1]
        if kind in (None, Kind.SIDE_EFFECT):
            singles = self._with_context(toks, singles)
        for hit, many in candidates:
            if len(many) > 1:
                narrowed = allowed(self._narrow(tuple(e.id for e in many), singles))
                if len(narrowed) == 1:
                    singles = [(h, e) for h, e in singles if e.kind is not Kind.CLASS]
                    singles.append((hit, narrowed[0]))
        order = prefer or DEFAULT_PREFERENCE
        if singles:
            ranked = sorted(
                singles,
                key=lambda pair: (
                    pair[0].how == "partial",
                    order.index(pair[1].kind) if pair[1].kind in order else len(order),
                    pair[0].how in ("fuzzy", "context"),
                    pair[0].start,
                ),
            )
            best_hit, best = ranked[0]
            also = tuple(dict.fromkeys(e for _, e in singles if e is not best))
            corrected = self.display.get(best_hit.matched, "") if best_hit.how == "fuzzy" else ""
            return Match(text, entry=best, also=also, how=best_hit.how, corrected_from=corrected)
        if candidates:
            hit, choices = candidates[0]
            return Match(text, choices=tuple(_kind_order(choices)[:MAX_CHOICES]), how=hit.how)
        partial = allowed(self._partial_tokens(toks))
        if len(partial) == 1:
            return Match(text, entry=partial[0], how="partial")
        if 1 < len(partial) <= MAX_CHOICES:
            return Match(text, choices=tuple(_kind_order(partial)), how="partial")
        return Match(text, suggestions=tuple(self.suggest(text, kind=kind, toks=toks)), how="miss")


def _name_words(toks: list[str]) -> list[str]:
    """Words for partial matching, "non" joined to its word: a "non-Hodgkin lymphoma" is not
    a Hodgkin lymphoma, and "non small cell" is not small cell."""
    out: list[str] = []
    for token in toks:
        if out and out[-1] == "non":
            out[-1] = "non" + token
        else:
            out.append(token)
    return out


def _qualified(raw: list[str], after: int) -> bool:
    """A name followed by a lone letter is another thing: "hepatitis C" is not hepatitis."""
    if after >= len(raw):
        return False
    word = raw[after]
    if after + 1 < len(raw) and len(raw[after + 1]) == 1:
        return False  # "c/o", "s/p": shorthand, not a qualifier
    return len(word) == 1 and word.isalpha() and word.lower() not in ("a", "i", "x", "w")


def _target_names(target: str) -> list[str]:
    """A target and its parts: "CD19 × CD3" names CD19 and CD3 as well as the pair."""
    parts = [p for p in _TARGET_SPLIT_RE.split(target) if p.strip()]
    return [target, *parts] if len(parts) > 1 else [target]
