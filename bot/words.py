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

# Tokens that are never pluralised words, though they end in "s".
_KEEP_S_ENDINGS = ("ss", "us", "is", "os", "as")


def fold(text: str) -> str:
    """Lower-case, strip accents and turn punctuation into spaces."""
    text = _SYMBOL_RE.sub(lambda m: _SYMBOLS[m.group(0)], text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return _NON_WORD_RE.sub(" ", text).strip()


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """Fold plurals and British spellings so both sides of a comparison agree."""
    if len(token) > 4 and token.endswith("ies"):
        token = token[:-3] + "y"
    elif len(token) > 3 and token.endswith("s") and not token.endswith(_KEEP_S_ENDINGS):
        token = token[:-1]
    if len(token) > 4 and not token.isdigit():
        # tumour → tumor, leukaemia → leukemia, oesophageal → esophageal, diarrhoea → diarrhea
        if token.endswith("our"):
            token = token[:-3] + "or"
        token = token.replace("ae", "e").replace("oe", "e")
    return token


def tokens(text: str) -> list[str]:
    """The stemmed words of `text`, in order."""
    return [stem(t) for t in fold(text).split()]


def key(text: str) -> str:
    """The exact-match key: stemmed words run together, so "axi-cel" meets "axicel"."""
    return "".join(tokens(text))
