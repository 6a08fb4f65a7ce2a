"""The name table: every key that names an entry exactly, by a derived form, or by its target.

An exact name, brand or alias is a dictionary lookup whatever the size of the knowledge. Derived
forms ("Cytokine release syndrome" from "Cytokine release syndrome (CRS)") count only when they
lead to one entry and are nobody's alias; a target ("CD19") names the drugs and classes aimed at it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from bot import words
from bot.knowledge import Drug, Knowledge
from bot.resolve.match import Hit

#: Longest name, in words, that an n-gram scan looks for.
MAX_NGRAM = 8
#: Ambiguous partial names offer at most this many choices; more than that is not a choice.
MAX_CHOICES = 6

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
COMMON_WORDS = frozenset(
    """
all act can may was has his her are per man men car cat aim arm art bad bed big bit box cut day
did end eye far few fit fun gas hot ill key kit lab lot low mad mas max mix mom net new now old
one out own pay pet put ran ray red run sad set sit six sun tan tap ten top try two use van war
way wet win yes yet zip dim sum bat mid pal cap cup dot fat fan mg
""".split()
)

_RAW_TOKEN_RE = re.compile(r"[A-Za-z0-9]+")


_TARGET_SPLIT_RE = re.compile(r"\s*(?:×|\bx\b|\band\b|/|,|\+)\s*", re.I)
_PARENTHETICAL_RE = re.compile(r"\s*\([^)]*\)")


def raw_tokens(text: str) -> list[str]:
    """Tokens with their case kept, aligned one-to-one with words.tokens()."""
    text = words._POSSESSIVE_RE.sub("", text)
    text = words._SYMBOL_RE.sub(lambda m: words._SYMBOLS[m.group(0)], text)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _RAW_TOKEN_RE.findall(text)


def short_tokens(toks: list[str]) -> frozenset[str]:
    """Letters and numbers that tell entries apart (PD-1/PD-L1, type 1/type 2, hepatitis B)."""
    return frozenset(t for t in toks if len(t) <= 2 or t.isdigit())


def derived_names(name: str) -> list[str]:
    """Shorter forms a display name implies: "Cytokine release syndrome (CRS)" is also
    "Cytokine release syndrome"; "Hyperthyroidism / thyroiditis" is also each half."""
    if "(" not in name and " / " not in name and name == name.strip():
        return []  # most names: nothing to derive (and a build meets every name)
    out = []
    bare = _PARENTHETICAL_RE.sub("", name).strip()
    if bare and bare != name:
        out.append(bare)
    if " / " in bare:
        out.extend(part.strip() for part in bare.split(" / ") if part.strip())
    return out


def name_words(toks: list[str]) -> list[str]:
    """Words for partial matching, "non" joined to its word: a "non-Hodgkin lymphoma" is not
    a Hodgkin lymphoma, and "non small cell" is not small cell."""
    out: list[str] = []
    for token in toks:
        if out and out[-1] == "non":
            out[-1] = "non" + token
        else:
            out.append(token)
    return out


def qualified(raw: list[str], after: int) -> bool:
    """A name followed by a lone letter is another thing: "hepatitis C" is not hepatitis."""
    if after >= len(raw):
        return False
    word = raw[after]
    if after + 1 < len(raw) and len(raw[after + 1]) == 1:
        return False  # "c/o", "s/p": shorthand, not a qualifier
    return len(word) == 1 and word.isalpha() and word.lower() not in ("a", "i", "x", "w")


def target_names(target: str) -> list[str]:
    """A target and its parts: "CD19 × CD3" names CD19 and CD3 as well as the pair."""
    parts = [p for p in _TARGET_SPLIT_RE.split(target) if p.strip()]
    return [target, *parts] if len(parts) > 1 else [target]


@dataclass
class NameTable:
    """Every key that names an entry, with what the other layers need to know about each key."""

    exact: dict[str, tuple[str, ...]] = field(default_factory=dict)
    derived: dict[str, tuple[str, ...]] = field(default_factory=dict)
    secondary: dict[str, tuple[str, ...]] = field(default_factory=dict)
    acronyms: set[str] = field(default_factory=set)
    token_entries: dict[str, set[str]] = field(default_factory=dict)
    display: dict[str, str] = field(default_factory=dict)
    short: dict[str, frozenset[str]] = field(default_factory=dict)
    single_words: list[str] = field(default_factory=list)
    #: Names of drugs that are not immunotherapy → their ids in Knowledge.outside.
    outside: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, knowledge: Knowledge) -> NameTable:
        exact: dict[str, list[str]] = defaultdict(list)
        derived: dict[str, set[str]] = defaultdict(set)
        secondary: dict[str, list[str]] = defaultdict(list)
        token_entries: dict[str, set[str]] = defaultdict(set)
        table = cls()
        for entry in knowledge.entries.values():
            for name in entry.names:
                toks = words.tokens(name)  # once per name: tokenising is most of a build
                key = words.join(toks)
                if not key:
                    continue
                if entry.id not in exact[key]:
                    exact[key].append(entry.id)
                if key not in table.display:
                    table.display[key] = name
                    table.short[key] = short_tokens(toks)
                if len(toks) == 1 and len(key) >= 6:
                    table.single_words.append(key)
                if key in COMMON_WORDS and name.isupper():
                    table.acronyms.add(key)
                for token in name_words(toks):
                    if token not in STOPWORDS and len(token) > 2:
                        token_entries[token].add(entry.id)
                for other in derived_names(name):
                    other_toks = words.tokens(other)
                    other_key = words.join(other_toks)
                    if other_key:
                        derived[other_key].add(entry.id)
                        if other_key not in table.display:
                            table.display[other_key] = other
                            table.short[other_key] = short_tokens(other_toks)
            if isinstance(entry, Drug) and entry.target:
                for target in target_names(entry.target):
                    secondary[words.key(target)].append(entry.id)
        for class_id, target in knowledge.class_targets.items():
            for part in target_names(target):
                secondary[words.key(part)].append(class_id)
        table.exact = {k: tuple(v) for k, v in exact.items()}
        # A derived form is only a name when it is nobody's alias and leads to one entry.
        table.derived = {
            k: tuple(v) for k, v in derived.items() if k not in table.exact and len(v) == 1
        }
        table.secondary = {
            k: tuple(dict.fromkeys(v))
            for k, v in secondary.items()
            if k and k not in table.exact and k not in table.derived
        }
        table.token_entries = dict(token_entries)
        outside: dict[str, list[str]] = defaultdict(list)
        for drug in knowledge.outside.values():
            for name in drug.names:
                outside[words.key(name)].append(drug.id)
        table.outside = {k: tuple(dict.fromkeys(v)) for k, v in outside.items() if k}
        table.single_words = sorted(set(table.single_words))
        return table

    def named(self, key: str) -> tuple[str, ...] | None:
        """The entries a key names exactly (an alias, or a form derived from a name)."""
        return self.exact.get(key) or self.derived.get(key)

    def exact_hits(self, toks: list[str], raw: list[str]) -> list[Hit]:
        """Every span of up to MAX_NGRAM words that is a name, derived name or target."""
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
                if qualified(raw, i + n):
                    continue
                hits.append(Hit(i, n, ids, how, key))
        return hits

    def outside_hits(self, toks: list[str]) -> list[Hit]:
        """Every span that names a drug outside immunotherapy (exact names only: a typo of
        one is never guessed, in either direction)."""
        hits = []
        for n in range(min(MAX_NGRAM, len(toks)), 0, -1):
            for i in range(len(toks) - n + 1):
                ids = self.outside.get(words.join(toks[i : i + n]))
                if ids:
                    hits.append(Hit(i, n, ids, "exact"))
        return hits
