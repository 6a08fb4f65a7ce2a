"""Parse what a user typed into a Query: which command, which kind of entry, which section.

The same grammar serves `/immuno …`, @-mentions in plain English and the local shell. The
command table below is the single source of the help text, so help never drifts from what the
parser accepts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot import words
from bot.knowledge import Kind


class Command(StrEnum):
    """What a request asks the bot to do."""

    LOOKUP = "lookup"
    COMPARE = "compare"
    LIST = "list"
    SEARCH = "search"
    ABOUT = "about"
    HELP = "help"


class Section(StrEnum):
    """A part of an entry a question can ask for (and a card can show foremost)."""

    OVERVIEW = "overview"
    INDICATIONS = "indications"
    SIDE_EFFECTS = "side_effects"
    MECHANISM = "mechanism"
    MONITORING = "monitoring"
    MANAGEMENT = "management"
    GRADING = "grading"
    CAUSES = "causes"
    THERAPIES = "therapies"
    BIOMARKERS = "biomarkers"
    MEMBERS = "members"
    BOXED_WARNING = "boxed_warning"
    SYMPTOMS = "symptoms"
    RESISTANCE = "resistance"
    COMBINATIONS = "combinations"


@dataclass(frozen=True)
class CommandSpec:
    """One line of help: the command, how to type it, what it does, examples, and the first
    words that start it (the parser reads these, so help and parser cannot drift apart)."""

    command: Command
    usage: str
    description: str
    examples: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.command.value


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        Command.LOOKUP,
        "<anything>",
        "Look up a drug, therapy class, side effect, cancer or concept "
        "by name, brand or abbreviation. Typos are fine.",
        ("keytruda", "axi-cel", "checkpoint inhibitors", "CRS", "NSCLC"),
    ),
    CommandSpec(
        Command.LOOKUP,
        "drug|class|side-effect|cancer|concept <name>",
        "The same, restricted to one kind of entry.",
        ("drug pembro", "side-effect colitis", "cancer myeloma"),
    ),
    CommandSpec(
        Command.LOOKUP,
        "<question>",
        "Ask for one part of an entry: side effects, "
        "management, indications, mechanism, grading, monitoring.",
        ("side effects of nivolumab", "how is colitis managed?", "which drugs cause pneumonitis"),
    ),
    CommandSpec(
        Command.LOOKUP,
        "<subject>",
        "The field itself: how immunotherapy works, biomarkers (PD-L1, MSI-H, TMB), "
        "resistance, combinations, response patterns. Drugs that are not immunotherapy "
        "get a line saying what they are.",
        ("what is immunotherapy", "what is TMB", "pseudoprogression"),
    ),
    CommandSpec(
        Command.LOOKUP,
        "<patient>",
        "Describe the patient: findings, values and the drug, or a grade and what you want to "
        "do. The answer comes first, with the grade and the rule that gave it.",
        (
            "high TSH on nivo",
            "8 watery stools a day above baseline on ipi+nivo",
            "grade 3 hepatitis: what now?",
        ),
    ),
    CommandSpec(
        Command.COMPARE,
        "compare <drug> <drug>",
        "Two drugs side by side (also “a vs b”).",
        ("compare pembro nivo", "atezolizumab vs durvalumab"),
        ("compare", "comparison", "difference between", "diff"),
    ),
    CommandSpec(
        Command.LIST,
        "list [drugs|classes|side-effects|cancers|concepts]",
        "Everything the bot knows, by kind.",
        ("list", "list drugs"),
        ("list",),
    ),
    CommandSpec(
        Command.SEARCH,
        "search <words>",
        "Ranked matches for some words.",
        ("search lymphoma", "search CD19"),
        ("search", "find"),
    ),
    CommandSpec(
        Command.ABOUT,
        "about",
        "The knowledge file: size, newest review date, version.",
        ("about",),
        ("about", "version", "status"),
    ),
    CommandSpec(Command.HELP, "help", "This message.", ("help",), ("help", "?", "h", "usage")),
)

#: The first word of a request → the command it starts (one-word keywords only; compare's
#: phrases are matched by _COMPARE_RE, built from the same table).
_BY_KEYWORD: dict[str, Command] = {
    word: spec.command for spec in COMMANDS for word in spec.keywords if " " not in word
}
_COMPARE_WORDS = next(spec.keywords for spec in COMMANDS if spec.command is Command.COMPARE)

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
    "concept": Kind.CONCEPT,
    "concepts": Kind.CONCEPT,
}

# Which part of an entry a question asks for. Checked in order; the first pattern found wins.
SECTION_PATTERNS: tuple[tuple[Section, re.Pattern[str]], ...] = tuple(
    (Section(name), re.compile(pattern))
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

_COMPARE_RE = re.compile(
    r"^\s*(" + "|".join(re.escape(w) for w in _COMPARE_WORDS) + r")\b\s*(.*)$", re.I
)
#: "A vs B" compares two things; "vs baseline", "versus ULN" is a value against its reference.
_VERSUS_RE = re.compile(
    r"\s(?:vs\.?|versus|v\.?)\s(?!(?:the\s+|her\s+|his\s+)?(?:baseline|uln|lln|normal|upper "
    r"limit|lower limit|usual|before|prior|pre-?treatment)\b)",
    re.I,
)
_MENTION_RE = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


@dataclass(frozen=True)
class Query:
    """A parsed request."""

    command: Command
    text: str = ""
    kind: Kind | None = None
    section: Section | None = None
    others: tuple[str, ...] = ()
    full: str = ""  # the whole text, when a leading word was read as a kind ("cancer vaccines")


#: Any section pattern at all: one search that turns away most questions (a bare name) before
#: the ordered patterns are tried one by one (about a third of the time of trying each).
_ANY_SECTION = re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern in SECTION_PATTERNS))


def find_section(text: str) -> Section | None:
    """The section a question asks for, if it names one."""
    lowered = " ".join(text.lower().split())
    if not _ANY_SECTION.search(lowered):
        return None
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
        return Query(Command.HELP)
    first, _, rest = text.partition(" ")
    head = first.lower()
    command = _BY_KEYWORD.get(head) or _BY_KEYWORD.get(head.rstrip(":?!.,"))  # "?", "help:"
    if command is Command.HELP:
        return Query(Command.HELP)
    if command is Command.ABOUT:
        return Query(Command.ABOUT, rest)
    if command is Command.LIST:
        wanted = re.sub(r"^(the|all|every)\s+", "", rest.strip().lower()).replace(" ", "-")
        kind = _KIND_WORDS.get(wanted) if wanted else None
        if wanted in ("", "all", "everything") or kind is not None:
            return Query(Command.LIST, rest, kind=kind)
        # "list the PD-1 inhibitors"
        return Query(Command.LOOKUP, rest, section=Section.MEMBERS, full=text)
    if command is Command.SEARCH:
        return Query(Command.SEARCH, rest)
    compare = _COMPARE_RE.match(text)
    if compare:
        rest = compare.group(2)
        return Query(Command.COMPARE, rest, others=_split_compare(rest), full=text)
    if _VERSUS_RE.search(f" {text} "):
        return Query(Command.COMPARE, text, others=_split_compare(text))
    kind = _KIND_WORDS.get(first.lower().rstrip(":?!.,"))
    if kind is not None and rest:
        return Query(Command.LOOKUP, rest, kind=kind, section=find_section(rest), full=text)
    return Query(Command.LOOKUP, text, section=find_section(text))


def normalised(text: str) -> str:
    """The form a query is logged and counted under (case and punctuation folded)."""
    return " ".join(words.fold(text).split())[:200]
