"""Parse what a user typed into a Query: which command, which kind of entry, which section.

The same grammar serves `/immuno …`, @-mentions in plain English and the local shell. The
command table below is the single source of the help text, so help never drifts from what the
parser accepts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot import words
from bot.knowledge import Kind


@dataclass(frozen=True)
class CommandSpec:
    """One command: how to type it, what it does, and examples for the help text."""

    name: str
    usage: str
    description: str
    examples: tuple[str, ...] = ()


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "lookup",
        "<anything>",
        "Look up a drug, therapy class, side effect or cancer "
        "by name, brand or abbreviation. Typos are fine.",
        ("keytruda", "axi-cel", "checkpoint inhibitors", "CRS", "NSCLC"),
    ),
    CommandSpec(
        "kind",
        "drug|class|side-effect|cancer <name>",
        "The same, restricted to one kind of entry.",
        ("drug pembro", "side-effect colitis", "cancer myeloma"),
    ),
    CommandSpec(
        "section",
        "<question>",
        "Ask for one part of an entry: side effects, "
        "management, indications, mechanism, grading, monitoring.",
        ("side effects of nivolumab", "how is colitis managed?", "which drugs cause pneumonitis"),
    ),
    CommandSpec(
        "compare",
        "compare <drug> <drug>",
        "Two drugs side by side (also “a vs b”).",
        ("compare pembro nivo", "atezolizumab vs durvalumab"),
    ),
    CommandSpec(
        "list",
        "list [drugs|classes|side-effects|cancers]",
        "Everything the bot knows, by kind.",
        ("list", "list drugs"),
    ),
    CommandSpec(
        "search",
        "search <words>",
        "Ranked matches for some words.",
        ("search lymphoma", "search CD19"),
    ),
    CommandSpec(
        "about", "about", "The knowledge file: size, newest review date, version.", ("about",)
    ),
    CommandSpec("help", "help", "This message.", ("help",)),
)

_KIND_WORDS: dict[str, Kind] = {
    "drug": Kind.DRUG,
    "drugs": Kind.DRUG,
    "class": Kind.CLASS,
    "classes": Kind.CLASS,
    "side-effect": Kind.SIDE_EFFECT,
    "side-effects": Kind.SIDE_EFFECT,
    "sideeffect": Kind.SIDE_EFFECT,
    "sideeffects": Kind.SIDE_EFFECT,
    "ae": Kind.SIDE_EFFECT,
    "aes": Kind.SIDE_EFFECT,
    "toxicity": Kind.SIDE_EFFECT,
    "cancer": Kind.CANCER,
    "cancers": Kind.CANCER,
}

# Which part of an entry a question asks for. Checked in order; the first pattern found wins.
SECTION_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("boxed_warning", r"\b(boxed|black ?box)\b"),
        (
            "causes",
            r"\b(which|what|list( the)?|any)\s+(drugs?|agents?|medications?|"
            r"therap(y|ies)|treatments?|immunotherap(y|ies))\b.*\b(cause|causes|"
            r"caused|causing|associated|linked|lead)\b|\bcaused by\b|"
            r"\bwhat causes\b|\bdrugs? (that|which) cause",
        ),
        ("grading", r"\b(grad(e|es|ed|ing)|ctcae|astct|severity)\b"),
        (
            "side_effects",
            r"\b(side[ -]?effects?|adverse( events?| effects?| reactions?)?|"
            r"toxicit(y|ies)|aes?|irAEs? of)\b",
        ),
        (
            "indications",
            r"\b(indicat\w*|approved|approvals?|used (for|in|to)|uses?|"
            r"(what|which) (cancers?|tumou?rs?|diseases?)|licensed)\b",
        ),
        (
            "management",
            r"\b(manag\w*|treat(ed|ing)?|handl\w*|what to do|how to deal)\b|"
            r"\btreatment (of|for)\b(?!.*\b(cancer|carcinoma|lymphoma|leuka?emia|"
            r"myeloma|melanoma|tumou?r)s?\b)",
        ),
        ("members", r"\b(which|what|list|examples?)\b.*\b(drugs?|agents?|members?)\b"),
        ("therapies", r"\b(immunotherap(y|ies)|treatments?|therap(y|ies)|options?)\b"),
        (
            "mechanism",
            r"\b(mechanism|moa|how does .* work|how do .* work|how it works|"
            r"targets?|what does .* (do|block|target))\b",
        ),
        ("monitoring", r"\bmonitor\w*|\blabs?\b|\bcheck\b"),
        ("symptoms", r"\b(symptoms?|signs?|present\w*|look like)\b"),
        ("biomarkers", r"\b(biomarkers?|markers?|pd-?l1 (testing|expression)|predict\w*)\b"),
        ("resistance", r"\b(resistan\w*|non-?respon\w*|don'?t respond|fail\w*)\b"),
        ("combinations", r"\b(combin\w*|with chemo\w*|with radiation|plus)\b"),
    )
)

_COMPARE_RE = re.compile(r"^\s*(compare|comparison|difference between|diff)\b\s*(.*)$", re.I)
_VERSUS_RE = re.compile(r"\s(?:vs\.?|versus|v\.?)\s", re.I)
_MENTION_RE = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


@dataclass(frozen=True)
class Query:
    """A parsed request."""

    command: str
    text: str = ""
    kind: Kind | None = None
    section: str | None = None
    others: tuple[str, ...] = ()
    full: str = ""  # the whole text, when a leading word was read as a kind ("cancer vaccines")


def find_section(text: str) -> str | None:
    """The section a question asks for, if it names one."""
    lowered = " ".join(text.lower().split())
    for name, pattern in SECTION_PATTERNS:
        if pattern.search(lowered):
            return name
    return None


def strip_mentions(text: str) -> str:
    """Remove @-mentions of the bot (and anyone else) from a message."""
    return _MENTION_RE.sub(" ", text).strip()


def _split_compare(rest: str) -> tuple[str, ...]:
    parts = [
        p
        for p in re.split(r"\s*(?:,|\bvs\.?|\bversus|\band\b|\bwith\b|/|&)\s*", rest, flags=re.I)
        if p.strip()
    ]
    return tuple(parts)


def parse(text: str) -> Query:
    """Parse a slash-command text, a mention (without the @) or a shell line."""
    text = " ".join(strip_mentions(text).split())
    if not text:
        return Query("help")
    first, _, rest = text.partition(" ")
    head = first.lower().rstrip(":?!.,")
    if head in ("help", "?", "h", "usage"):
        return Query("help")
    if head in ("about", "version", "status"):
        return Query("about", rest)
    if head == "list":
        wanted = re.sub(r"^(the|all|every)\s+", "", rest.strip().lower()).replace(" ", "-")
        kind = _KIND_WORDS.get(wanted) if wanted else None
        if wanted in ("", "all", "everything") or kind is not None:
            return Query("list", rest, kind=kind)
        return Query("lookup", rest, section="members", full=text)  # "list the PD-1 inhibitors"
    if head in ("search", "find"):
        return Query("search", rest)
    compare = _COMPARE_RE.match(text)
    if compare:
        return Query("compare", compare.group(2), others=_split_compare(compare.group(2)))
    if _VERSUS_RE.search(f" {text} "):
        return Query("compare", text, others=_split_compare(text))
    kind = _KIND_WORDS.get(head)
    if kind is not None and rest:
        return Query("lookup", rest, kind=kind, section=find_section(rest), full=text)
    return Query("lookup", text, section=find_section(text))


def normalised(text: str) -> str:
    """The form a query is logged and counted under (case and punctuation folded)."""
    return " ".join(words.fold(text).split())[:200]
