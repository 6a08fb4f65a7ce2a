"""The clinical-question benchmark scores what it claims to, and its two sets cannot rot.

Why: bench/clinical.py turns "does the reply answer the clinician" into numbers, so its scoring
must be right on replies whose verdict is known (a hand-made reply that points the wrong way must
count as an opposite answer), and the sets must keep pointing at entries and facts that exist in
the knowledge as others extend it. Nothing here asserts today's accuracy: that is the bench's job.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bench import read_yaml
from bench.clinical import (
    CATEGORIES,
    HOLDOUT_PATH,
    INTENTS,
    KNOWLEDGE_PATH,
    OUT_OF_SCOPE,
    SET_PATH,
    SMOKE_LIMIT,
    ClinicalItem,
    answer,
    figures_for,
    first_section,
    ids_used,
    load,
    load_items,
    normalize,
    parse_item,
    read_reply,
    run,
    score_item,
    summarize,
    visible_length,
)
from bench.clinical import Index as BenchIndex
from bot.knowledge import Knowledge
from bot.render import Message


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load(KNOWLEDGE_PATH)


@pytest.fixture(scope="module")
def sets() -> dict[str, list[ClinicalItem]]:
    return {"dev": load_items(SET_PATH), "holdout": load_items(HOLDOUT_PATH)}


@dataclass
class HandMadeReply:
    """A reply shaped like the issue 10 answer interface, built by hand with a known verdict."""

    entry: Any = None
    intent: str | None = None
    grade: int | None = None
    message: Message = field(default_factory=lambda: Message(text=""))


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def reply_with(
    knowledge: Knowledge, entry_id: str | None, first: str, **extra: Any
) -> HandMadeReply:
    entry = knowledge.entries[entry_id] if entry_id else None
    header = {"type": "header", "text": {"type": "plain_text", "text": "A title"}}
    return HandMadeReply(
        entry=entry, message=Message(text="", blocks=[header, section(first)]), **extra
    )


HIGH_TSH = ClinicalItem(
    q="high TSH on nivo",
    entries=("hypothyroidism",),
    intent="act",
    category="finding-drug",
    opposite=("hyperthyroidism",),
)


# -- scoring hand-made replies ------------------------------------------------------------------


def test_a_reply_about_the_opposite_entry_is_an_opposite_answer(knowledge: Knowledge) -> None:
    wrong = reply_with(knowledge, "hyperthyroidism", "Beta-blocker for symptoms.")
    result = score_item(HIGH_TSH, read_reply(wrong), knowledge)
    assert result.opposite and not result.entry_ok and result.failed
    figures = figures_for([result])
    assert figures["overall"]["opposite"] == 1
    assert figures["targets"]["opposite"] is False


def test_a_first_block_naming_the_opposite_entry_is_an_opposite_answer(
    knowledge: Knowledge,
) -> None:
    name = knowledge.entries["hyperthyroidism"].name
    named = reply_with(knowledge, "hypothyroidism", f"See *{name}*: beta-blockers.")
    result = score_item(HIGH_TSH, read_reply(named), knowledge)
    assert result.entry_ok and result.opposite


def test_a_right_reply_is_not_opposite(knowledge: Knowledge) -> None:
    right = reply_with(
        knowledge, "hypothyroidism", "Levothyroxine; after a thyroiditis phase.", intent="act"
    )
    result = score_item(HIGH_TSH, read_reply(right), knowledge)
    assert result.entry_ok and result.intent_ok and not result.opposite and not result.failed
    assert summarize([result])["opposite"] == 0


def test_first_block_needs_every_piece_and_yes_no_in_the_first_line(
    knowledge: Knowledge,
) -> None:
    item = parse_item(
        {
            "q": "does ipi still have a black box",
            "entry": "ipilimumab",
            "intent": "boxed_warning",
            "yes_no": "no",
            "first_block": ["2020", "1-2 mg/kg"],
            "category": "yes-no",
        },
        "test",
    )
    good = reply_with(knowledge, "ipilimumab", "*No.* Removed in June 2020; 1–2 mg/kg.")
    assert score_item(item, read_reply(good), knowledge).first_block_ok is True
    late = reply_with(
        knowledge, "ipilimumab", "Ipilimumab boxed warning\nNo: removed 2020, 1–2 mg/kg"
    )
    assert score_item(item, read_reply(late), knowledge).missing == ("'no' in the first line",)
    wrong = reply_with(knowledge, "ipilimumab", "Yes. Since June 2020.")
    assert set(score_item(item, read_reply(wrong), knowledge).missing) == {
        "1-2 mg/kg",
        "'no' in the first line",
    }


def test_the_first_block_is_the_first_section_not_the_header() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Grade 3 colitis"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "Hold"},
            "fields": [{"type": "mrkdwn", "text": "IV methylprednisolone"}],
        },
        section("Grade 3 later"),
    ]
    assert first_section(blocks) == "Hold\nIV methylprednisolone"
    assert "grade 3" not in normalize(first_section(blocks))


def test_reply_length_counts_visible_text_only() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "abcde"}},  # 5
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "1234567890"},
            "fields": [{"type": "mrkdwn", "text": "xyz"}],
        },  # 10 + 3 + the line joining them
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "src"}]},  # 3
        {"type": "actions", "elements": [{"type": "button", "text": {"text": "not counted"}}]},
        {"type": "divider"},
    ]
    assert visible_length(blocks) == 5 + 14 + 3


def test_grades_and_intents_are_compared_exactly(knowledge: Knowledge) -> None:
    item = ClinicalItem(
        q="8 watery stools/day over baseline on ipi+nivo",
        entries=("colitis",),
        intent="act",
        category="finding-value",
        grade=3,
        why="CTCAE v5",
    )
    right = score_item(item, read_reply(reply_with(knowledge, "colitis", "", grade=3)), knowledge)
    off = score_item(
        item, read_reply(reply_with(knowledge, "colitis", "", grade=2, intent="grade")), knowledge
    )
    assert right.grade_ok is True and off.grade_ok is False and off.intent_ok is False
    assert summarize([right, off])["grade"] == {"rate": 0.5, "hits": 1, "of": 2}


def test_out_of_scope_is_right_only_without_an_entry(knowledge: Knowledge) -> None:
    item = ClinicalItem(
        q="imatinib edema", entries=(), intent="side_effects", category=OUT_OF_SCOPE
    )
    refused = score_item(item, read_reply(reply_with(knowledge, None, "Not covered.")), knowledge)
    answered = score_item(
        item, read_reply(reply_with(knowledge, "capillary-leak-syndrome", "")), knowledge
    )
    assert refused.entry_ok and not answered.entry_ok
    assert refused.intent_ok is None  # intents are scored on in-scope items only
    assert summarize([refused, answered])["oos_precision"]["rate"] == 0.5


def test_code_without_the_entry_attribute_is_read_through_match(knowledge: Knowledge) -> None:
    entry = knowledge.entries["crs"]
    older = SimpleNamespace(match=SimpleNamespace(entry=entry), message=Message(text=""))
    assert read_reply(older).entry_id == "crs"
    assert read_reply(SimpleNamespace(match=None)).entry_id is None


def test_the_real_answer_function_is_read(knowledge: Knowledge) -> None:
    reading = read_reply(answer("pembrolizumab", BenchIndex.build(knowledge)))
    assert reading.entry_id == "pembrolizumab"
    assert reading.length > 0 and reading.first_block


def test_malformed_items_are_rejected() -> None:
    base = {"q": "x", "entry": "crs", "intent": "act", "category": "finding-value"}
    with pytest.raises(ValueError, match="why"):
        parse_item({**base, "grade": 3}, "test")
    with pytest.raises(ValueError, match="intent"):
        parse_item({**base, "intent": "manage"}, "test")
    with pytest.raises(ValueError, match="out-of-scope"):
        parse_item({**base, "category": OUT_OF_SCOPE}, "test")


# -- the machinery end to end ------------------------------------------------------------------


def test_smoke_run_reports_every_figure(tmp_path: Path) -> None:
    figures = run(SET_PATH, KNOWLEDGE_PATH, limit=SMOKE_LIMIT)
    overall = figures["overall"]
    assert overall["n"] == SMOKE_LIMIT
    for key in ("entry", "grade", "intent", "first_block", "oos_precision"):
        rate = overall[key]["rate"]
        assert rate is not None and 0.0 <= rate <= 1.0, key
    assert overall["length"]["median"] <= overall["length"]["p90"]
    assert set(figures["targets"]) >= {"entry", "grade", "first_block", "median_length", "met"}
    assert all(f["problems"] for f in figures["failures"])
    json.dumps(figures)  # --json writes it


# -- the sets ------------------------------------------------------------------------------------


def test_sets_are_big_enough_and_cover_every_category(
    sets: dict[str, list[ClinicalItem]],
) -> None:
    dev, holdout = sets["dev"], sets["holdout"]
    assert len(dev) >= 220 and len(holdout) >= 55
    assert {i.category for i in dev} == set(CATEGORIES)
    assert {i.category for i in dev[:SMOKE_LIMIT]} == set(CATEGORIES)
    assert sum(not i.in_scope for i in dev) >= 20
    assert sum(i.grade is not None for i in dev) >= 60
    assert {i.intent for i in dev} == set(INTENTS)


def test_every_id_in_both_sets_exists(
    sets: dict[str, list[ClinicalItem]], knowledge: Knowledge
) -> None:
    for name, items in sets.items():
        assert sorted(ids_used(items) - set(knowledge.entries)) == [], name


def test_no_question_is_asked_twice(sets: dict[str, list[ClinicalItem]]) -> None:
    counts = Counter(normalize(i.q) for items in sets.values() for i in items)
    assert [q for q, n in counts.items() if n > 1] == []


def _raw_entries() -> dict[str, dict[str, Any]]:
    raw: dict[str, dict[str, Any]] = {}
    for path in sorted(KNOWLEDGE_PATH.glob("*.yaml")):
        for entries in (read_yaml(path) or {}).values():
            raw.update({e["id"]: e for e in entries})
    return raw


def _with_links(raw: dict[str, dict[str, Any]], entry_id: str) -> set[str]:
    """The entry and those it names or that name it (a cancer's drugs, a drug's side effects)."""
    entry = raw[entry_id]
    linked = {entry_id, *(i["cancer"] for i in entry.get("indications") or ())}
    for key in ("classes", "caused_by", "common_side_effects", "serious_side_effects"):
        linked.update(entry.get(key) or ())
    linked.update(
        other
        for other, e in raw.items()
        if any(i["cancer"] == entry_id for i in e.get("indications") or ())
    )
    return linked & set(raw)


def test_first_block_pieces_are_facts_of_the_knowledge(
    sets: dict[str, list[ClinicalItem]],
) -> None:
    # An expected piece the knowledge does not hold would ask the bot to invent it.
    raw = _raw_entries()
    unsupported = []
    for items in sets.values():
        for item in items:
            if not item.in_scope:
                continue
            ids = set().union(*(_with_links(raw, i) for i in item.entries))
            text = normalize(json.dumps([raw[i] for i in sorted(ids)], ensure_ascii=False))
            unsupported += [
                (item.q, piece)
                for piece in item.first_block
                if not re.fullmatch(r"grade \d", piece.lower()) and normalize(piece) not in text
            ]
    assert unsupported == []


def test_graded_items_name_their_rule(sets: dict[str, list[ClinicalItem]]) -> None:
    rules = ("CTCAE", "ASTCT", "ASCO", "grade named")
    for items in sets.values():
        assert [i.q for i in items if i.grade is not None and not i.why.startswith(rules)] == []


def test_bench_readme_counts_match_the_sets(sets: dict[str, list[ClinicalItem]]) -> None:
    readme = (SET_PATH.parent / "README.md").read_text(encoding="utf-8")
    text = " ".join(readme.split())
    assert f"holds {len(sets['dev'])} questions" in text
    assert f"holds {len(sets['holdout'])} more" in text
    assert f"in {len(CATEGORIES)} categories" in text
