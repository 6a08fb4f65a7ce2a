"""How text becomes comparable words: case, accents, punctuation, plurals and spelling folded away.

The index and the queries go through the same functions, so "PD-L1 inhibitors", "pd l1 inhibitor"
and "PDL1-inhibitor" all meet at one key. The folding is grammar about English, not knowledge about
drugs: nothing here names an entry.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SYMBOLS = {
    "+": " and ",
    "&": " and ",
    "×": " x ",
    "–": " ",
    "—": " ",
    "’": "'",
    "ß": "ss",
    "α": " alfa ",
    "β": " beta ",
    "γ": " gamma ",
}
_SYMBOL_RE = re.compile("|".join(re.escape(s) for s in _SYMBOLS))
_NON_WORD_RE = re.compile(r"[^a-z0-9]+")
_POSSESSIVE_RE = re.compile(r"(?<=\w)['’]s\b")

# Tokens that are never pluralised words, though they end in "s".
_KEEP_S_ENDINGS = ("ss", "us", "is")


def fold(text: str) -> str:
    """Lower-case, strip accents and turn punctuation into spaces."""
    text = _POSSESSIVE_RE.sub("", text)  # Hodgkin's → Hodgkin
    text = _SYMBOL_RE.sub(lambda m: _SYMBOLS[m.group(0)], text)
    if not text.isascii():  # most questions are plain ASCII: skip the per-character pass
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower()
    return _NON_WORD_RE.sub(" ", text).strip()


# Clinic shorthand, read as the words it stands for ("bladder ca", "infusion rxn", "neurotox").
SHORTHAND = {
    "ca": "cancer",
    "ctx": "chemotherapy",
    "chemo": "chemotherapy",
    "io": "immunotherapy",
    "rxn": "reaction",
    "rxns": "reaction",
    "sx": "symptom",
    "fx": "effects",
    "tox": "toxicity",
    "neurotox": "neurotoxicity",
    "cardiotox": "cardiotoxicity",
    "hepatotox": "hepatotoxicity",
    "mab": "antibody",
    "mabs": "antibody",
    "mag": "magnesium",
    "mgmt": "management",
    "tx": "treatment",
    "dx": "diagnosis",
    "hx": "history",
    "abx": "antibiotic",
    "pt": "patient",
    "pts": "patient",
    "w": "with",
    "pregnant": "pregnancy",
}


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """Fold shorthand, plurals and British spellings so both sides of a comparison agree."""
    token = SHORTHAND.get(token, token)
    if len(token) > 4 and token.endswith("ies"):
        token = token[:-3] + "y"
    elif len(token) > 3 and token.endswith("s") and not token.endswith(_KEEP_S_ENDINGS):
        token = token[:-1]
    elif len(token) > 1 and token.endswith("s") and token[-2].isdigit():
        token = token[:-1]  # the plural of a numbered name: "PD-1s", "PD-L1s" ("pd" "l1s")
    if len(token) > 4 and token.endswith("our"):  # tumour → tumor
        token = token[:-3] + "or"
    return spelling(token)


def spelling(text: str) -> str:
    """leukaemia → leukemia, oesophageal → esophageal, diarrhoea → diarrhea.

    Applied to whole keys as well as words, so "gastro-oesophageal" and "gastroesophageal"
    fold alike whichever way they are split."""
    if len(text) > 4:
        text = text.replace("ae", "e").replace("oe", "e")
    return text


def tokens(text: str) -> list[str]:
    """The stemmed words of `text`, in order."""
    return [stem(t) for t in fold(text).split()]


def key(text: str) -> str:
    """The exact-match key: stemmed words run together, so "axi-cel" meets "axicel"."""
    return spelling("".join(tokens(text)))


def join(toks: list[str]) -> str:
    """The key of a run of already-stemmed tokens (the same as key() of their text)."""
    return spelling("".join(toks))
