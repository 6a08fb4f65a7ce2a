"""What a clinical question asks for: one fixed vocabulary of intents, read from its words.

The intents are the contract with the bench (bench/clinical.py scores these exact strings).
The patterns are English question grammar; nothing here names a drug or a side effect.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.words import SHORTHAND


class Intent(StrEnum):
    ACT = "act"  # what to do: manage, dose, hold, continue, stop for good, rechallenge
    GRADE = "grade"  # how is it graded / what grade is this
    MONITOR = "monitor"
    BOXED_WARNING = "boxed_warning"
    REMS = "rems"
    APPROVAL = "approval"  # first approval, year, when
    TARGET = "target"  # target or mechanism
    PREGNANCY = "pregnancy"  # pregnancy, contraception
    DRIVING = "driving"
    ONSET = "onset"  # when does it start
    CHOOSE = "choose"  # "X or Y"
    INDICATIONS = "indications"  # what is it used for / options for a cancer
    SIDE_EFFECTS = "side_effects"  # what are the side effects of X
    LOOKUP = "lookup"  # a bare name or "what is X"


#: Checked in order; the first intent whose pattern is found wins.
PATTERNS: tuple[tuple[Intent, re.Pattern[str]], ...] = tuple(
    (intent, re.compile(pattern))
    for intent, pattern in (
        (Intent.BOXED_WARNING, r"\b(boxed|black[ -]?box|bbw)\b"),
        (Intent.REMS, r"\brems\b|risk evaluation and mitigation"),
        (
            Intent.PREGNANCY,
            r"\b(pregnan\w*|contracepti\w*|breast[- ]?feed\w*|lactat\w*|fertility|conceive|"
            r"embryo\w*|fetal|foetal|birth control)\b",
        ),
        (Intent.DRIVING, r"\b(driv(e|es|ing)|operate (heavy )?machinery|behind the wheel)\b"),
        (
            Intent.APPROVAL,
            r"\b(first (fda )?approv\w*|approved first|when was .{0,40}approved|"
            r"(year|date) (of|it was) (first )?approv\w*|approval (year|date)|first approval|"
            r"which (one |drug |agent )?(came|was approved|got approved) first|"
            r"what year .{0,40}approv\w*|when did .{0,40}(get|receive) .{0,20}approv\w*|"
            r"approv\w* in what year|approved (before|after|earlier|later)|came first|"
            r"(older|newer|earlier) (drug|agent|approval)|when did (the )?fda approve|"
            r"(first|what|which) year .{0,40}on the market|on the market since)\b",
        ),
        (
            Intent.GRADE,
            r"\b(how (is|are|do you|do we|to) .{0,40}grad\w*|what grade|which grade|"
            r"grade (it|this)|grading|graded|ctcae|astct (grade|criteria|grading)|"
            r"severity grade|how severe is)\b",
        ),
        (
            Intent.ONSET,
            r"\b((?<!new )onset|when does .{0,40}(start|occur|appear|develop|happen|begin)|"
            r"how soon|"
            # "when do we start steroids" asks what to do (act), not when it begins
            r"how long after|time to onset|timing|when (do|does|can|might) (?!(i|we|you) )"
            r".{0,40}(start|occur|appear|develop|happen)|typically (start|occur|appear)s?|"
            r"shows? up|how (late|early|long after)|when does .{0,40}present|"
            r"how many (days|weeks|months) (in|into|after)|usually (start|occur|appear)s?|"
            r"starts? (more|later) than)\b",
        ),
        (
            Intent.TARGET,
            r"\b(target(s|ed)?|mechanism|moa|how does .{0,40} work|what (\w+ )?does .{0,40} "
            r"(block|bind|target)|binds? to|directed (against|at))\b",
        ),
        (
            Intent.MONITOR,
            r"\b(monitor\w*|how often .{0,30}(check|test|measure)|what (labs|tests) "
            r"(to|should|do)|baseline (labs|tests)|what to check|surveillance|"
            r"screen(ing)? before|screening|schedule|labs (on|for)|keep checking|checking|"
            r"until when|before starting|stay near|how long .{0,30}(admit|stay|hospital)\w*|"
            r"(hospitali[sz]\w*|admi(t|ssion|tted)) after .{0,20}(step|dose))\b",
        ),
        (
            Intent.ACT,
            r"\b(what now|what next|next steps?|what (do|should|to) (i|we|you)? ?do|what to do|"
            r"manag\w*|treat(ed|ing|ment)?|handl\w*|approach|dose|dosing|hold|withhold|"
            r"continue|stop(ped)?|discontinu\w*|rechallenge|re-challenge|resume|restart|"
            r"steroids?|how to deal|plan|give|start|can (i|we) (give|continue|keep))\b",
        ),
        (
            Intent.SIDE_EFFECTS,
            r"\b(side[ -]?effects?|adverse( events?| effects?| reactions?)?|toxicit(y|ies)|"
            r"ae'?s|irae?s? of|what .{0,20}(cause|causes))\b",
        ),
        (
            Intent.INDICATIONS,
            r"\b(indicat\w*|approved (for|in)|used (for|in)|uses? of|what is .{0,30} for|"
            r"options?|(first|second|third)[- ]line|1l|2l|3l|which (drugs?|immunotherap\w*|"
            r"checkpoint inhibitors?|agents?) (are|is|for)|licensed|"
            r"(immunotherap\w*|therap(y|ies)|drugs|agents) (for|in))\b",
        ),
    )
)

_OR_RE = re.compile(r"\bor\b")


_WORD_RE = re.compile(r"[a-z]+")


def _expanded(text: str) -> str:
    """Lower-case, one space between words, clinic shorthand read as the words it stands for
    (words.SHORTHAND: "tox of X", "IO for X", "side fx", "mgmt"), so the patterns are written
    once, in full words."""
    lowered = " ".join(text.lower().split())
    return _WORD_RE.sub(lambda m: SHORTHAND.get(m.group(0), m.group(0)), lowered)


def find_intent(text: str) -> Intent | None:
    """The intent a question's words name, if any (None for a bare name)."""
    lowered = _expanded(text)
    for intent, pattern in PATTERNS:
        if pattern.search(lowered):
            return intent
    return None
