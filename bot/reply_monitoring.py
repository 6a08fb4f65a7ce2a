"""Answer what to check on a drug, and what its label says about pregnancy and driving, from
the monitoring lines of the drug (and, for pregnancy, the sentences of its linked side effects
that name it). A topic the knowledge does not speak of is said to be absent, in one line.
"""

from __future__ import annotations

import re

from bot.knowledge import Drug, Knowledge
from bot.read import Intent
from bot.read.values import labs_named
from bot.reply import Reply
from bot.reply_facts import drug_names, drug_reply, sentences_matching, verdict_lead

_PREGNANCY_RE = re.compile(r"pregnan|contracep|fetal|embryo|breast-?feed|lactat", re.I)
_DRIVING_RE = re.compile(r"\bdriv|machinery", re.I)
_BAN_RE = re.compile(r"\b(no|not|avoid\w*|ban|restrict\w*)\W+(to\W+)?driv", re.I)
_PERIOD_RE = re.compile(r"\b(\d+)\s*(week|month|day)s?\b", re.I)


def from_monitoring(
    drugs: list[Drug], intent: Intent, knowledge: Knowledge, question: str = ""
) -> Reply:
    """Pregnancy or driving: the monitoring lines (and linked entries) that speak of it."""
    pattern = _PREGNANCY_RE if intent is Intent.PREGNANCY else _DRIVING_RE
    topic = "pregnancy or contraception" if intent is Intent.PREGNANCY else "driving"
    lines = []
    for drug in drugs:
        said = [m for m in drug.monitoring if pattern.search(m)]
        said += sentences_matching(drug.boxed_warning, pattern)
        if intent is Intent.PREGNANCY:
            said += _linked_sentences(drug, knowledge, pattern)
        if said:
            ended = (s if s.rstrip().endswith(".") else s.rstrip() + "." for s in said)
            lines.append(f"{drug.title}: " + " ".join(dict.fromkeys(ended)))
        else:
            lines.append(
                f"The knowledge holds no {topic} guidance for {drug.title}; see the label."
            )
    missing = all("holds no" in line for line in lines)
    if len(drugs) > 2 and not missing:  # a class: only the members whose label speaks of it
        lines = [line for line in lines if "holds no" not in line]
    topic_lead = "Pregnancy and contraception" if intent is Intent.PREGNANCY else "Driving"
    lead = f"{topic_lead}: {drug_names(drugs)}"
    verdict = _ban_verdict(question, lines) if intent is Intent.DRIVING and len(drugs) == 1 else ""
    if verdict:
        lead = verdict_lead(topic_lead, drugs, [verdict])
    return drug_reply(drugs, intent, lead, lines, missing=missing)


def _ban_verdict(question: str, lines: list[str]) -> str:
    """ "no driving for 8 weeks?": Yes when the knowledge's driving period is the one asked,
    No when it is another; nothing when the question states no period of a ban."""
    if not _BAN_RE.search(question):
        return ""
    asked = _PERIOD_RE.search(question)
    if asked is None:
        return ""
    periods = set()
    for line in lines:
        for found in _DRIVING_RE.finditer(line):
            period = _PERIOD_RE.search(line, found.end())
            if period:
                periods.add((period.group(1), period.group(2)))
    if not periods:
        return ""
    return "Yes" if (asked.group(1), asked.group(2)) in periods else "No"


def _linked_sentences(drug: Drug, knowledge: Knowledge, pattern: re.Pattern[str]) -> list[str]:
    """Whole sentences of the drug's linked side effects (summary, management) that speak of
    the topic and name the drug, in any case: "pembrolizumab 4 months" sits in a sentence that
    lists several products, so it is split at full stops only."""
    stem = drug.name.split("-")[0].lower()
    said = []
    by_class = [
        e.id
        for e in knowledge.entries.values()
        if set(getattr(e, "caused_by", ())) & set(drug.classes)
    ]
    for effect_id in dict.fromkeys((*drug.side_effects, *by_class)):
        effect = knowledge.entries.get(effect_id)
        texts = [getattr(effect, "summary", "")]
        texts += [row.text for row in getattr(effect, "management", ())]
        for text in texts:
            said += [
                s
                for s in re.split(r"(?<=\.)\s+", text or "")
                if pattern.search(s) and stem in s.lower()
            ]
    return said


def monitoring(drugs: list[Drug], knowledge: Knowledge, question: str = "") -> Reply:
    """The drug's monitoring lines; those about a lab the question names come first ("how long
    to keep checking glucose on pembro" leads with the glucose line)."""
    asked = labs_named(question, knowledge)
    lines = [
        f"{d.title}: "
        + "; ".join(
            m.rstrip(".")
            for m in sorted(d.monitoring, key=lambda m: not asked & labs_named(m, knowledge))
        )
        for d in drugs
        if d.monitoring
    ]
    if not lines:
        lines = [f"The knowledge holds no monitoring list for {drugs[0].title}; see the label."]
    return drug_reply(
        drugs,
        Intent.MONITOR,
        f"What to monitor: {drug_names(drugs)}",
        lines,
        missing=not drugs[0].monitoring,
    )
