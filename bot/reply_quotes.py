"""Pieces of a clinical answer quoted from an entry: what points to it, the rows a value could
fall into, each grade's first step, and the sentence that answers a word the question asked.

Each returns text taken from the entry's fields (findings, criteria, management rows,
escalation), so the answer built from them quotes the knowledge and never writes new advice.
"""

from __future__ import annotations

import re

from bot import words
from bot.grading import bounds_text
from bot.knowledge import Entry, GradeText, Knowledge, SideEffect
from bot.read import Question
from bot.resolve.names import STOPWORDS

#: The answer's first block stays within this many characters (issue 10: about 600).
FIRST_BUDGET = 560
_SENTENCE_RE = re.compile(r"(?<=[.;])\s+(?=[A-Z(])")


def split_sentences(text: str, budget: int = FIRST_BUDGET) -> tuple[str, str]:
    """The whole sentences of `text` that fit in `budget`, and the rest (never mid-sentence,
    unless a single sentence is longer than the budget)."""
    if len(text) <= budget:
        return text, ""
    if "\n" in text:  # a list of lines (one per drug): whole lines, the first one at least
        lines = text.split("\n")
        kept = [lines[0]]
        for line in lines[1:]:
            if len("\n".join([*kept, line])) > budget:
                break
            kept.append(line)
        if len(kept[0]) <= budget:
            return "\n".join(kept), "\n".join(lines[len(kept) :])
    parts = _SENTENCE_RE.split(text)
    head: list[str] = []
    for part in parts:
        if len(" ".join([*head, part])) > budget:
            break
        head.append(part)
    if not head:
        cut = text.rfind(" ", 0, budget - 1)
        return text[: max(cut, 1)].rstrip(",;:") + "…", text
    return " ".join(head), " ".join(parts[len(head) :])


def pointers(effect: SideEffect, question: Question, knowledge: Knowledge) -> list[str]:
    """What in the question points to the entry: ["high TSH"], ["fever", "hypotension"]."""
    said = []
    for finding in effect.findings:
        reading = next((r for r in question.readings if r.lab == finding.lab), None)
        lab = knowledge.labs.get(finding.lab)
        as_sign = lab is not None and any(t.lower() in question.signs for t in lab.high + lab.low)
        if as_sign:
            continue  # already said as a sign ("fever")
        if finding.lab and reading is not None and reading.direction == finding.direction:
            said.append(f"{finding.direction} {lab_name(reading.lab, knowledge)}")
        elif finding.sign and finding.sign.lower() in question.signs:
            said.append(finding.sign)
    return list(dict.fromkeys(said))


def points_to(said: list[str]) -> str:
    """ "fever points to", "fever, hypotension point to": the verb agrees with the list."""
    return f"{', '.join(said)} {'points' if len(said) == 1 else 'point'} to"


def lab_name(lab_id: str, knowledge: Knowledge) -> str:
    lab = knowledge.labs.get(lab_id)
    return lab.name if lab is not None else lab_id


def rows_line(effect: SideEffect, question: Question) -> str:
    """The rows a value could fall into, for the measures the question names (else the first)."""
    measured = [c for c in effect.criteria if c.measure]
    named = [c for c in measured if any(r.lab == c.measure for r in question.readings)]
    out = []
    for criterion in (named or measured)[:2]:
        rows = "; ".join(f"G{r.grade} {bounds_text(r, criterion.unit)}" for r in criterion.rows)
        out.append(f"{criterion.name}: {rows}")
    return " · ".join(out)


def by_grade(effect: SideEffect, budget: int = FIRST_BUDGET) -> str:
    """Each grade's management row, first sentences first (the hold or continue decision),
    then further sentences of each row while they fit in `budget`."""
    rows = [
        (row.label, _SENTENCE_RE.split(row.text)) for row in effect.management if row.grade != "all"
    ]
    taken = [1] * len(rows)

    def text() -> str:
        return " ".join(
            f"{label}: {' '.join(parts[:n])}" for (label, parts), n in zip(rows, taken, strict=True)
        )

    grew = True
    while grew:
        grew = False
        for i, (_, parts) in enumerate(rows):
            if taken[i] < len(parts):
                taken[i] += 1
                if len(text()) > budget:
                    taken[i] -= 1
                else:
                    grew = True
    return text()


def asked_sentence(
    effect: SideEffect,
    question: Question,
    shown: str,
    agents: list[Entry],
    row: GradeText | None = None,
) -> str:
    """A sentence of the entry's management or escalation that names a word the question
    asked about and the answer does not show yet ("infliximab" for hepatitis: contraindicated).

    When the patient's grade is known (`row`), only that grade's row, the all-grades row and
    the escalation text are read: another grade's step must never lead a reply."""
    known = {t for e in (effect, *agents) for name in e.names for t in words.tokens(name)}
    asked = [
        t
        for t in words.tokens(question.text)
        if len(t) >= 6 and t.isalpha() and t not in STOPWORDS and t not in known
    ]
    shown_words = set(words.tokens(shown))
    rows = [m for m in effect.management if row is None or m is row or m.grade == "all"]
    texts = [(m.label, m.text) for m in rows]
    if effect.escalate:
        texts.append(("When to escalate", effect.escalate))
    for token in asked:
        if token in shown_words:
            continue
        for label, text in texts:
            for sentence in _SENTENCE_RE.split(text):
                if token in words.tokens(sentence):
                    return f"{label}: {sentence}"
    return ""


def agent_first(text: str, agents: list[Entry]) -> str:
    """`text` with its sentence about the drug named moved to the front ("… the
    pembrolizumab label permanently discontinues for grade 3 or 4 infusion reactions"): a label
    rule stricter than the guideline's must not fall below the cut of the first block."""
    sentences = _SENTENCE_RE.split(text)
    for agent in agents:
        stem = name_stem(agent)
        if not stem:
            continue
        for i, sentence in enumerate(sentences):
            if i and stem in sentence.lower():
                return " ".join([sentence, *sentences[:i], *sentences[i + 1 :]])
    return text


def name_stem(entry: Entry) -> str:
    """The word an entry is found by in prose ("cemiplimab" of "cemiplimab-rwlc"); empty
    when that word is too short to find without matching others."""
    stem = entry.name.split("-")[0].split(" ")[0].lower()
    return stem if len(stem) >= 5 else ""


def agent_sentence(effect: SideEffect, agents: list[Entry], shown: str) -> str:
    """The entry's own words about the drug named ("Rituximab: premedicate …"), when the
    answer does not show them yet: a label rule beside the guideline's general one."""
    for agent in agents:
        stem = name_stem(agent)
        if not stem or stem in shown.lower():
            continue
        for row in effect.management:
            for sentence in _SENTENCE_RE.split(row.text):
                if stem in sentence.lower():
                    return sentence
    return ""
