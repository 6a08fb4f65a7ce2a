"""Read lab values, directions, units and signs out of a clinical question.

"AST 6x ULN", "TSH 12", "creatinine doubled", "8 watery stools a day above baseline", "fever
39.4 and on one pressor", "suppressed TSH": each becomes a Reading (a lab with its value, unit or
reference, and direction). Direction words and number grammar are English and live here; which
lab a word names comes from the vocabulary (knowledge/labs.yaml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.knowledge import Knowledge
from bot.measures import Lab
from bot.read.vocabulary import Hit, Vocabulary, find, vocabulary, words_of

NUM = r"(\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:[.,]\d+)?)"
HIGH_WORDS = (
    "high higher raised elevated elevation rising rise rose risen increasing increased up "
    "climbing doubled tripled spiking spike surge abnormal positive detectable above bump "
    "bumped uptrending"
).split()
LOW_WORDS = (
    "low lower decreased decreasing suppressed falling fell fallen dropping dropped drop down "
    "reduced undetectable depressed deficient below"
).split()
_MULTIPLE_WORDS = {"doubled": 2.0, "tripled": 3.0, "quadrupled": 4.0}
#: What denies the finding written right after it ("no fever", "denies rash", "free of
#: diarrhea"): read for lab and sign phrases here, and for side effects named (bot.read).
DENIALS = ("no", "not", "without", "denies", "denied", "nil", "negative for", "absent", "free of")
_NEGATION_RE = re.compile(r"\b(" + "|".join(DENIALS) + r")\W+$")
_REFERENCE_RE = re.compile(
    r"(uln|upper limit(?: of normal)?|lln|lower limit(?: of normal)?|baseline)"
)
_VALUE_AFTER_RE = re.compile(
    r"^[\s:=,(]*(?:(?:is|was|are|of|at|now|level|levels|value|rose|risen|rising|went|increased|"
    r"elevated|raised|high|low|up|down|dropped|fell|falling|to|about|around|~|>|>=|over|above|"
    r"below|under|<|<=|from\s+" + NUM + r")\s*)*" + NUM + r"\s*(?P<rest>.{0,30})"
)
_VALUE_BEFORE_RE = re.compile(
    NUM + r"\s*(?P<mult>%|x|times)?\s*(?P<unit>l/min|lpm|l|liters?|litres?)?\s*"
    r"(?:(?:more|extra|watery|loose|liquid|bloody|episodes of|of)\s+)*$"
)
_PER_DAY_RE = re.compile(
    NUM + r"\s*(?:x|times|episodes|bms?|bowel movements|stools)?\s*(?:a|per|/|each)\s*day\b"
)
_DAYS_RES = (
    (re.compile(r"\bday\s*\+?\s*(\d{1,3})\b"), 1),
    (re.compile(r"\bd\+(\d{1,3})\b"), 1),
    (re.compile(r"\b(\d{1,3})\s*days?\s*(?:after|post|since|from|out|following)\b"), 1),
    (re.compile(r"\b(\d{1,2})\s*weeks?\s*(?:after|post|since|from|out|into|following)\b"), 7),
    (re.compile(r"\bweek\s*(\d{1,2})\b"), 7),
    (re.compile(r"\b(\d{1,2})\s*months?\s*(?:after|post|since|from|out|into|following)\b"), 30),
)


@dataclass(frozen=True)
class Reading:
    """One lab or measure as the question gives it."""

    lab: str
    value: float | None = None  # in the lab's first unit, or a multiple of `reference`
    reference: str = ""  # "ULN", "LLN" or "baseline" when the value is a multiple of it
    direction: str = ""  # "high", "low" or ""
    uln: float | None = None  # the lab's limit or the patient's baseline, when given
    baseline: float | None = None
    shown: str = ""  # the value as written, for the rule line
    assumed: tuple[str, ...] = ()


_NUMBER_WORDS = {
    w: str(n)
    for n, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
_NUMBER_WORD_RE = re.compile(
    r"\b(" + "|".join(_NUMBER_WORDS) + r")\b(?=\s*(?:times|x\b|fold|stools?|watery|loose|"
    r"liquid|episodes|bowel|bms?\b))",
    re.I,
)


def prepare(text: str) -> str:
    """One kind of dash, space and multiplication sign; counts in words as digits ("five
    times ULN", "eight watery stools"); case kept (for "Mg" vs "mg")."""
    text = text.replace("×", "x").replace("–", "-").replace("—", "-").replace("≥", ">=")
    text = text.replace("10⁹", "10^9")
    text = _NUMBER_WORD_RE.sub(lambda m: _NUMBER_WORDS[m.group(1).lower()], text)
    return " ".join(text.replace("≤", "<=").replace("’", "'").split())


def normalise(text: str) -> str:
    """prepare(), in lower case."""
    return prepare(text).lower()


def _number(text: str) -> float:
    """ "1,000" is a thousand; "1,5" is one and a half (a decimal comma)."""
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", text):
        return float(text.replace(",", ""))
    return float(text.replace(",", "."))


def negated(lowered: str, start: int) -> bool:
    """Whether the words just before `start` deny what follows ("no fever")."""
    before = lowered[max(0, start - 24) : start]
    return bool(_NEGATION_RE.search(before))


def read_signs(text: str, knowledge: Knowledge) -> tuple[str, ...]:
    """The sign phrases of the knowledge that the question states (not denied)."""
    prepared = prepare(text)
    lowered = prepared.lower()
    vocab = vocabulary(knowledge)
    found = [
        hit.phrase.sign
        for hit in find(words_of(prepared), vocab.signs, vocab.longest, prepared, vocab.starts)
        if not negated(lowered, hit.start)
    ]
    return tuple(dict.fromkeys(found))


def read_days(text: str) -> int | None:
    """Days since the dose or infusion, when the question says ("day 3 after axi-cel")."""
    lowered = normalise(text)
    for pattern, scale in _DAYS_RES:
        match = pattern.search(lowered)
        if match:
            return int(match.group(1)) * scale
    return None


_CLAUSE_RE = re.compile(r"[,;.(]| and | but | with | while ")


def _direction_near(lowered: str, start: int, end: int) -> str:
    """A direction word in the same clause, nearest first: "TSH suppressed", "high TSH"."""
    before_text = _CLAUSE_RE.split(lowered[max(0, start - 20) : start])[-1]
    before = re.findall(r"[a-z]+", before_text)[-2:]
    after_text = _CLAUSE_RE.split(lowered[end : end + 30])[0]
    after = re.findall(r"[a-z]+", after_text)[:3]
    nearest = [w for pair in zip(reversed(before), after, strict=False) for w in pair]
    rest = [*reversed(before), *after]
    for word in [*nearest, *rest]:
        if word in HIGH_WORDS:
            return "high"
        if word in LOW_WORDS:
            return "low"
    return ""


def read_labs(text: str, knowledge: Knowledge) -> tuple[Reading, ...]:
    """Every lab or measure the question mentions, with value, reference and direction."""
    prepared = prepare(text)
    lowered = prepared.lower()
    vocab = vocabulary(knowledge)
    readings: list[Reading] = []
    hits = _lab_hits(prepared, vocab)
    spans = sorted({(h.start, h.end) for h in hits})
    for hit in hits:
        start, end, lab_id, term = hit.start, hit.end, hit.phrase.lab, hit.phrase.direction
        if negated(lowered, start):  # "no fever", "denies fever": not a finding
            continue
        local = _own_stretch(lowered, spans, start, end)
        lab = knowledge.labs[lab_id]
        reading = Reading(lab_id, direction=term or _direction_near(local, start, end))
        reading = _with_value(reading, local, start, end, lab, vocab.units)
        readings.append(reading)
    return tuple(_merge([*readings, *_per_day(lowered, knowledge, readings)]))


def _lab_hits(prepared: str, vocab: Vocabulary) -> list[Hit]:
    return find(words_of(prepared), vocab.labs, vocab.longest, prepared, vocab.starts)


def labs_named(text: str, knowledge: Knowledge) -> frozenset[str]:
    """The ids of the labs a text names, with or without a value (the same vocabulary and
    as-written rule for short names as read_labs: "mg" in "250 mg/m²" is not magnesium)."""
    return frozenset(h.phrase.lab for h in _lab_hits(prepare(text), vocabulary(knowledge)))


def _own_stretch(lowered: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    """The text between the neighbouring lab mentions, the rest blanked out (same length, so
    positions hold): "TSH 12 free T4 low" gives TSH its 12 and free T4 its "low"."""
    before = max((e for s, e in spans if e <= start), default=0)
    after = min((s for s, e in spans if s >= end), default=len(lowered))
    return ";" * before + lowered[before:after] + ";" * (len(lowered) - after)


def _per_day(lowered: str, knowledge: Knowledge, readings: list[Reading]) -> list[Reading]:
    """ "Diarrhea 8 times a day": a count per day with no measure named beside it."""
    match = _PER_DAY_RE.search(lowered)
    if match is None:
        return []
    counted = [lab for lab in knowledge.labs.values() if lab.base_unit == "per day"]
    return [
        Reading(lab.id, value=_number(match.group(1)), shown=f"{_number(match.group(1)):g}/day")
        for lab in counted
        if not any(r.lab == lab.id and r.value is not None for r in readings)
    ]


def _with_value(
    reading: Reading, lowered: str, start: int, end: int, lab: Lab, units: re.Pattern[str]
) -> Reading:
    """The value written after the lab ("AST 6x ULN") or before it ("8 watery stools")."""
    after = _VALUE_AFTER_RE.match(lowered[end : end + 60])
    before = _VALUE_BEFORE_RE.search(lowered[max(0, start - 30) : start])
    window = lowered[end : end + 30]
    for word, multiple in _MULTIPLE_WORDS.items():
        if re.search(rf"\b{word}\b", lowered[max(0, start - 20) : end + 20]):
            if "baseline" not in lab.relative:  # doubled from where? only the direction
                return replace(reading, direction="high")
            return replace(
                reading, value=multiple, reference="baseline", direction="high", shown=word
            )
    if after is None and before is None:
        given = _given_references(lowered, lab)
        return replace(reading, uln=given.get("uln"), baseline=given.get("baseline"))
    if after is not None:
        value, rest, first = _number(after.group(2)), after.group("rest"), after.group(1)
        shown = after.group(0).strip(" :=,(")
        moved = re.match(r"\s*(?:->|→|to)\s*" + NUM + r"\s*(?P<rest>.{0,30})", rest)
        if moved:  # "0.8 -> 2.9", "1.0 to 1.6": from a baseline to now
            first, value, rest = after.group(2), _number(moved.group(1)), moved.group("rest")
    else:
        assert before is not None  # one of the two matched
        value, rest, first = _number(before.group(1)), window, None
        shown = before.group(0).strip()
        if before.group("mult") in ("x", "times"):
            rest = "x " + rest
    return _interpret(reading, lab, value, rest, first, shown, lowered, units)


#: "x 10^9", "x10 ^ 9" as the unit x10^9/L is written (after "×" became "x").
_SCIENTIFIC_RE = re.compile(r"^x\s*10\s*\^\s*")


def _interpret(
    reading: Reading,
    lab: Lab,
    value: float,
    rest: str,
    first: str | None,
    shown: str,
    lowered: str,
    units: re.Pattern[str],
) -> Reading:
    """A number as a multiple of a reference ("6x ULN") or in a unit (assumed if not given).
    A unit that starts with "x" ("30 x10^9/L", "30 x 10^9/L") is the unit, never "30× ULN":
    read as a multiple, a low platelet count became a high one."""
    unit_match = units.match(_SCIENTIFIC_RE.sub("x10^", rest.strip()))
    multiple = (
        None
        # a count per day: "stools 5x a day" is five a day, not five times the baseline
        if unit_match or lab.base_unit == "per day"
        else re.match(r"\s*(?:x|times|fold)\s*(?:the\s+)?(\S+(?:\s+\S+){0,3})?", rest)
    )
    given = _given_references(lowered, lab)
    if multiple:
        ref_match = _REFERENCE_RE.search(multiple.group(1) or "")
        ref = _reference(ref_match.group(1)) if ref_match else ""
        assumed: tuple[str, ...] = ()
        if not ref and lab.relative:
            ref = lab.relative[0]
            assumed = (f"read “{shown}” as a multiple of the {ref}",)
        direction = reading.direction or ("low" if ref == "LLN" or value < 1 else "high")
        shown = f"{value:g}× {ref}" if ref else f"{value:g}×"
        return replace(
            reading, value=value, reference=ref, direction=direction, shown=shown, assumed=assumed
        )
    assumed = ()
    unit = lab.unit(unit_match.group("unit")) if unit_match else None
    if unit is None and lab.units:
        unit = lab.units[0]
        if lab.base_unit.startswith("°") and value > 45:
            unit = next((u for u in lab.units if u.unit == "°F"), unit)
        if not lab.counted:
            assumed = (f"read {value:g} as {unit.unit}",)
    base = unit.to_base(value) if unit else value
    shown = f"{value:g} {unit.unit}" if unit else f"{value:g}"
    if unit is not None and unit is not lab.units[0]:  # the grading rows are in the first unit
        shown += f" (= {base:.4g} {lab.base_unit})"
    if unit is not None and unit.unit == "per day":
        shown = f"{value:g}/day"
        if not re.search(r"\b(baseline|usual|normal|more than|above|over|extra)\b", lowered):
            assumed = (*assumed, f"read {value:g} as {lab.name}")
    baseline = given.get("baseline")
    if first is not None and baseline is None:
        baseline = unit.to_base(_number(first)) if unit else _number(first)
    return replace(
        reading,
        value=round(base, 3),
        shown=shown,
        uln=given.get("uln"),
        baseline=baseline,
        assumed=assumed,
    )


def _reference(word: str) -> str:
    if word.startswith(("uln", "upper")):
        return "ULN"
    if word.startswith(("lln", "lower")):
        return "LLN"
    return "baseline"


def _given_references(lowered: str, lab: Lab) -> dict[str, float]:
    """The lab's ULN or the patient's baseline when the question states them."""
    out: dict[str, float] = {}
    uln = re.search(r"\b(?:uln|upper limit(?: of normal)?)\s*(?:of|is|=|:)?\s*" + NUM, lowered)
    if uln:
        out["uln"] = _number(uln.group(1))
    base = (
        re.search(r"\bbaseline\s*(?:\w+\s*)?(?:of|was|is|=|:)?\s*" + NUM, lowered)
        or re.search(NUM + r"\s*(?:\w+\s*)?at baseline", lowered)
        # "was 1.0 before keytruda", "up from 0.9", "usually 1.1": the value before
        or re.search(r"\bwas\s*" + NUM + r"\s*(?:\w+\s*)?(?:before|prior)\b", lowered)
        or re.search(r"\b(?:up from|previously|usually|normally)\s*(?:was\s*)?" + NUM, lowered)
    )
    if base:
        out["baseline"] = _number(base.group(1))
    return out


def _merge(readings: list[Reading]) -> list[Reading]:
    """One reading per lab: the one with a value, else the one with a direction."""
    best: dict[str, Reading] = {}
    for reading in readings:
        old = best.get(reading.lab)
        if old is None or (old.value is None and reading.value is not None):
            best[reading.lab] = replace(
                reading, direction=reading.direction or (old.direction if old else "")
            )
        elif not old.direction and reading.direction:
            best[reading.lab] = replace(old, direction=reading.direction)
    return list(best.values())
