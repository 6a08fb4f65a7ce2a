"""Clinical questions: does the reply answer what a clinician asked, in its first lines?

Why this exists: bench/quality.py asks "did the bot find the entry for a name", but oncology staff
rarely type a name: they describe a patient ("8 watery stools/day over baseline on ipi+nivo",
"ICE score 5 day 4 post axi-cel", "is a REMS still required for Carvykti"). bench/clinical.yaml
holds such questions, written from the knowledge files and the guidelines they cite, each with the
entry a correct reply is about, the intent, the grade a published rule gives (CTCAE v5, ASTCT
2019), facts the first block must state and entries that would point the wrong way.
bench/clinical-holdout.yaml is a second set in other words, for checking that a change fixed a
cause rather than a sentence; do not tune against it.

The reply is read through the issue 10 answer interface with getattr defaults, so the same scorer
measures the code before and after that work: ``.entry`` (today: ``.match.entry``), ``.intent``,
``.grade`` and ``.message.blocks``. Figures:

- right entry: in-scope items whose reply is about an accepted entry;
- right grade: items with a grade whose reply states that grade (``.grade``);
- right intent: in-scope items whose ``.intent`` equals the expected intent;
- answer in the first block: items with ``first_block`` pieces or ``yes_no`` whose first section
  block holds every piece (and says yes / no first in its first line);
- first-reply length: characters of visible block text (header, section text and fields,
  context elements), median and p90 over in-scope questions that are not bare lookups;
- opposite answers: replies about, or whose first block names, an entry listed as ``opposite``
  (a hyperthyroidism answer to a high TSH); the target is none;
- out-of-scope precision: out-of-scope items given no entry.

Targets (judged on a full run): entry >= 95 %, grade >= 95 %, first block >= 90 %, median
length <= 1,200 characters, 0 opposite answers. A completed run always exits 0: it is a report.

Usage: ``python -m bench.clinical [--smoke] [--json PATH] [--set PATH] [--verbose]``.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import re
import statistics
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import read_yaml

try:  # issue 9 renames bot.commands to bot.answering; score whichever this checkout has
    from bot.answering import answer
except ImportError:
    from bot.commands import answer
try:
    from bot.resolve import Index
except ImportError:
    from bot.search import Index
try:
    from bot.loading import load_knowledge
except ImportError:
    from bot.validate import load_knowledge

if TYPE_CHECKING:
    from bot.knowledge import Knowledge

ROOT = Path(__file__).resolve().parent.parent
SET_PATH = ROOT / "bench" / "clinical.yaml"
HOLDOUT_PATH = ROOT / "bench" / "clinical-holdout.yaml"
KNOWLEDGE_PATH = ROOT / "knowledge"

OUT_OF_SCOPE = "out-of-scope"
INTENTS = (
    "act",
    "grade",
    "monitor",
    "boxed_warning",
    "rems",
    "approval",
    "target",
    "pregnancy",
    "driving",
    "onset",
    "choose",
    "indications",
    "side_effects",
    "lookup",
)
CATEGORIES = (
    "finding-drug",
    "finding-value",
    "grade-action",
    "yes-no",
    "approval",
    "target",
    "pregnancy",
    "driving",
    "onset",
    "monitoring",
    "choose",
    "cancer-class",
    "side-effects",
    "lookup",
    OUT_OF_SCOPE,
)
SMOKE_LIMIT = 25

TARGET_ENTRY = 0.95
TARGET_GRADE = 0.95
TARGET_FIRST_BLOCK = 0.90
TARGET_MEDIAN_CHARS = 1200
TARGET_OPPOSITE = 0

_KEYS = {"q", "entry", "intent", "grade", "why", "first_block", "yes_no", "opposite", "category"}


@dataclass(frozen=True)
class ClinicalItem:
    """One question of a clinical set and what a correct reply does with it."""

    q: str
    entries: tuple[str, ...]  # accepted entry ids; empty when the bot must give no entry
    intent: str
    category: str
    grade: int | None = None
    why: str = ""
    first_block: tuple[str, ...] = ()
    yes_no: str | None = None
    opposite: tuple[str, ...] = ()

    @property
    def in_scope(self) -> bool:
        return bool(self.entries)

    @property
    def checks_first_block(self) -> bool:
        return bool(self.first_block) or self.yes_no is not None

    @property
    def counts_length(self) -> bool:
        """A first reply to a question (not a bare lookup) is held to the length target."""
        return self.in_scope and self.intent != "lookup"


@dataclass(frozen=True)
class Reading:
    """What a reply says, read through the answer interface with defaults for older code."""

    entry_id: str | None
    intent: str | None
    grade: int | None
    first_block: str
    length: int
    detail: str = ""


@dataclass(frozen=True)
class ItemResult:
    """How one reply scored against its item; None where the item does not test that part."""

    item: ClinicalItem
    reading: Reading
    entry_ok: bool
    intent_ok: bool | None
    grade_ok: bool | None
    first_block_ok: bool | None
    missing: tuple[str, ...]
    opposite: bool

    @property
    def failed(self) -> bool:
        checks = (self.entry_ok, self.intent_ok, self.grade_ok, self.first_block_ok)
        return self.opposite or any(c is False for c in checks)


# -- the sets -------------------------------------------------------------------------------------


def _strings(value: Any, where: str, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ValueError(f"{where}: {name} must be a string or a list of non-empty strings")
    return tuple(values)


def _yes_no(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):  # YAML 1.1 reads a bare yes / no as a boolean
        return "yes" if value else "no"
    if value not in ("yes", "no"):
        raise ValueError(f"{where}: yes_no must be yes or no")
    return value


def parse_item(raw: Any, where: str) -> ClinicalItem:
    """One item, checked: a malformed item is an error, never a silently easier question."""
    if not isinstance(raw, dict) or not {"q", "entry", "intent", "category"} <= set(raw):
        raise ValueError(f"{where}: an item needs q, entry, intent and category")
    unknown = set(raw) - _KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    q, category, intent = raw["q"], raw["category"], raw["intent"]
    if not isinstance(q, str) or not q.strip():
        raise ValueError(f"{where}: q must be non-empty text")
    where = f"{where} ({q!r})"
    if category not in CATEGORIES:
        raise ValueError(f"{where}: unknown category {category!r}")
    if intent not in INTENTS:
        raise ValueError(f"{where}: unknown intent {intent!r}")
    entries = () if raw["entry"] == OUT_OF_SCOPE else _strings(raw["entry"], where, "entry")
    if not entries and raw["entry"] != OUT_OF_SCOPE:
        raise ValueError(f"{where}: entry must name an id or be {OUT_OF_SCOPE}")
    if (not entries) != (category == OUT_OF_SCOPE):
        raise ValueError(f"{where}: entry {OUT_OF_SCOPE} if and only if category {OUT_OF_SCOPE}")
    grade = raw.get("grade")
    if grade is not None and (isinstance(grade, bool) or grade not in (1, 2, 3, 4, 5)):
        raise ValueError(f"{where}: grade must be an integer 1-5")
    why = raw.get("why", "")
    if (grade is None) != (not why):
        raise ValueError(f"{where}: a grade needs a why (the rule), and a why needs a grade")
    return ClinicalItem(
        q=q,
        entries=entries,
        intent=intent,
        category=category,
        grade=grade,
        why=str(why),
        first_block=_strings(raw.get("first_block"), where, "first_block"),
        yes_no=_yes_no(raw.get("yes_no"), where),
        opposite=_strings(raw.get("opposite"), where, "opposite"),
    )


def load_items(path: Path, limit: int | None = None) -> list[ClinicalItem]:
    """Read a clinical set (a mapping with an `items` list)."""
    doc = read_yaml(path)
    raw_items = doc.get("items") if isinstance(doc, dict) else None
    if not isinstance(raw_items, list):
        raise ValueError(f"{path}: expected a mapping with an 'items' list")
    items = [parse_item(raw, f"{path.name}: item {n}") for n, raw in enumerate(raw_items, 1)]
    return items[:limit] if limit is not None else items


def ids_used(items: Iterable[ClinicalItem]) -> set[str]:
    """Every entry id a set relies on (expected and opposite)."""
    return {i for item in items for i in (*item.entries, *item.opposite)}


def load(knowledge_path: Path) -> Knowledge:
    """The knowledge the bot would serve; a file that fails validation cannot be benchmarked."""
    result = load_knowledge(knowledge_path)
    if result.knowledge is None:
        problems = "; ".join(str(p) for p in result.problems[:5])
        raise RuntimeError(f"knowledge at {knowledge_path} does not load: {problems}")
    return result.knowledge


# -- reading a reply ------------------------------------------------------------------------------

_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2212]")
_MARKUP = re.compile(r"[*_~`]")
_MISSING = object()


def normalize(text: str) -> str:
    """Lower case, Slack escapes undone, mrkdwn markers dropped, dashes and spaces made plain."""
    text = _MARKUP.sub("", html.unescape(text)).lower()
    return " ".join(_DASHES.sub("-", text).split())


def _text(obj: Any) -> str:
    return obj.get("text", "") if isinstance(obj, dict) else ""


def section_text(block: dict[str, Any]) -> str:
    """A section block's visible text: its text and its fields."""
    parts = [_text(block.get("text"))] + [_text(f) for f in block.get("fields") or ()]
    return "\n".join(p for p in parts if p)


def first_section(blocks: Sequence[dict[str, Any]]) -> str:
    """The answer: the first section block (a header is a title, not the answer)."""
    for block in blocks:
        if block.get("type") == "section":
            return section_text(block)
    return ""


def visible_length(blocks: Sequence[dict[str, Any]]) -> int:
    """Characters a reader sees: header, section text and fields, context elements."""
    total = 0
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            total += len(_text(block.get("text")))
        elif kind == "section":
            total += len(section_text(block))
        elif kind == "context":
            total += sum(len(_text(e)) for e in block.get("elements") or ())
    return total


def _describe(reply: Any) -> str:
    query = getattr(reply, "query", None)
    command = getattr(query, "command", None)
    match = getattr(reply, "match", None)
    if match is None:
        return f"no lookup ({command})" if command else ""
    if getattr(match, "ambiguous", False):
        return "choices: " + ", ".join(e.id for e in getattr(match, "choices", ()))
    return str(getattr(match, "how", "")) if getattr(match, "entry", None) else "miss"


def read_reply(reply: Any) -> Reading:
    """Read entry, intent, grade and blocks; code without `.entry` falls back to `.match`."""
    entry = getattr(reply, "entry", _MISSING)
    if entry is _MISSING:
        match = getattr(reply, "match", None)
        entry = getattr(match, "entry", None) if match is not None else None
    intent = getattr(reply, "intent", None)
    grade = getattr(reply, "grade", None)
    message = getattr(reply, "message", None)
    blocks = list(getattr(message, "blocks", None) or ())
    return Reading(
        entry_id=getattr(entry, "id", None) if entry is not None else None,
        intent=str(intent) if intent is not None else None,
        grade=int(grade) if isinstance(grade, int | str) and str(grade).isdigit() else None,
        first_block=first_section(blocks),
        length=visible_length(blocks),
        detail=_describe(reply),
    )


# -- scoring one item -----------------------------------------------------------------------------

_YES_NO = re.compile(r"\b(yes|no)\b")


def first_line_answer(first_block: str) -> str | None:
    """ "yes" or "no", whichever the first non-empty line of the first block says first."""
    for line in first_block.splitlines():
        if line.strip():
            found = _YES_NO.search(normalize(line))
            return found.group(1) if found else None
    return None


def missing_pieces(item: ClinicalItem, first_block: str) -> tuple[str, ...]:
    """The expected pieces the first block does not hold (a missing yes / no counts as one)."""
    text = normalize(first_block)
    missing = [p for p in item.first_block if normalize(p) not in text]
    if item.yes_no is not None and first_line_answer(first_block) != item.yes_no:
        missing.append(f"{item.yes_no!r} in the first line")
    return tuple(missing)


def names_opposite(item: ClinicalItem, reading: Reading, knowledge: Knowledge) -> bool:
    """The reply is about an opposite entry, or its first block names one."""
    if reading.entry_id in item.opposite:
        return True
    text = normalize(reading.first_block)
    for entry_id in item.opposite:
        entry = knowledge.entries.get(entry_id)
        if entry is not None and normalize(entry.name) in text:
            return True
    return False


def score_item(item: ClinicalItem, reading: Reading, knowledge: Knowledge) -> ItemResult:
    """Score one reply; parts the item does not test are None."""
    # In scope: about an accepted entry. Out of scope: about no entry at all.
    entry_ok = reading.entry_id in item.entries if item.in_scope else reading.entry_id is None
    missing = missing_pieces(item, reading.first_block) if item.checks_first_block else ()
    return ItemResult(
        item=item,
        reading=reading,
        entry_ok=entry_ok,
        intent_ok=reading.intent == item.intent if item.in_scope else None,
        grade_ok=reading.grade == item.grade if item.grade is not None else None,
        first_block_ok=not missing if item.checks_first_block else None,
        missing=missing,
        opposite=names_opposite(item, reading, knowledge),
    )


# -- the figures ----------------------------------------------------------------------------------


def _rate(flags: Iterable[bool | None]) -> tuple[float | None, int, int]:
    counted = [f for f in flags if f is not None]
    hits = sum(counted)
    return (hits / len(counted) if counted else None), hits, len(counted)


def percentile(values: Sequence[int], fraction: float) -> float | None:
    """Nearest-rank percentile (p90 of 10 values is the 9th smallest)."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(fraction * len(ordered)) - 1)])


def summarize(results: Sequence[ItemResult]) -> dict[str, Any]:
    """Rates, lengths and counts for a group of scored items."""
    in_scope = [r for r in results if r.item.in_scope]
    out_scope = [r for r in results if not r.item.in_scope]
    lengths = [r.reading.length for r in results if r.item.counts_length]
    figures: dict[str, Any] = {"n": len(results), "in_scope": len(in_scope)}
    for key, flags in (
        ("entry", [r.entry_ok for r in in_scope]),
        ("grade", [r.grade_ok for r in results]),
        ("intent", [r.intent_ok for r in results]),
        ("first_block", [r.first_block_ok for r in results]),
        ("oos_precision", [r.entry_ok for r in out_scope]),
    ):
        rate, hits, total = _rate(flags)
        figures[key] = {"rate": rate, "hits": hits, "of": total}
    figures["length"] = {
        "n": len(lengths),
        "median": float(statistics.median(lengths)) if lengths else None,
        "p90": percentile(lengths, 0.9),
    }
    figures["opposite"] = sum(r.opposite for r in results)
    return figures


def targets(overall: dict[str, Any]) -> dict[str, bool]:
    """Which of the issue 10 targets the figures meet (an empty measure does not meet one)."""

    def at_least(key: str, target: float) -> bool:
        rate = overall[key]["rate"]
        return rate is not None and rate >= target

    median = overall["length"]["median"]
    checks = {
        "entry": at_least("entry", TARGET_ENTRY),
        "grade": at_least("grade", TARGET_GRADE),
        "first_block": at_least("first_block", TARGET_FIRST_BLOCK),
        "median_length": median is not None and median <= TARGET_MEDIAN_CHARS,
        "opposite": overall["opposite"] <= TARGET_OPPOSITE,
    }
    return {**checks, "met": all(checks.values())}


def _failure(result: ItemResult) -> dict[str, Any]:
    item, reading = result.item, result.reading
    problems = []
    if not result.entry_ok:
        expected = " or ".join(item.entries) or "no entry"
        problems.append(f"entry: expected {expected}, got {reading.entry_id or 'none'}")
    if result.grade_ok is False:
        problems.append(f"grade: expected {item.grade}, got {reading.grade}")
    if result.intent_ok is False:
        problems.append(f"intent: expected {item.intent}, got {reading.intent}")
    if result.first_block_ok is False:
        problems.append("first block lacks " + ", ".join(repr(p) for p in result.missing))
    if result.opposite:
        problems.append("OPPOSITE answer (" + ", ".join(item.opposite) + ")")
    return {
        "q": item.q,
        "category": item.category,
        "problems": problems,
        "detail": reading.detail,
        "first_block": " ".join(reading.first_block.split())[:200],
    }


Answerer = Callable[[str], Any]


def evaluate(
    items: Sequence[ClinicalItem], ask: Answerer, knowledge: Knowledge
) -> list[ItemResult]:
    """Ask every question and score the reply."""
    return [score_item(item, read_reply(ask(item.q)), knowledge) for item in items]


def figures_for(results: Sequence[ItemResult]) -> dict[str, Any]:
    """Overall and per-category figures, target verdicts and the failures."""
    overall = summarize(results)
    per_category = {
        c: summarize([r for r in results if r.item.category == c])
        for c in CATEGORIES
        if any(r.item.category == c for r in results)
    }
    return {
        "overall": overall,
        "per_category": per_category,
        "targets": targets(overall),
        "failures": [_failure(r) for r in results if r.failed],
    }


def run(
    set_path: Path = SET_PATH,
    knowledge_path: Path = KNOWLEDGE_PATH,
    limit: int | None = None,
    *,
    index: Index | None = None,
) -> dict[str, Any]:
    """Score the bot on a clinical set; the figures as a plain dict (see figures_for)."""
    items = load_items(set_path, limit)
    if index is None:
        index = Index.build(load(knowledge_path))
    results = evaluate(items, lambda text: answer(text, index), index.knowledge)
    return {"set": set_path.name, "limit": limit, **figures_for(results)}


# -- report ---------------------------------------------------------------------------------------


def _cell(part: dict[str, Any]) -> str:
    rate = part["rate"]
    return "n/a" if rate is None else f"{rate:6.1%} {part['hits']:>3}/{part['of']:<3}"


def _chars(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def format_report(figures: dict[str, Any], *, smoke: bool = False, verbose: bool = False) -> str:
    """The overall figures, a per-category table, the target verdict and (verbose) failures."""
    overall = figures["overall"]
    header = ["", "entry", "grade", "intent", "first block", "median", "p90", "opp"]
    rows = [header]

    def row(label: str, f: dict[str, Any]) -> None:
        entry = f["oos_precision"] if label.strip() == OUT_OF_SCOPE else f["entry"]
        rows.append(
            [
                label,
                _cell(entry),
                _cell(f["grade"]),
                _cell(f["intent"]),
                _cell(f["first_block"]),
                _chars(f["length"]["median"]),
                _chars(f["length"]["p90"]),
                str(f["opposite"]),
            ]
        )

    row("all", overall)
    for category, f in figures["per_category"].items():
        row(f"  {category}", f)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [
        f"Clinical questions: {figures['set']}, {overall['n']} items "
        f"({overall['in_scope']} in scope)" + (" [smoke]" if smoke else ""),
        "",
    ]
    for number, cells in enumerate(rows):
        lines.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(cells)).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    length = overall["length"]
    lines += [
        "",
        "entry: in-scope items (the out-of-scope row shows precision: no entry given); "
        "grade / first block: items that set one; lengths: visible characters of the first "
        f"reply, {length['n']} in-scope non-lookup items",
        f"out-of-scope precision: {_cell(overall['oos_precision']).strip()}; "
        f"opposite answers: {overall['opposite']}",
    ]
    if smoke:
        lines += ["", "smoke run: machinery checked; targets are judged on a full run only"]
    else:
        t = figures["targets"]
        mark = {True: "met", False: "NOT met"}
        lines += [
            "",
            f"targets: entry >= {TARGET_ENTRY:.0%}: {mark[t['entry']]}; grade >= "
            f"{TARGET_GRADE:.0%}: {mark[t['grade']]}; first block >= {TARGET_FIRST_BLOCK:.0%}: "
            f"{mark[t['first_block']]}; median <= {TARGET_MEDIAN_CHARS} chars: "
            f"{mark[t['median_length']]}; opposite = {TARGET_OPPOSITE}: {mark[t['opposite']]}",
        ]
    failures = figures["failures"]
    lines.append(f"items with a failure: {len(failures)}" + ("" if verbose else " (--verbose)"))
    if verbose:
        for f in failures:
            lines.append(f"  [{f['category']}] {f['q']!r}")
            lines += [f"      {p}" for p in f["problems"]]
            if f["detail"]:
                lines.append(f"      ({f['detail']})")
            if f["first_block"]:
                lines.append(f"      first block: {f['first_block']!r}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point; always 0 on a completed run (targets are reported, not enforced)."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.clinical", description=__doc__.split("\n", 1)[0]
    )
    parser.add_argument("--smoke", action="store_true", help=f"the first {SMOKE_LIMIT} items only")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    parser.add_argument("--set", type=Path, default=SET_PATH, metavar="PATH", help="the set to run")
    parser.add_argument("--verbose", action="store_true", help="list every failing item")
    parser.add_argument("--knowledge", type=Path, default=KNOWLEDGE_PATH, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    figures = run(args.set, args.knowledge, SMOKE_LIMIT if args.smoke else None)
    print(format_report(figures, smoke=args.smoke, verbose=args.verbose))
    if args.json:
        args.json.write_text(
            json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
