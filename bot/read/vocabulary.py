"""The phrases a question is read against, built once per Knowledge from its data.

Lab names, aliases and direction terms come from knowledge/labs.yaml; sign phrases come from the
side effects' findings and grading criteria. Only the way a phrase is matched (word boundaries,
plurals, hyphens, capitals for two-letter abbreviations) is decided here.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass

from bot.knowledge import Knowledge, SideEffect

_SEPARATOR = r"[\s\-/]*"


@dataclass(frozen=True)
class Phrase:
    """A compiled phrase and what it means: a lab (with a direction for "hyponatremia")."""

    pattern: re.Pattern[str]
    lab: str
    direction: str = ""
    case_sensitive: bool = False
    length: int = 0


@dataclass(frozen=True)
class Vocabulary:
    labs: tuple[Phrase, ...]
    signs: tuple[tuple[str, re.Pattern[str]], ...]
    units: re.Pattern[str]


def phrase_pattern(phrase: str, *, case_sensitive: bool = False) -> re.Pattern[str]:
    """A phrase as a regex: whole words, any hyphen/space/slash between them, plural allowed."""
    parts = [p for p in re.split(r"[\s\-/]+", phrase if case_sensitive else phrase.lower()) if p]
    body = _SEPARATOR.join(re.escape(p) for p in parts)
    if case_sensitive:
        return re.compile(rf"(?<![A-Za-z0-9]){body}(?![A-Za-z0-9/])")
    plural = "(?:s|es)?" if parts and parts[-1][-1:].isalpha() else ""
    return re.compile(rf"(?<![a-z0-9]){body}{plural}(?![a-z0-9])")


def _short(alias: str) -> bool:
    """Abbreviations that are also words or units ("Mg", "K", "ICE") match only as written,
    unless a number follows them."""
    letters = re.sub(r"[^A-Za-z0-9]", "", alias)
    return len(letters) <= 2 or (len(letters) <= 3 and letters.isupper())


_CACHE: weakref.WeakKeyDictionary[Knowledge, Vocabulary] = weakref.WeakKeyDictionary()


def vocabulary(knowledge: Knowledge) -> Vocabulary:
    """The vocabulary of a Knowledge (built on first use, kept while the Knowledge lives)."""
    found = _CACHE.get(knowledge)
    if found is None:
        found = _CACHE[knowledge] = _build(knowledge)
    return found


def _build(knowledge: Knowledge) -> Vocabulary:
    labs: list[Phrase] = []
    units: set[str] = set()
    for lab in knowledge.labs.values():
        named = [(n, "") for n in lab.names]
        named += [(t, "high") for t in lab.high] + [(t, "low") for t in lab.low]
        for text, direction in named:
            short = _short(text) and not direction
            labs.append(
                Phrase(
                    phrase_pattern(text, case_sensitive=short), lab.id, direction, short, len(text)
                )
            )
        units.update(u.unit for u in lab.units)
    labs.sort(key=lambda p: -p.length)
    signs: dict[str, re.Pattern[str]] = {}
    for entry in knowledge.entries.values():
        if not isinstance(entry, SideEffect):
            continue
        phrases = [f.sign for f in entry.findings if f.sign]
        phrases += [m for c in entry.criteria for row in c.signs for m in row.match]
        for phrase in phrases:
            signs.setdefault(phrase.lower(), phrase_pattern(phrase))
    ordered = sorted(units, key=len, reverse=True)
    unit_re = re.compile(
        "(?P<unit>" + "|".join(re.escape(u.lower()) for u in ordered) + r")(?![a-z0-9])"
    )
    return Vocabulary(tuple(labs), tuple(signs.items()), unit_re)
