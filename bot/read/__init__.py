"""Read a clinical question: the entries it names, its findings, a stated grade, its intent.

`read(text, index)` is pure: the same text and knowledge always give the same Question. The
entries come from the resolver's scan (names, brands, aliases, typos of agents); the findings
from the lab vocabulary and the side effects' sign phrases; the intent from question grammar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from bot import words
from bot.knowledge import Drug, Entry, Kind, Knowledge
from bot.read.intent import Intent, find_intent
from bot.read.values import DENIALS, Reading, normalise, read_days, read_labs, read_signs
from bot.resolve import Index
from bot.resolve.match import Hit
from bot.resolve.names import target_names

# "grade 3", "gr. III", "G2". A bare "g" counts only joined to a digit ("G2"): "1 g IV" and
# "1 g 2 mg" are doses. After "grade" the next word is never the number's unit ("grade 2 MG"
# is myasthenia gravis).
_GRADE = r"(iv|iii|ii|i|[1-5])\b"
_GRADE_RE = re.compile(
    r"\b(?:(?:grade|gr\.?)\s*(?:>=|>)?\s*" + _GRADE + r"|g(?:>=|>)?([1-5])\b(?!\s*(?:mg|g/|%)))"
)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_UPPER_RE = re.compile(
    r"\s*(?:-|/|or)\s*(?:grade\s*|g)?"
    + _GRADE
    + r"(?!\s*(?:mg|g/|%|x\b|times|days?|d\b|weeks?|wks?|months?|hours?|hrs?|h\b|doses?|cycles?))"
)
_OR_WORDS = ("or", "versus", "vs")


@dataclass(frozen=True)
class TargetGroup:
    """The drugs a target names ("PD-1" in "PD-1 for endometrial ca"), under the target's name."""

    label: str
    drugs: tuple[Entry, ...]


@dataclass(frozen=True)
class Question:
    """What a question says, before any answer is chosen."""

    text: str
    intent: Intent | None
    entries: tuple[Entry, ...] = ()
    readings: tuple[Reading, ...] = ()
    signs: tuple[str, ...] = ()
    grade: int | None = None
    days: int | None = None
    alternatives: tuple[Entry, ...] = ()
    fuzzy: tuple[str, ...] = ()  # ids named only through a typo
    targets: tuple[TargetGroup, ...] = ()  # drugs named by their target

    def of_kind(self, kind: Kind) -> list[Entry]:
        return [e for e in self.entries if e.kind is kind]

    @property
    def clinical(self) -> bool:
        """Whether it describes a patient (values, signs or a grade), not only names."""
        return bool(self.readings or self.signs or self.grade is not None)


def stated_grade(text: str) -> int | None:
    normal = normalise(text)
    match = _GRADE_RE.search(normal)
    if match is None:
        return None
    grades = [_grade_number(match.group(1) or match.group(2))]
    # "grade 2/3", "grade 1-2", "grade 3 or 4": the higher, so the step shown is not too mild
    upper = _UPPER_RE.match(normal, match.end())
    if upper is not None:
        grades.append(_grade_number(upper.group(1)))
    return max(grades)


def _grade_number(token: str) -> int:
    return int(token) if token.isdigit() else _ROMAN[token]


def _entries(text: str, index: Index, *, typos: bool) -> tuple[list[Entry], list[str], list[Entry]]:
    """Entries named (in order), those named only by a typo, and any "A or B" pair."""
    toks = words.tokens(text)
    # Exact names first (a dictionary lookup per span); typo matching only when none is found
    # and the question has something clinical to answer (else the resolver does it anyway).
    hits = [h for h in index.scan(text, fuzzy=False) if len(h.ids) == 1]
    if not hits and typos:
        hits = [h for h in index.scan(text) if len(h.ids) == 1]
    scanned = index.scanned_words(text)
    hits = [h for h in hits if not _denied(h, scanned, index)]
    named: list[Entry] = []
    fuzzy: list[str] = []
    for hit in hits:
        entry = index.knowledge.entries[hit.ids[0]]
        if entry not in named:
            named.append(entry)
            if hit.how == "fuzzy":
                fuzzy.append(entry.id)
    pair: list[Entry] = []
    for first, second in pairwise(hits):
        between = toks[first.start + first.length : second.start]
        a = index.knowledge.entries[first.ids[0]]
        b = index.knowledge.entries[second.ids[0]]
        if between and between[-1] in _OR_WORDS and a.kind is b.kind and a is not b:
            pair = [a, b]
            break
    return named, fuzzy, pair


#: The denials of bot.read.values as the words scan() reads (stemmed), for side effects.
_DENIALS = tuple([words.stem(w) for w in phrase.split()] for phrase in DENIALS)


def _denied(hit: Hit, scanned: list[str], index: Index) -> bool:
    """A side effect the question denies ("no diarrhea but AST 4x ULN"): not named, so the
    findings decide (a drug written after "not on" is still the drug)."""
    entry = index.knowledge.entries[hit.ids[0]]
    return entry.kind is Kind.SIDE_EFFECT and any(
        len(denial) <= hit.start and scanned[hit.start - len(denial) : hit.start] == denial
        for denial in _DENIALS
    )


def _cancer_beside(text: str, named: list[Entry], index: Index) -> list[Entry]:
    """A cancer written in part beside a drug, class or target ("CAR-T for mantle cell", "ICI
    for biliary", "PD-1 for hodgkin"): the words left once the agent's or target's name is
    taken out, read as a cancer name."""
    agents = [e for e in named if e.kind in (Kind.DRUG, Kind.CLASS)]
    if any(e.kind is Kind.CANCER for e in named):
        return []
    if not agents and not targets_named(text, index):  # "which PD-1 for hodgkin": a target
        return []
    spans = [h for h in index.scan(text, fuzzy=False) if len(h.ids) == 1 or h.how == "target"]
    toks = words.tokens(text)
    taken = {i for h in spans for i in range(h.start, h.start + h.length)}
    rest = " ".join(t for i, t in enumerate(toks) if i not in taken)
    if not rest.strip():
        return []
    match = index.resolve(rest, kind=Kind.CANCER)
    return [match.entry] if match.entry is not None else []


#: Words after a target that make it a measured biomarker rather than a group of drugs (stemmed).
_MEASURED = frozenset(
    words.stem(w)
    for w in (
        "expression", "expressing", "testing", "test", "status", "score", "level", "staining",
        "positive", "negative", "positivity", "cps", "tps", "ihc", "assay", "high", "low",
    )
)  # fmt: skip


def targets_named(text: str, index: Index) -> tuple[TargetGroup, ...]:
    """The targets a question names as a group of drugs ("PD-1", "CTLA-4"), each under the
    target's own spelling in the knowledge."""
    entries = index.knowledge.entries
    toks = index.scanned_words(text)  # hit positions count these words
    groups = []
    for hit in index.scan(text, fuzzy=False):
        if hit.how != "target":
            continue
        after = toks[hit.start + hit.length : hit.start + hit.length + 1]
        if after and after[0] in _MEASURED:
            continue  # "PD-L1 expression", "PD-L1 CPS": the biomarker, not the drugs
        drugs = tuple(e for e in (entries[i] for i in hit.ids) if isinstance(e, Drug))
        if not drugs:
            continue
        spelled = (
            name
            for drug in drugs
            for name in target_names(drug.target)
            if words.key(name) == hit.matched
        )
        groups.append(TargetGroup(next(spelled, hit.matched.upper()), drugs))
    return tuple(groups)


#: A clinical question is a sentence or two; longer text is read only this far.
MAX_READ = 400
_PAIR_RE = re.compile(r"\b(or|vs\.?|versus)\b", re.I)


def asks_something(text: str, knowledge: Knowledge) -> bool:
    """Whether a line has more than names in it: an intent, a value or finding, a stated grade,
    or a choice ("A or B"). A line with none of these is a lookup, answered by its card."""
    text = text[:MAX_READ]
    return bool(
        find_intent(text)
        or _PAIR_RE.search(text)
        or stated_grade(text) is not None
        or read_signs(text, knowledge)
        or read_labs(text, knowledge)
    )


def read(text: str, index: Index) -> Question:
    """The Question a line of user text asks (its first MAX_READ characters)."""
    text = text[:MAX_READ]
    knowledge = index.knowledge
    intent = find_intent(text)
    readings = read_labs(text, knowledge)
    signs = read_signs(text, knowledge)
    grade = stated_grade(text)
    asks = bool(intent or readings or signs or grade is not None)
    named, fuzzy, pair = _entries(text, index, typos=asks)
    named += _cancer_beside(text, named, index)
    cancer = any(e.kind is Kind.CANCER for e in named)
    return Question(
        text=text,
        intent=intent,
        entries=tuple(named),
        readings=readings,
        signs=signs,
        grade=grade,
        days=read_days(text),
        alternatives=tuple(pair),
        fuzzy=tuple(fuzzy),
        targets=targets_named(text, index) if cancer else (),
    )


__all__ = [
    "Intent",
    "Question",
    "Reading",
    "TargetGroup",
    "asks_something",
    "read",
    "stated_grade",
    "targets_named",
]
