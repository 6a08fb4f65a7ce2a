"""Notice when a question blames a drug or treatment that is not an immunotherapy.

"Rash from amoxicillin", "AKI from cisplatin", "neutropenic fever after chemo": the side effect
has the same name as an immune-related one, but the cause is outside the knowledge, and showing
the irAE card would point the reader the wrong way. A word in the cause slot ("from", "on",
"after", "induced") that names no entry but has the shape of a drug name is such a cause.

The shapes are the WHO INN stems (the endings international drug names are built from) and a
few words for treatments outside immunotherapy: grammar of drug names, not facts about drugs.
"""

from __future__ import annotations

import re

from bot.resolve import Index

#: WHO INN stems of drugs that are not cancer immunotherapies, and non-immunotherapy causes.
_STEMS = tuple(
    (
        "cillin cef cycline mycin micin floxacin oxacin azole vir platin taxel rubicin tinib nib "
        "ciclib parib lisib olimus statin pril sartan olol dipine parin xaban gatran prazole "
        "tidine setron pitant semide thiazide triptan azepam zolam trigine oxetine "
        "purinol arone fosfamide phamide tecan citabine uracil trexate mustine platinum mide"
    ).split()
)
#: Corticosteroids treat irAEs ("colitis on prednisone"), so they count only when blamed.
_STEROID_STEMS = ("methasone", "solone", "nisone", "cortisone")
_CAUSES = (
    "chemo",
    "chemotherapy",
    "radiation",
    "radiotherapy",
    "antibiotic",
    "antibiotics",
    "diff",
)
_BLAMING = ("from", "due to", "caused by", "secondary to", "induced", "related", "associated")
_SLOT_RE = re.compile(
    r"\b(?:from|on|after|with|due to|caused by|secondary to|post|starting|started|since)\s+"
    r"(?:starting\s+|the\s+|a\s+|his\s+|her\s+)?([a-z][a-z0-9-]{3,})"
    r"|\b([a-z][a-z0-9-]{3,})[- ](?:induced|related|associated|toxicity)\b"
)


def _drug_shaped(word: str, blamed: bool) -> bool:
    if blamed and word.endswith(_STEROID_STEMS):
        return True
    return word in _CAUSES or word.endswith(_STEMS)


def unknown_agent(text: str, index: Index) -> str | None:
    """The drug-shaped word the question blames that the knowledge does not hold, if any."""
    lowered = " ".join(text.lower().split())
    for match in _SLOT_RE.finditer(lowered):
        word = match.group(1) or match.group(2)
        blamed = any(w in match.group(0) for w in _BLAMING)
        if not word or not _drug_shaped(word, blamed):
            continue
        if index.entries_named(word, fuzzy=False):
            continue  # a name the knowledge holds (an immunotherapy, a class, a cancer)
        return word
    # A drug name in any place, with its side effect ("osimertinib pneumonitis"): INN stems
    # only (treatments of irAEs such as tocilizumab or prednisone do not have these shapes).
    for found in re.findall(r"[a-z][a-z0-9-]{4,}", lowered):
        shaped = found.endswith(_STEMS)
        if shaped and not index.entries_named(found, fuzzy=False):
            return str(found)
    return None
