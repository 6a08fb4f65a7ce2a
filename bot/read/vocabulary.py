"""The phrases a question is read against, built once per Knowledge from its data.

Lab names, aliases and direction terms come from knowledge/labs.yaml; sign phrases come from the
side effects' findings and grading criteria. Phrases are kept as tuples of words in one
dictionary, so reading a question costs one lookup per word and phrase length, however many
phrases the knowledge holds. Only the way a phrase is matched (whole words, a plural, capitals
for two-letter abbreviations) is decided here.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass

from bot.knowledge import Knowledge, SideEffect

_WORD_RE = re.compile(r"[A-Za-z0-9µ°]+")


@dataclass(frozen=True)
class Word:
    """A word of the question with its place, so matches map back to the text."""

    raw: str
    low: str
    start: int
    end: int


@dataclass(frozen=True)
class Phrase:
    """What a phrase means: a lab (with a direction for "hyponatremia"), or a sign."""

    lab: str = ""
    direction: str = ""
    sign: str = ""
    written: tuple[str, ...] = ()  # as written, for abbreviations that must match in capitals


@dataclass(frozen=True)
class Hit:
    phrase: Phrase
    start: int
    end: int


@dataclass(frozen=True)
class Vocabulary:
    labs: dict[tuple[str, ...], list[Phrase]]
    signs: dict[tuple[str, ...], list[Phrase]]
    longest: int
    units: re.Pattern[str]
    starts: frozenset[str]  # the first words of every phrase: other words are skipped at once


def words_of(text: str) -> list[Word]:
    return [
        Word(m.group(0), m.group(0).lower(), m.start(), m.end()) for m in _WORD_RE.finditer(text)
    ]


def _key(phrase: str) -> tuple[str, ...]:
    return tuple(w.low for w in words_of(phrase))


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("es") and word[-3] in "sxz":
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _short(alias: str) -> bool:
    """Abbreviations that are also words or units ("Mg", "K", "ICE") match only as written,
    unless a number follows them."""
    letters = re.sub(r"[^A-Za-z0-9]", "", alias)
    return len(letters) <= 2 or (len(letters) <= 3 and letters.isupper())


def _noun(word: str) -> str:
    """The "-ness" noun of a describing word, as people also write it: breathless →
    breathlessness, dizzy → dizziness, numb → numbness. Words it does not fit are returned
    as they are."""
    if len(word) < 4 or not word.isalpha() or word.endswith("ness"):
        return word
    return word[:-1] + "iness" if word.endswith("y") else word + "ness"


def _add(table: dict[tuple[str, ...], list[Phrase]], text: str, phrase: Phrase) -> None:
    key = _key(text)
    if not key:
        return
    last = key[-1]
    for variant in {key, (*key[:-1], _singular(last)), (*key[:-1], _noun(last))}:
        table.setdefault(variant, []).append(phrase)


_CACHE: weakref.WeakKeyDictionary[Knowledge, Vocabulary] = weakref.WeakKeyDictionary()


def vocabulary(knowledge: Knowledge) -> Vocabulary:
    """The vocabulary of a Knowledge (built on first use, kept while the Knowledge lives)."""
    found = _CACHE.get(knowledge)
    if found is None:
        found = _CACHE[knowledge] = _build(knowledge)
    return found


def _build(knowledge: Knowledge) -> Vocabulary:
    labs: dict[tuple[str, ...], list[Phrase]] = {}
    for lab in knowledge.labs.values():
        for text in lab.names:
            written = tuple(w.raw for w in words_of(text)) if _short(text) else ()
            _add(labs, text, Phrase(lab=lab.id, written=written))
        for direction, terms in (("high", lab.high), ("low", lab.low)):
            for text in terms:
                _add(labs, text, Phrase(lab=lab.id, direction=direction))
    signs: dict[tuple[str, ...], list[Phrase]] = {}
    for entry in knowledge.entries.values():
        if not isinstance(entry, SideEffect):
            continue
        phrases = [f.sign for f in entry.findings if f.sign]
        phrases += [m for c in entry.criteria for row in c.signs for m in row.phrases]
        for text in phrases:
            _add(signs, text, Phrase(sign=text.lower()))
    longest = max((len(k) for k in (*labs, *signs)), default=1)
    unit_names = sorted(
        {n for lab in knowledge.labs.values() for u in lab.units for n in (u.unit, u.amount) if n},
        key=len,
    )
    alternatives = "|".join(re.escape(u.lower()) for u in reversed(unit_names))
    units = re.compile("(?P<unit>" + alternatives + r")(?![a-z0-9])")
    starts = frozenset(key[0] for key in (*labs, *signs))
    return Vocabulary(labs, signs, longest, units, starts)


def find(
    words: list[Word],
    table: dict[tuple[str, ...], list[Phrase]],
    longest: int,
    text: str,
    starts: frozenset[str] = frozenset(),
) -> list[Hit]:
    """Longest phrases first, left to right, not overlapping."""
    hits: list[Hit] = []
    i = 0
    while i < len(words):
        low = words[i].low
        if starts and low not in starts and _singular(low) not in starts:
            i += 1
            continue
        for n in range(min(longest, len(words) - i), 0, -1):
            span = words[i : i + n]
            key = tuple(w.low for w in span)
            found = table.get(key) or table.get((*key[:-1], _singular(key[-1])))
            chosen = [p for p in found or () if _as_written(p, span, text)]
            if chosen:
                hits.extend(Hit(p, span[0].start, span[-1].end) for p in chosen)
                i += n
                break
        else:
            i += 1
    return hits


def _as_written(phrase: Phrase, span: list[Word], text: str) -> bool:
    if not phrase.written:
        return True
    if (
        tuple(w.raw for w in span) == phrase.written
        and text[span[-1].end : span[-1].end + 1] != "/"
    ):
        return True
    return bool(re.match(r"\s*[:=]?\s*\d", text[span[-1].end : span[-1].end + 6]))
