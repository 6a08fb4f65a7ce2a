"""The question reader, the grading engine and the validator's checks of findings and criteria."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering import answer
from bot.grading import grade
from bot.knowledge import Knowledge, SideEffect
from bot.loading import load_knowledge
from bot.read import read
from bot.read.intent import find_intent
from bot.read.values import read_labs
from bot.resolve import Index

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"


def reading(text: str, knowledge: Knowledge, lab: str):
    return next(r for r in read_labs(text, knowledge) if r.lab == lab)


@pytest.mark.parametrize(
    ("text", "lab", "direction"),
    [
        ("high TSH on nivo", "tsh", "high"),
        ("TSH suppressed", "tsh", "low"),
        ("bilirubin rising", "bilirubin", "high"),
        ("hyponatremia", "sodium", "low"),
        ("free T4 high, TSH low", "free-t4", "high"),
        ("free T4 high, TSH low", "tsh", "low"),
        ("creatinine doubled", "creatinine", "high"),
    ],
)
def test_directions_are_read_in_their_own_clause(
    knowledge: Knowledge, text: str, lab: str, direction: str
) -> None:
    assert reading(text, knowledge, lab).direction == direction


def test_values_units_and_references(knowledge: Knowledge) -> None:
    ast = reading("AST 6x ULN", knowledge, "ast")
    assert (ast.value, ast.reference) == (6.0, "ULN")
    glucose = reading("glucose 20 mmol/L", knowledge, "glucose")
    assert glucose.value == pytest.approx(360.3, abs=0.5)  # converted to mg/dL
    creatinine = reading("creatinine rose from 0.8 to 2.6", knowledge, "creatinine")
    assert (creatinine.value, creatinine.baseline) == (2.6, 0.8)
    alt = reading("ALT 250 (ULN 40)", knowledge, "alt")
    assert (alt.value, alt.uln) == (250.0, 40.0)
    stools = reading("8 watery stools a day", knowledge, "stools-over-baseline")
    assert stools.value == 8


def test_a_denied_sign_is_not_read(index: Index) -> None:
    question = read("fever but no hypotension after axi-cel", index)
    assert "fever" in question.signs and "hypotension" not in question.signs


def test_a_value_in_an_unstated_unit_says_what_was_assumed(knowledge: Knowledge) -> None:
    assert reading("potassium 6.2", knowledge, "potassium").assumed == ("read 6.2 as mmol/L",)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("grade 3 hepatitis: what now?", "act"),
        ("how is CRS graded", "grade"),
        ("does Yervoy have a black box warning", "boxed_warning"),
        ("is the REMS still in place for Carvykti", "rems"),
        ("when was nivolumab first approved", "approval"),
        ("what does blinatumomab target", "target"),
        ("can she get pregnant on pembro", "pregnancy"),
        ("can he drive after Kymriah", "driving"),
        ("when does colitis start on ipi", "onset"),
        ("what labs to monitor on atezolizumab", "monitor"),
        # clinic shorthand is read as the words it stands for
        ("tox of interferon", "side_effects"),
        ("side fx of panitumumab", "side_effects"),
        ("AE's of rituxan", "side_effects"),
        ("IO for cutaneous SCC", "indications"),
        ("pt on pembro, colitis mgmt", "act"),
        ("keytruda", None),
    ],
)
def test_intents(text: str, intent: str | None) -> None:
    found = find_intent(text)
    assert (found and str(found)) == intent


def test_a_stated_grade_and_the_or_pair(index: Index) -> None:
    question = read("Grade III colitis: pembro or nivo?", index)
    assert question.grade == 3
    assert [e.id for e in question.alternatives] == ["pembrolizumab", "nivolumab"]


def _effect(knowledge: Knowledge, entry_id: str) -> SideEffect:
    entry = knowledge.entries[entry_id]
    assert isinstance(entry, SideEffect)
    return entry


def test_an_entry_named_twice_is_read_once(index: Index) -> None:
    question = read("colitis on nivolumab: is nivo restarted after colitis?", index)
    assert [e.id for e in question.entries].count("nivolumab") == 1
    assert [e.id for e in question.entries].count("colitis") == 1


def test_most_severe_criterion_wins(knowledge: Knowledge, index: Index) -> None:
    question = read("AST 4x ULN and bilirubin 4x ULN", index)
    found = grade(_effect(knowledge, "hepatitis"), knowledge, question.readings, question.signs)
    assert found is not None and found.n == 3 and "bilirubin" in found.rule.lower()


def test_a_count_between_rows_of_integers_has_a_row(knowledge: Knowledge, index: Index) -> None:
    question = read("7 stools per day over baseline", index)
    found = grade(_effect(knowledge, "colitis"), knowledge, question.readings, question.signs)
    assert found is not None and found.n == 3


@pytest.mark.parametrize(
    ("text", "expected", "named"),
    [
        # ASTCT 2019: multiple vasopressors (excluding vasopressin) is grade 4
        ("fever 39, on norepinephrine and phenylephrine", 4, ["norepinephrine", "phenylephrine"]),
        ("fever 39, on levophed and epinephrine", 4, ["levophed", "epinephrine"]),
        ("fever 39, on norepi plus vasopressin", 3, ["norepi"]),
        ("fever 39, on norepinephrine (norepi)", 3, ["norepinephrine"]),
        ("fever 39, on phenylephrine", 3, ["phenylephrine"]),
    ],
)
def test_different_vasopressors_named_are_counted(
    knowledge: Knowledge, index: Index, text: str, expected: int, named: list[str]
) -> None:
    question = read(text, index)
    found = grade(_effect(knowledge, "crs"), knowledge, question.readings, question.signs)
    assert found is not None and found.n == expected
    assert all(name in found.rule for name in named)  # the rule shows what was counted
    assert ("multiple vasopressors" in found.rule) == (expected == 4)


@pytest.mark.parametrize(
    ("text", "effect", "expected", "assumption"),
    [
        ("fever and hypotension after axi-cel", "crs", 2, "assuming no vasopressor is needed"),
        ("fever and hypotension on norepinephrine after axi-cel", "crs", 3, ""),
        ("seizure after axi-cel", "icans", 3, "assuming it resolved rapidly"),
        ("prolonged seizure after axi-cel", "icans", 4, ""),
        # ASCO 2021 grades fasting glucose: a glucose not said to be fasting is assumed so
        ("glucose 400 on nivolumab", "type-1-diabetes", 3, "assuming a fasting value"),
        ("fasting glucose 400 on nivolumab", "type-1-diabetes", 3, ""),
    ],
)
def test_what_a_sign_grade_takes_for_granted_is_said(
    knowledge: Knowledge, index: Index, text: str, effect: str, expected: int, assumption: str
) -> None:
    """ASTCT grade 2 is hypotension NOT needing vasopressors, and grade 3 a seizure that
    resolves rapidly: a question that says no more is read so, and the reply says what it
    assumed instead of guessing silently. Naming more (a vasopressor) needs no assumption."""
    question = read(text, index)
    found = grade(
        _effect(knowledge, effect), knowledge, question.readings, question.signs, text=text
    )
    assert found is not None and found.n == expected
    reply = answer(text, index).message
    shown = reply.text + str(reply.blocks)
    if assumption:
        assert any(assumption in note for note in found.assumed)
        assert assumption in shown
    else:
        assert "assuming" not in shown


def test_a_lab_limit_the_user_did_not_give_is_stated(knowledge: Knowledge, index: Index) -> None:
    question = read("fasting glucose 150 mg/dL", index)
    effect = _effect(knowledge, "type-1-diabetes")
    found = grade(effect, knowledge, question.readings, question.signs)
    assert found is not None and found.n == 1
    assert any("ULN" in note for note in found.assumed)


BROKEN_LABS = """
labs:
- id: tsh
  name: TSH
  units: [{unit: mIU/L}]
"""

BROKEN_EFFECT = """
side_effects:
- id: thyro
  name: Thyro
  summary: A test entry.
  findings:
  - lab: tshh
    direction: high
  - lab: tsh
  - sign: palpitations
    direction: high
    after: [no-such-class]
  grading:
    scale: CTCAE v5.0
    grades:
    - grade: '1'
      text: One.
    - grade: '2'
      text: Two.
    criteria:
    - name: TSH
      measure: tsh
      unit: mg/dL
      rows:
      - {grade: 1, from: 4.5, to: 10}
      - {grade: 2, over: 12}
    - name: TSH again
      measure: tsh
      unit: x ULN
      rows:
      - {grade: 1, from: 1, to: 3}
      - {grade: 2, from: 3}
    - name: Crisis
      signs:
      - {grade: 4, match: [storm]}
      - {grade: 4, distinct: 3, means: several storms, match: [storm|tempest, gale]}
  sources:
  - title: A source
    url: https://example.org/source
  last_reviewed: '2026-01-01'
"""


def test_validator_reports_findings_and_criteria_problems(tmp_path: Path) -> None:
    (tmp_path / "labs.yaml").write_text(BROKEN_LABS, encoding="utf-8")
    (tmp_path / "effects.yaml").write_text(BROKEN_EFFECT, encoding="utf-8")
    result = load_knowledge(tmp_path, with_version=False)
    messages = "\n".join(p.message for p in result.errors)
    assert "unknown lab 'tshh' (did you mean 'tsh'?)" in messages
    assert "finding on lab 'tsh' needs a direction" in messages
    assert "unit 'mg/dL' is not a unit of lab 'tsh'" in messages
    assert "rows leave a gap between 10 and 12" in messages
    assert "is not given against ULN" in messages
    assert "rows overlap at 3" in messages
    assert "a direction belongs to a lab, not to a sign" in messages
    assert "unknown class or drug id 'no-such-class'" in messages
    assert "grade 4 has no grading text in 'grades' to quote" in messages
    assert "needs 3 different things said but lists 2: the row can never be met" in messages


def test_the_shipped_knowledge_has_findings_and_criteria() -> None:
    knowledge = load_knowledge(KNOWLEDGE, with_version=False).knowledge
    assert knowledge is not None and "tsh" in knowledge.labs
    assert _effect(knowledge, "colitis").criteria and _effect(knowledge, "crs").findings


def test_when_we_start_a_treatment_asks_what_to_do_not_the_onset() -> None:
    """ "When do we start steroids" is a management question; "when does colitis start" asks
    the onset: the person who starts something is the clinician, not the side effect."""
    from bot.read.intent import Intent, find_intent

    assert find_intent("grade 2 hepatitis, when do we start steroids?") is Intent.ACT
    assert find_intent("when can I start infliximab for the colitis") is Intent.ACT
    assert find_intent("when does colitis usually start on ipilimumab") is Intent.ONSET


def test_a_unit_written_with_an_x_is_the_unit_not_a_multiple_of_the_uln(
    knowledge: Knowledge, index: Index
) -> None:
    """ "Platelets 30 x10^9/L" is a count in its unit: read as "30× ULN" it was a high
    platelet count, the opposite of the finding, and no side effect was found."""
    for text in ("platelets 30 x10^9/L", "plt 30 x 10^9/L", "platelets 30×10⁹/L"):
        (found,) = read_labs(text, knowledge)
        assert (found.value, found.reference) == (30, ""), text
        assert found.direction != "high", text
    (anc,) = read_labs("ANC 0.4 x10^9/L", knowledge)
    assert anc.value == 400  # per µL, the unit its grading rows use
    reply = answer("platelets 30 x 10^9/L with petechiae on nivolumab", index)
    assert reply.entry is not None and reply.entry.id == "hematologic-irae"
    assert reply.grade == 3


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("when did FDA approve tebentafusp", "approval"),
        ("which year did Opdivo come on the market", "approval"),
        ("what protein does teclistamab bind", "target"),
        ("what is cosibelimab directed at", "target"),
        ("how many days into treatment does hepatitis show", "onset"),
        ("is she admitted after each step-up dose of elranatamab", "monitor"),
    ],
)
def test_more_ways_of_asking_an_intent(text: str, intent: str) -> None:
    """The same questions asked the ways staff write them: the FDA approving, a year on the
    market, what a drug is directed at, how many weeks in, admission after a step-up dose."""
    assert str(find_intent(text)) == intent


def test_a_value_against_its_baseline_is_not_a_comparison_of_two_drugs(index: Index) -> None:
    """ "vs baseline" compares a value with its reference: the colitis is graded, instead of
    a side-by-side table of the two drugs named after it."""
    reply = answer("loose stools 10 a day vs her baseline on ipilimumab and nivolumab", index)
    assert reply.entry is not None and reply.entry.id == "colitis"
    assert reply.grade == 3


def test_a_dose_in_grams_is_never_read_as_a_stated_grade(index: Index) -> None:
    """ "1 g IV" is a dose: read as "g IV" (grade 4) it made up a grade 4 hepatitis and told
    the reader to stop the drug for good. A grade needs the word, "gr." or "G" joined to a
    digit ("G2")."""
    reply = answer("pulse methylprednisolone 1 g IV for hepatitis on nivolumab?", index)
    assert reply.grade is None
    assert "Grade 4" not in reply.message.text
    assert answer("G3 colitis on ipilimumab", index).grade == 3


def test_mg_in_capitals_is_myasthenia_gravis_and_in_a_dose_a_unit(index: Index) -> None:
    """ "grade 3 MG on nivolumab" is myasthenia gravis at grade 3 (its "MG" is not the
    number's unit); "200 mg" stays a dose."""
    reply = answer("grade 3 MG on nivolumab", index)
    assert reply.entry is not None and reply.entry.id == "neurologic-irae"
    assert reply.grade == 3
    assert answer("pembrolizumab 200 mg every 3 weeks", index).entry.id == "pembrolizumab"


def test_a_denied_finding_or_side_effect_does_not_choose_the_answer(index: Index) -> None:
    """ "Denies fever" is not a fever and "no diarrhoea" not a colitis: the findings that are
    there decide (confusion after a CAR-T is ICANS; ALT 8× ULN is hepatitis)."""
    reply = answer("denies fever but new confusion day 5 after axi-cel", index)
    assert reply.entry is not None and reply.entry.id == "icans"
    reply = answer("no diarrhea but ALT 8x ULN on ipilimumab", index)
    assert reply.entry is not None and reply.entry.id == "hepatitis"
    assert reply.grade == 3
    # one list of denials for findings and side effects alike, phrases of two words included
    for denied in ("free of diarrhea", "negative for colitis", "nil diarrhea"):
        reply = answer(f"{denied} but ALT 8x ULN on ipilimumab", index)
        assert reply.entry is not None and reply.entry.id == "hepatitis", denied


def test_a_count_a_day_is_a_count_not_a_multiple_of_the_baseline(index: Index) -> None:
    """ "Stools 4x a day over baseline" is four a day: read as "4× baseline" no grade came
    out, and for a stool count the multiple meant nothing."""
    reply = answer("stools 4x a day over baseline on nivolumab", index)
    assert reply.entry is not None and reply.entry.id == "colitis"
    assert reply.grade == 2
    first = next(b["text"]["text"] for b in reply.message.blocks if b["type"] == "section")
    assert "4/day" in first


def test_a_range_of_grades_is_answered_at_the_higher_one(index: Index) -> None:
    """ "Grade 3-4", "grade I/II": the higher grade's step, never the milder one (a number of
    days or doses after the grade is not a range)."""
    assert answer("grade 3-4 colitis on ipilimumab", index).grade == 4
    assert answer("grade I/II rash on nivolumab", index).grade == 2
    assert answer("grade 1 rash for 2 weeks on nivolumab", index).grade == 1
