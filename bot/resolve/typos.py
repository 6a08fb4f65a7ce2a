"""Typo tolerance: a symmetric-deletion index, edit distance, completions and near names.

Every key with one character removed points back at the key, so a fuzzy lookup is a handful of
dictionary probes plus an edit-distance check on the few candidates, as cheap at 100 times the
knowledge as at 1. The structures are built on the first typo, not at start: most questions name
an entry exactly, and a cold start should not wait for what it may never need.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from bot.resolve.names import NameTable


def max_edits(length: int) -> int:
    """How many typing mistakes a key of this length tolerates."""
    if length < 5:
        return 0
    if length < 9:
        return 1
    return 2


def distance(a: str, b: str, score_cutoff: int) -> int:
    """Edit distance with adjacent swaps (rapidfuzz's OSA, imported on the first typo so that a
    start and an exact hit never pay for it)."""
    from rapidfuzz.distance import OSA

    return int(OSA.distance(a, b, score_cutoff=score_cutoff))


def deletes(key: str) -> set[str]:
    """The key with each one of its characters removed."""
    return {key[:i] + key[i + 1 :] for i in range(len(key))}


def _deletion_index(keys: Iterable[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        if max_edits(len(key)):
            for variant in deletes(key):
                out[variant].append(key)
    return dict(out)


def _by_ends(keys: Iterable[str]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Keys by their first two and last three letters."""
    by_start: dict[str, list[str]] = defaultdict(list)
    by_end: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        by_start[key[:2]].append(key)
        by_end[key[-3:]].append(key)
    return dict(by_start), dict(by_end)


#: Keys by (an end of the key, its length).
_Buckets = dict[tuple[str, int], list[str]]


@dataclass(eq=False)
class Typos:
    """Near-name lookups over one NameTable."""

    names: NameTable

    @cached_property
    def key_deletes(self) -> dict[str, list[str]]:
        """Every name key with one character removed → the keys it came from."""
        return _deletion_index((*self.names.exact, *self.names.derived))

    @cached_property
    def token_deletes(self) -> dict[str, list[str]]:
        """The same for the single words of names (for partial names with a typo)."""
        return _deletion_index(self.names.token_entries)

    @cached_property
    def _long_keys(self) -> tuple[_Buckets, _Buckets]:
        """Long keys by their first two or last three letters and their length, for two-typo
        matching: two typos change the length by at most two, so only five lengths are
        compared (at 100 times the knowledge a whole two-letter bucket is thousands of keys)."""
        by_start: _Buckets = defaultdict(list)
        by_end: _Buckets = defaultdict(list)
        for key in (*self.names.exact, *self.names.derived):
            if len(key) >= 7:
                by_start[key[:2], len(key)].append(key)
                by_end[key[-3:], len(key)].append(key)
        return dict(by_start), dict(by_end)

    @cached_property
    def _suggestion_buckets(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        return _by_ends(self.names.exact)

    @cached_property
    def _tokens_by_prefix(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for token in self.names.token_entries:
            if len(token) >= 7:
                out[token[:7]].append(token)
        return dict(out)

    def close_keys(self, key: str, short: frozenset[str]) -> tuple[int, list[str]]:
        """The indexed keys nearest to `key` within its typo allowance: (distance, keys).

        A typo changes letters inside a word; it never turns "PD-1" into "PD-L1" or "type 2"
        into "type 1", so candidates whose short tokens and digits differ are not typos.
        """
        allowed = max_edits(len(key))
        if not allowed:
            return 0, []
        candidates: set[str] = set(self.key_deletes.get(key, ()))
        for variant in deletes(key):
            if self.names.named(variant):
                candidates.add(variant)
            candidates.update(self.key_deletes.get(variant, ()))
        best, found = allowed + 1, list[str]()
        for candidate in sorted(candidates):
            limit = max_edits(max(len(key), len(candidate)))
            if not limit or self.names.short.get(candidate, frozenset()) != short:
                continue
            dist = distance(key, candidate, score_cutoff=limit)
            if dist > limit or dist > best:
                continue
            if dist < best:
                best, found = dist, []
            found.append(candidate)
        if not found and allowed >= 2:
            return self._two_edit_scan(key, short)
        return best, found

    def _two_edit_scan(self, key: str, short: frozenset[str]) -> tuple[int, list[str]]:
        """Two typos in a long word: compare against keys of similar length sharing an end."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        best, found = 3, list[str]()
        by_start, by_end = self._long_keys
        close: dict[str, int] = {}
        for length in range(len(key) - 2, len(key) + 3):
            for pool in (by_start.get((key[:2], length), ()), by_end.get((key[-3:], length), ())):
                for candidate, dist, _ in process.extract(
                    key, pool, scorer=OSA.distance, score_cutoff=2, limit=None
                ):
                    close[candidate] = int(dist)
        for candidate, dist in close.items():
            if abs(len(candidate) - len(key)) > 2:
                continue
            if self.names.short.get(candidate, frozenset()) != short:
                continue
            if dist > max_edits(max(len(key), len(candidate))) or dist > best:
                continue
            if dist < best:
                best, found = dist, []
            found.append(candidate)
        return best, sorted(found)

    def completion(self, key: str) -> list[str]:
        """A clear abbreviation of a one-word name: "cetux" for cetuximab, "cholangio" for
        cholangiocarcinoma; only when exactly one entry's name starts that way."""
        if len(key) < 4 or key.isdigit():
            return []
        single_words = self.names.single_words
        at = bisect.bisect_left(single_words, key)
        found = []
        while at < len(single_words) and single_words[at].startswith(key):
            if len(single_words[at]) - len(key) >= 2:
                found.append(single_words[at])
            at += 1
        entries = {i for k in found for i in self.names.named(k) or ()}
        return found[:1] if len(entries) == 1 else []

    def token_like(self, token: str) -> str | None:
        """The name word a query word stands for: itself, a typo of one, or a clear prefix
        ("hypothyroid" for "hypothyroidism")."""
        token_entries = self.names.token_entries
        if token in token_entries:
            return token
        if max_edits(len(token)):
            candidates = set(self.token_deletes.get(token, ()))
            for variant in deletes(token):
                if variant in token_entries:
                    candidates.add(variant)
                candidates.update(self.token_deletes.get(variant, ()))
            close = sorted(
                c
                for c in candidates
                if distance(token, c, score_cutoff=1) <= 1 and not (token.isdigit() or c.isdigit())
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

    def near_keys(self, content: str) -> list[str]:
        """Exact-name keys that look like `content`, best first: "did you mean", never an answer.

        Near names share a beginning or an end with the query; comparing against those only
        keeps a miss as cheap at 100 times the knowledge as at 1."""
        from rapidfuzz import fuzz, process

        cutoff = 60 if len(content) >= 5 else 80  # "lol" is not a near miss of "ALL"
        by_start, by_end = self._suggestion_buckets
        scored: dict[str, float] = {}
        for pool in (by_start.get(content[:2], ()), by_end.get(content[-3:], ())):
            for key, score, _ in process.extract(
                content, pool, scorer=fuzz.ratio, limit=12, score_cutoff=cutoff
            ):
                scored[key] = score
        ranked = sorted(scored.items(), key=lambda item: (-item[1], item[0]))[:12]
        return [key for key, _score in ranked]
