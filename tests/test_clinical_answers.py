"""Clinical questions as staff type them: the right entry, grade and intent, answered first.

A small development set written from the clinician's side (finding + drug, grade + action,
yes/no facts, cancer + class). Each case checks what a user would notice: which entry the reply
is about, the grade computed from the values, the intent read, and that the first section block
carries the answer (a word of it) within its length budget. The independent bench lives in
bench/; these guard the causes fixed while building.
"""

from __future__ import annotations

import json

import pytest

from bot.answering import answer
from bot.resolve import Index

# (question, entry id, grade, intent, words the first block must contain)
DEV_SET = [
    ("bilirubin rising on ipi/nivo", "hepatitis", None, "act", ["bilirubin", "ULN"]),
    ("high TSH on nivo", "hypothyroidism", None, "act", ["TSH", "Grade 1"]),
    ("8 watery stools a day above baseline on ipi+nivo", "colitis", 3, "act", ["≥7", "Hold"]),
    ("AST 6x ULN on atezo", "hepatitis", 3, "act", ["grade 3", "methylprednisolone"]),
    ("grade 3 hepatitis: what now?", "hepatitis", 3, "act", ["methylprednisolone"]),
    ("does blinatumomab have a boxed warning?", "blinatumomab", None, "boxed_warning", ["Yes"]),
    ("fever and hypotension day 3 after axi-cel", "crs", 2, "act", ["Tocilizumab"]),
    ("TSH suppressed and free T4 high on pembrolizumab", "hyperthyroidism", None, "act", []),
    ("low TSH with low free T4 on ipilimumab", "hypophysitis", None, "act", ["replacement"]),
    ("low cortisol, high ACTH on nivolumab", "adrenal-insufficiency", None, "act", []),
    ("troponin elevated on ipi + nivo", "myocarditis", None, "act", ["troponin"]),
    # a sign written as its "-ness" noun (the knowledge lists "breathless")
    ("new breathlessness three months into durvalumab", "pneumonitis", None, "act", []),
    ("creatinine doubled from baseline on pembrolizumab", "nephritis", 2, "act", ["2–3×"]),
    ("creatinine 2.9 (baseline 0.8) on nivo", "nephritis", 3, "act", ["Permanently"]),
    ("fasting glucose 320 mg/dL on pembro", "type-1-diabetes", 3, "act", ["insulin"]),
    ("glucose 28 mmol/L and ketones on nivolumab", "type-1-diabetes", 4, "act", ["DKA"]),
    ("5 stools per day over baseline on ipilimumab", "colitis", 2, "act", ["Prednisone"]),
    ("ALT 4x ULN on durvalumab, what to do", "hepatitis", 2, "act", ["Hold"]),
    ("bilirubin 4 times ULN on tremelimumab", "hepatitis", 3, "act", [">3–10× ULN"]),
    ("ICE score 5 after axi-cel", "icans", 2, "act", ["3–6"]),
    ("confused, word-finding difficulty after blinatumomab", "icans", None, "act", ["ICANS"]),
    ("seizure day 6 after cilta-cel", "icans", 3, "act", ["ICU"]),
    ("fever 39 on day 2 after teclistamab, no hypotension", "crs", 1, "act", ["≥38"]),
    ("hypotension needing two vasopressors after tisa-cel", "crs", 4, "act", ["methylpred"]),
    ("CRS on high-flow nasal cannula 10 L after liso-cel", "crs", 3, "act", ["dexamethasone"]),
    ("grade 2 CRS tocilizumab dose", "crs", 2, "act", ["8 mg/kg"]),
    ("how is ICANS graded", "icans", None, "grade", ["ICE"]),
    ("what grade is AST 7x ULN", "hepatitis", 3, "grade", ["grade 3"]),
    ("grade 2 pneumonitis on pembrolizumab: can we rechallenge?", "pneumonitis", 2, "act", []),
    ("is a REMS still required for Yescarta?", "axicabtagene-ciloleucel", None, "rems", ["No"]),
    ("when was ipilimumab first approved?", "ipilimumab", None, "approval", ["2011"]),
    ("which was approved first, nivolumab or ipilimumab?", "ipilimumab", None, "approval", []),
    ("what does tebentafusp target", "tebentafusp", None, "target", ["gp100"]),
    ("contraception after trastuzumab", "trastuzumab", None, "pregnancy", ["7 months"]),
    ("patient on keytruda is pregnant", "pembrolizumab", None, "pregnancy", ["fetal", "4 months"]),
    ("pregnancy while on rituxan?", "rituximab", None, "pregnancy", ["fetal harm"]),
    ("can patients drive after Breyanzi?", "lisocabtagene-maraleucel", None, "driving", []),
    ("no driving 8 weeks after kymriah?", "tisagenlecleucel", None, "driving", ["No —"]),
    (
        "not to drive for 2 weeks after Breyanzi?",
        "lisocabtagene-maraleucel",
        None,
        "driving",
        ["Yes —"],
    ),
    ("when does hypophysitis start on ipilimumab", "hypophysitis", None, "onset", ["6–9"]),
    ("PD-1 inhibitors for melanoma", "melanoma", None, "indications", ["Nivolumab"]),
    # a target names its drugs beside a cancer; the answer is those drugs' uses in it
    ("PD-1 for endometrial ca", "endometrial-cancer", None, "indications", ["Dostarlimab"]),
    ("CTLA-4 in melanoma", "melanoma", None, "indications", ["Ipilimumab"]),
    ("CTLA-4 for endometrial cancer", "endometrial-cancer", None, "indications", ["no CTLA-4"]),
    ("tox of interferon", "interferon-alfa-2b", None, "side_effects", []),
    ("pembrolizumab or nivolumab for melanoma?", "pembrolizumab", None, "choose", ["Nivolumab"]),
    (
        "axi-cel or liso-cel for 2L LBCL",
        "axicabtagene-ciloleucel",
        None,
        "choose",
        ["Lisocabtagene"],
    ),
    ("side effects of cemiplimab", "cemiplimab", None, "side_effects", ["Serious"]),
    ("AEs nivolumab", "nivolumab", None, "side_effects", ["pneumonitis"]),
    ("toxicity pembrolizumab", "pembrolizumab", None, "side_effects", ["colitis"]),
    ("rash over 50% BSA with severe itching on nivolumab", "dermatitis", 3, "act", []),
    ("Mg 0.8 mg/dL on panitumumab", "hypomagnesemia", 3, "act", ["IV magnesium"]),
    ("rash on 20% BSA, unable to dress himself, on nivolumab", "dermatitis", 3, "act", []),
    ("arthralgia limits self care ADL on nivolumab", "inflammatory-arthritis", 3, "act", []),
    ("troponin up, asymptomatic, on ipilimumab", "myocarditis", 1, "act", ["Grade 1"]),
    ("IgG low after tisagenlecleucel", "b-cell-aplasia", None, "act", []),
    ("hyperkalemia and uric acid high after rituximab", "tumor-lysis-syndrome", None, "act", []),
    ("grade 4 myocarditis on nivolumab", "myocarditis", 4, "act", ["permanently"]),
    # two treatments of one side effect: that side effect's management, which names both
    (
        "infliximab or vedolizumab for colitis on ipilimumab",
        "colitis",
        None,
        "choose",
        ["infliximab or vedolizumab"],
    ),
    ("creatinine 2.9 on pembro", "nephritis", None, "act", ["needs the baseline creatinine"]),
    ("TSH 12 on nivo, TSH high", "hypothyroidism", 2, "act", [">10 mIU/L → grade 2"]),
]


def first_block(reply) -> str:
    return next(b["text"]["text"] for b in reply.message.blocks if b["type"] == "section")


def visible(reply) -> int:
    total = 0
    for block in reply.message.blocks:
        if block["type"] in ("section", "header"):
            total += len(block.get("text", {}).get("text", ""))
        elif block["type"] == "context":
            total += sum(len(e["text"]) for e in block["elements"])
    return total


@pytest.mark.parametrize(("question", "entry", "grade", "intent", "says"), DEV_SET)
def test_clinical_question_is_answered_first(
    index: Index, question: str, entry: str, grade: int | None, intent: str, says: list[str]
) -> None:
    reply = answer(question, index)
    assert reply.entry is not None and reply.entry.id == entry, question
    assert reply.grade == grade, question
    assert reply.intent == intent, question
    first = first_block(reply).replace("&gt;", ">").replace("&lt;", "<")
    for word in says:
        assert word.lower() in first.lower(), (question, first)
    assert len(first) <= 800  # the answer itself, with its bold lead and source line
    assert visible(reply) <= 1500  # the first reply stays short; the rest is a button away
    assert "Source:" in first


@pytest.mark.parametrize(
    ("question", "never"),
    [
        ("high TSH on nivo", "hyperthyroidism"),
        ("TSH 14 and rising on pembrolizumab", "hyperthyroidism"),
        ("suppressed TSH on pembrolizumab", "hypothyroidism"),
        ("low ACTH and low cortisol on ipilimumab", "adrenal-insufficiency"),
        ("high ACTH with low cortisol on nivolumab", "hypophysitis"),
        ("free T4 high on nivolumab", "hypophysitis"),
    ],
)
def test_a_finding_never_lands_on_the_opposite_entry(
    index: Index, question: str, never: str
) -> None:
    reply = answer(question, index)
    assert reply.entry is None or reply.entry.id != never


def test_a_grade_shows_the_rule_that_gave_it(index: Index) -> None:
    first = first_block(answer("8 watery stools a day above baseline on ipi+nivo", index))
    assert "8/day" in first and "≥7/day" in first and "grade 3" in first
    assert "CTCAE" in first


def test_a_raw_value_without_the_labs_limit_is_not_graded_silently(index: Index) -> None:
    reply = answer("ALT 250 on pembrolizumab", index)
    first = first_block(reply).replace("&gt;", ">")
    assert reply.grade is None
    assert "needs the lab's ULN" in first and "grade 3 >5–20× ULN" in first


def test_a_given_limit_turns_a_raw_value_into_a_grade(index: Index) -> None:
    reply = answer("ALT 250 (ULN 40) on pembrolizumab", index)
    assert reply.grade == 3  # 6.25x ULN


def test_a_grade_named_with_an_action_gives_that_grades_step(index: Index) -> None:
    first = first_block(answer("grade 2 colitis on ipilimumab: dose?", index))
    assert "Prednisone 1 mg/kg/day" in first  # the grade 2 row, not the grading table


def test_another_grades_step_never_leads_a_graded_answer(index: Index) -> None:
    # "asymptomatic" is a word of the grade 3 row ("discontinue if asymptomatic"): a grade 2
    # patient must be shown the grade 2 step first, never a grade 3 one.
    reply = answer("asymptomatic AST 4x ULN on nivo", index)
    first = first_block(reply)
    assert reply.grade == 2
    assert "Grade 3" not in first and "discontinu" not in first.lower()
    assert "Hold the checkpoint inhibitor temporarily" in first


def test_words_inside_other_phrases_do_not_decide(index: Index) -> None:
    # "doubled" is a direction, not "double vision"; "multiple" in myeloma is not pressors
    assert answer("creatinine doubled on nivolumab", index).entry.id == "nephritis"
    reply = answer("fever day 2 after teclistamab for multiple myeloma", index)
    assert reply.entry.id == "crs" and reply.grade == 1


@pytest.mark.parametrize(
    "question",
    [
        "PD-L1 expression in bladder cancer",
        # a drug outside immunotherapy named first must not shift where "expression" is read
        "cisplatin and PD-L1 expression in bladder cancer",
    ],
)
def test_a_target_measured_as_a_biomarker_is_not_read_as_its_drugs(
    index: Index, question: str
) -> None:
    reply = answer(question, index)
    assert reply.intent != "indications" and "(PD-L1)" not in str(reply.message.blocks)
    assert reply.entry is not None and reply.entry.id == "urothelial-carcinoma"


def test_a_monitoring_answer_leads_with_the_lab_asked_about(index: Index) -> None:
    first = first_block(answer("how long to keep checking glucose on pembro", index))
    assert first.index("glucose") < first.index("Liver enzymes")
    # "mg" in a dose is not magnesium: the rash line (250 mg/m²) is not moved up
    first = first_block(answer("how long to monitor mag after last cetuximab", index))
    assert first.index("magnesium") < first.index("Infusion reactions") < first.index("250 mg")


def test_a_bare_name_still_gets_the_entry_card(index: Index) -> None:
    reply = answer("keytruda", index)
    assert reply.entry.id == "pembrolizumab" and reply.intent == "lookup"
    assert reply.message.blocks[0]["type"] == "header"


@pytest.mark.parametrize(
    "question",
    [
        "rash from amoxicillin",
        "AKI from cisplatin",
        "diarrhea from irinotecan",
        "neutropenic fever after chemo",
        "hyperglycemia from dexamethasone",
        "pneumonitis from bleomycin",
        "pneumonitis on gemcitabine",  # a side effect beside a listed chemotherapy, no "from"
    ],
)
def test_a_cause_outside_immunotherapy_is_not_shown_an_irae_card(
    index: Index, question: str
) -> None:
    reply = answer(question, index)
    assert reply.entry is None
    assert "not a cancer immunotherapy" in reply.message.text.lower()


def test_a_steroid_given_for_the_irae_is_not_taken_for_its_cause(index: Index) -> None:
    assert answer("colitis on prednisone not improving", index).entry.id == "colitis"


def test_fever_and_hypotension_mean_crs_only_after_a_car_t_or_an_engager(index: Index) -> None:
    assert answer("fever and hypotension day 3 after axi-cel", index).entry.id == "crs"
    assert answer("fever and hypotension on pembrolizumab", index).entry.id != "crs"


def test_no_lab_direction_ever_lands_on_an_entry_that_says_the_opposite(index: Index) -> None:
    """Every lab any side effect lists, asked high and low with every drug that causes a side
    effect naming that lab: the reply's entry never lists the lab the other way."""
    from bot.knowledge import SideEffect

    knowledge = index.knowledge
    effects = [e for e in knowledge.entries.values() if isinstance(e, SideEffect)]
    asked = 0
    for effect in effects:
        for finding in effect.findings:
            if not finding.lab:
                continue
            lab = knowledge.labs[finding.lab]
            for drug in knowledge.drugs_causing(effect.id)[:3]:
                for direction in ("high", "low"):
                    reply = answer(f"{direction} {lab.name} on {drug.name}", index)
                    asked += 1
                    chosen = reply.entry
                    if not isinstance(chosen, SideEffect):
                        continue
                    against = [
                        f
                        for f in chosen.findings
                        if f.lab == finding.lab and f.direction and f.direction != direction
                    ]
                    assert not against, (direction, lab.name, drug.name, chosen.id)
    assert asked > 100


# (question, entry id, intent, words the first block must contain)
FACTS = [
    ("do CAR-T products have a boxed warning?", "car-t-cell-therapy", "boxed_warning", ["yes"]),
    ("is there a REMS for CAR-T", "car-t-cell-therapy", "rems", ["REMS"]),
    ("driving after CAR-T", "car-t-cell-therapy", "driving", ["drive"]),
    ("does Opdivo have a black box warning?", "nivolumab", "boxed_warning", ["No"]),
    ("Was Yervoy approved before Keytruda?", "ipilimumab", "approval", ["Yes", "2011"]),
    ("was pembrolizumab approved after nivolumab?", "pembrolizumab", "approval", ["Same"]),
    ("how does the PD-1 inhibitor class work", "pd-1-inhibitors", "target", ["PD-1"]),
    ("what is pembrolizumab used for", "pembrolizumab", "indications", ["Melanoma"]),
    ("is pembro used in endometrial cancer?", "pembrolizumab", "indications", ["Yes"]),
    ("is ipilimumab approved for breast cancer?", "ipilimumab", "indications", ["No"]),
    ("what to monitor on ipilimumab", "ipilimumab", "monitor", ["thyroid"]),
    ("pregnancy on checkpoint inhibitors", "checkpoint-inhibitors", "pregnancy", ["Pregnancy"]),
    ("side effects of the CAR-T class", "car-t-cell-therapy", "side_effects", ["CRS"]),
    ("pembrolizumab or ipilimumab?", "pembrolizumab", "choose", ["Ipilimumab"]),
    ("atezo vs durva in SCLC", "atezolizumab", "choose", ["Durvalumab"]),
]


@pytest.mark.parametrize(("question", "entry", "intent", "says"), FACTS)
def test_fact_questions_answer_first(
    index: Index, question: str, entry: str, intent: str, says: list[str]
) -> None:
    reply = answer(question, index)
    assert reply.entry is not None and reply.entry.id == entry, question
    assert reply.intent == intent, question
    first = first_block(reply)
    for word in says:
        assert word.lower() in first.lower(), (question, first)


def test_a_side_effect_the_named_drug_does_not_cause_is_not_answered_for_it(
    index: Index,
) -> None:
    """ICANS is a CAR-T / T-cell engager toxicity: asked on ipilimumab, the reply says the
    knowledge holds no such side effect of it and shows the drug, not the ICANS management."""
    reply = answer("grade 2 ICANS on ipilimumab", index)
    assert reply.entry is not None and reply.entry.id == "ipilimumab"
    said = "does not list Immune effector cell-associated neurotoxicity syndrome (ICANS) as a side"
    assert f"{said} effect of ipilimumab" in first_block(reply)


def test_a_finding_two_entries_share_names_the_runner_up_too(index: Index) -> None:
    """CK is listed for myocarditis and myositis: the reply answers for one and offers the other
    (a button), instead of reading a shared finding as one of them alone."""
    reply = answer("CK 5000 on nivolumab", index)
    assert reply.entry is not None and reply.entry.id in ("myocarditis", "myositis")
    other = "Immune-related myositis" if reply.entry.id == "myocarditis" else "myocarditis"
    shown = json.dumps(reply.message.blocks, ensure_ascii=False)
    assert "Also points to" in shown and other in shown
    plain = json.dumps(answer("high TSH on nivo", index).message.blocks, ensure_ascii=False)
    assert "Also points to" not in plain  # TSH high: hypothyroidism alone


def test_findings_no_side_effect_of_the_drug_explains(index: Index) -> None:
    first = first_block(answer("TSH 0.02 on pembrolizumab", index))
    assert "high or low" in first  # a value with no direction, several entries disagree
    reply = answer("hemoptysis and high ferritin on pembrolizumab", index)
    assert reply.entry is not None and reply.entry.id == "pembrolizumab"
    assert "holds no side effect of pembrolizumab" in first_block(reply)
    # the verb agrees with what was said: one finding "points", several "point"
    assert "that ferritin points to" in first_block(reply)
    two = first_block(answer("high ferritin and high triglycerides on pembrolizumab", index))
    assert "that ferritin, triglycerides point to" in two
    # "fever" is read as a temperature and as a sign: said once
    fever = first_block(answer("high ferritin and fever on pembrolizumab", index))
    assert "that ferritin, fever point to" in fever


def test_a_concentration_written_without_its_volume_is_read_in_that_unit(index: Index) -> None:
    """ "30 mmol" of glucose is 30 mmol/L (540 mg/dL, grade 4), not 30 mg/dL read as grade 1;
    the reply shows the value converted to the unit its grading rows use."""
    reply = answer("blood glucose 30 mmol on nivolumab", index)
    first = first_block(reply)
    assert reply.grade == 4
    assert "30 mmol/L (= 540.5 mg/dL)" in first and "grade 4" in first


@pytest.mark.parametrize(
    ("question", "grade"),
    [
        ("creatinine 2.5 on nivolumab, was 1.0 before it", 2),  # 2.5x baseline
        ("creatinine 3.5 up from 1.0 on pembrolizumab", 3),  # 3.5x baseline
    ],
)
def test_the_value_before_treatment_is_read_as_the_baseline(
    index: Index, question: str, grade: int
) -> None:
    reply = answer(question, index)
    assert reply.grade == grade
    assert "baseline" in first_block(reply)


def test_noradrenaline_written_as_norad_is_a_vasopressor(index: Index) -> None:
    reply = answer("temp 39, BP 85/50 on a norad infusion day 2 after axi-cel", index)
    assert reply.entry is not None and reply.entry.id == "crs"
    assert reply.grade == 3  # hypotension needing one vasopressor, not grade 1 for the fever


def test_a_rash_measured_as_a_share_of_the_body_is_graded(index: Index) -> None:
    reply = answer("rash on 20% of body on nivolumab", index)
    assert reply.grade == 2
    assert "10–30%" in first_block(reply)


def test_a_longer_outside_name_around_an_entrys_name_is_the_other_medicine(index: Index) -> None:
    """Trastuzumab deruxtecan (Enhertu) is an antibody-drug conjugate with its own label, not
    trastuzumab: its questions never get the Herceptin card; trastuzumab alone still does."""
    reply = answer("ILD on trastuzumab deruxtecan", index)
    assert reply.entry is None
    assert "topoisomerase inhibitor conjugate" in reply.message.text
    assert answer("trastuzumab", index).entry.id == "trastuzumab"


def test_t_dm1_is_its_own_medicine_not_the_herceptin_card(index: Index) -> None:
    """Ado-trastuzumab emtansine (Kadcyla, T-DM1) is another conjugate around trastuzumab, with
    boxed warnings Herceptin's card does not carry (hepatotoxicity): however it is written,
    a question about it says what it is and never shows the trastuzumab card."""
    for text in ("liver enzymes up on Kadcyla", "T-DM1 hepatotoxicity", "trastuzumab emtansine"):
        reply = answer(text, index)
        assert reply.entry is None, text
        assert "microtubule inhibitor" in reply.message.text, text
        assert "Herceptin, Herceptin Hylecta" not in reply.message.text, text


def test_a_boxed_warning_since_removed_is_answered_no(index: Index) -> None:
    """Ipilimumab's label lost its boxed warning in 2020, and its statement says so after
    "None.": the answer is no, never a "yes" built from the history of the warning."""
    first = first_block(answer("does Yervoy still have a black box warning?", index))
    assert first.lstrip("*").startswith("No"), first
    assert "Yes" not in first, first
    assert "removed" in first, first  # the history stays, after the answer


def test_a_target_beside_part_of_a_cancer_name_gets_that_cancers_drugs(index: Index) -> None:
    """A target written beside part of a cancer's name ("CD19 for mantle cell"), or in the
    plural ("PD-L1s"), is a question about the drugs with that target in that cancer."""
    reply = answer("CD19 for mantle cell", index)
    assert reply.entry is not None and reply.entry.id == "mantle-cell-lymphoma"
    assert "Brexucabtagene" in first_block(reply) and "Lisocabtagene" in first_block(reply)
    reply = answer("PD-L1s for bladder?", index)
    assert reply.entry is not None and reply.entry.id == "urothelial-carcinoma"
    assert "Durvalumab" in first_block(reply)


def test_bulbar_or_respiratory_weakness_is_graded_severe_with_its_rule(index: Index) -> None:
    """ASCO grades any dysphagia, facial or respiratory muscle weakness as 3-4: the reply
    leads with that row (stop for good, IVIG or plasmapheresis) and shows the rule, instead
    of the grade 1 line; plain breathlessness stays with pneumonitis."""
    reply = answer("trouble swallowing and facial weakness on ipilimumab", index)
    assert reply.entry is not None and reply.entry.id == "neurologic-irae"
    assert reply.grade == 3
    first = first_block(reply)
    assert "→ grade 3" in first and "permanently discontinue" in first and "IVIG" in first
    assert answer("short of breath on nivolumab", index).entry.id != "neurologic-irae"


def test_the_named_drugs_own_label_rule_leads_its_grade_row(index: Index) -> None:
    """The guideline says a grade 3 infusion reaction may be resumed at half rate; the
    pembrolizumab label stops it for good. Asked about pembrolizumab, the label's sentence is
    in the first block, not cut off below it."""
    for text in (
        "can we restart pembrolizumab after a grade 3 infusion reaction?",
        "grade 3 infusion reaction on keytruda: rechallenge or desensitize?",
    ):
        first = first_block(answer(text, index))
        assert "permanently discontinues" in first, (text, first)


def test_a_tissue_agnostic_drug_is_not_a_flat_no_for_a_cancer_it_can_treat(index: Index) -> None:
    """Pembrolizumab has no prostate cancer indication of its own, but its tissue-agnostic
    ones (MSI-H/dMMR, TMB-H) reach prostate tumors with those markers, as the prostate entry
    says: the first line is not "No", and the biomarker is named. A drug with no such route
    (nivolumab) still gets a plain no."""
    first = first_block(answer("can Keytruda be given for prostate cancer?", index))
    assert not first.lstrip("*").startswith("No"), first
    assert "MSI-H" in first and "tissue-agnostic" in first, first
    first = first_block(answer("is Opdivo approved in prostate cancer", index))
    assert first.lstrip("*").startswith("No"), first
