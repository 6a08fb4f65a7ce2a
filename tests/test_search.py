"""Resolution: names, brands, slang, case, punctuation, plurals, typos, kinds and misses."""

from __future__ import annotations

import pytest

from bot.answering import answer
from bot.knowledge import Kind
from bot.query import find_section, parse
from bot.resolve import Index


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("pembrolizumab", "pembrolizumab"),
        ("KEYTRUDA", "pembrolizumab"),
        ("pembro", "pembrolizumab"),
        ("Opdivo", "nivolumab"),
        ("axi-cel", "axicabtagene-ciloleucel"),
        ("axicel", "axicabtagene-ciloleucel"),
        ("T-VEC", "talimogene-laherparepvec"),
        ("tisa cel", "tisagenlecleucel"),
        ("checkpoint inhibitors", "checkpoint-inhibitors"),
        ("PD-1 inhibitors", "pd-1-inhibitors"),
        ("pd1 inhibitor", "pd-1-inhibitors"),
        ("CAR-T", "car-t-cell-therapy"),
        ("CRS", "crs"),
        ("irAE", "irae"),
        ("irAEs", "irae"),
        ("colitis", "colitis"),
        ("NSCLC", "nsclc"),
        ("myeloma", "multiple-myeloma"),
        ("non-small-cell lung cancers", "nsclc"),
        ("pembrolizumb", "pembrolizumab"),
        ("nivolumub", "nivolumab"),
        ("ciltacabtagene autoleucl", "ciltacabtagene-autoleucel"),
        ("diarrhoea", "colitis"),
        ("interleukin-2", "aldesleukin"),
    ],
)
def test_resolves_to_the_right_entry(index: Index, typed: str, expected: str) -> None:
    match = index.resolve(typed)
    assert match.entry is not None, (typed, match)
    assert match.entry.id == expected


@pytest.mark.parametrize(
    "typed",
    [
        "aspirin",
        "metformin",
        "imatinib",
        "bevacizumab",
        "hello",
        "thanks!",
        "type 2 diabetes",
        "hepatitis C",
        "covid vaccine",
        "what's the weather",
        "",
        "???",
    ],
)
def test_out_of_scope_is_a_miss(index: Index, typed: str) -> None:
    assert index.resolve(typed).entry is None


def test_a_typo_never_crosses_a_letter_or_number_that_tells_entries_apart(index: Index) -> None:
    assert index.resolve("type 2 diabetes").entry is None
    pd1 = index.resolve("PD-1 inhibitors").entry
    pdl1 = index.resolve("PD-L1 inhibitors").entry
    assert pd1 is not None and pdl1 is not None and pd1.id != pdl1.id


def test_kind_filter(index: Index) -> None:
    assert index.resolve("myeloma", kind=Kind.CANCER).entry.id == "multiple-myeloma"
    assert index.resolve("pembrolizumab", kind=Kind.CANCER).entry is None


def test_ambiguous_partial_names_offer_choices(index: Index) -> None:
    match = index.resolve("lung cancer")
    assert match.entry is None
    assert {c.id for c in match.choices} == {"nsclc", "sclc"}


def test_questions_pick_the_subject_and_section(index: Index) -> None:
    query = parse("what are the side effects of nivolumab?")
    assert query.section == "side_effects"
    assert index.resolve(query.text).entry.id == "nivolumab"
    assert find_section("how is immune-related colitis managed?") == "management"
    assert find_section("which drugs cause pneumonitis") == "causes"
    assert find_section("how is CRS graded") == "grading"
    assert find_section("what is pembro approved for") == "indications"
    assert find_section("mechanism of action of ipilimumab") == "mechanism"


def test_mention_grammar() -> None:
    assert parse("<@U123> compare pembro and nivo").command == "compare"
    assert parse("pembro vs nivo").others == ("pembro", "nivo")
    assert parse("list side-effects").kind is Kind.SIDE_EFFECT
    assert parse("side-effect colitis").kind is Kind.SIDE_EFFECT
    assert parse("").command == "help"


def test_the_parser_accepts_every_keyword_the_help_table_lists() -> None:
    """Help and parser read one table: every first word a command lists starts that command."""
    from bot.query import COMMANDS, Command

    for spec in COMMANDS:
        for keyword in spec.keywords:
            text = f"{keyword} pembro nivo" if spec.command is Command.COMPARE else keyword
            assert parse(text).command is spec.command, keyword
    assert parse("status").command is Command.ABOUT
    assert parse("find CD19").command is Command.SEARCH


def test_two_entries_named_prefers_the_kind_the_question_is_about(index: Index) -> None:
    reply = answer("how is colitis from ipilimumab managed?", index)
    assert reply.match.entry.id == "colitis"
    reply = answer("side effects of pembrolizumab in melanoma", index)
    assert reply.match.entry.id == "pembrolizumab"


def test_exact_hits_do_not_scan_the_knowledge(index: Index, monkeypatch) -> None:
    """An alias hit is a dictionary lookup: it never compares against other keys."""
    import bot.resolve.typos as typos_module

    calls = []
    monkeypatch.setattr(typos_module, "distance", lambda *a, **k: calls.append(a) or 99)
    assert index.resolve("keytruda").entry.id == "pembrolizumab"
    assert calls == []
    index.resolve("keytrudda")  # a typo does compare, against a few candidates only
    assert 0 < len(calls) < 20


def test_an_entrys_whole_name_gets_that_card_alone(index: Index) -> None:
    """Typing an entry's full name, however long, shows that entry and no other beside it."""
    from bot import words

    for entry in index.knowledge.entries.values():
        if entry.kind is Kind.CONCEPT or index.named(words.key(entry.name)) != (entry.id,):
            continue  # a concept's title describes it ("... for immunotherapy"): not a name
        reply = answer(entry.name, index)
        match = reply.match
        assert match is not None and match.entry is entry, entry.name
        assert match.also == (), (entry.name, [e.id for e in match.also])


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("Yescarta neurotox", "icans"),  # shorthand and a side effect of that drug
        ("herceptin cardiotox", "cardiomyopathy"),
        ("EGFR antibody rash", "acneiform-rash"),  # the rash anti-EGFR antibodies cause
        ("hypothyroid on nivo", "hypothyroidism"),
        ("how long is the opdivo infusion", "nivolumab"),  # how it is given, not a reaction
        ("bladder ca", "urothelial-carcinoma"),
        ("cetux premed", "cetuximab"),  # a clear abbreviation of one name
        ("keytrooda q6w dosing", "pembrolizumab"),  # two typos in a long name
        ("non small cell", "nsclc"),
        ("hodgkins", "classical-hodgkin-lymphoma"),
        ("pt on nivo c/o cough", "pneumonitis"),  # c/o is shorthand, not a qualifier
        ("CD19 BiTE", "blinatumomab"),  # a target beside a class: that class's drug with it
    ],
)
def test_clinic_phrasing(index: Index, typed: str, expected: str) -> None:
    match = answer(typed, index).match
    assert match is not None and match.entry is not None, (typed, match)
    assert match.entry.id == expected


def test_list_with_a_class_shows_its_members(index: Index) -> None:
    reply = answer("list the PD-1 inhibitors", index)
    assert reply.entry is not None and reply.entry.id == "pd-1-inhibitors"
    assert "Drugs in this class" in str(reply.message.blocks[:3])


def test_a_two_letter_correction_to_a_side_effect_is_offered_not_answered(index: Index) -> None:
    """ "mucositis" (a chemotherapy toxicity) is not immune-related myositis."""
    reply = answer("mucositis", index)
    assert reply.entry is None
    assert "Did you mean" in (reply.message.text or "") and "myositis" in reply.message.text


def test_search_that_finds_nothing_says_so_with_the_words_escaped(index: Index) -> None:
    reply = answer("search qqzzxq <!channel>", index)
    assert reply.message.text == "Nothing found for “qqzzxq &lt;!channel&gt;”."


def test_compare_with_one_known_drug_says_what_it_needs(index: Index) -> None:
    text = answer("compare pembrolizumab zzqqx", index).message.text or ""
    assert "compare needs two drugs i know (found: pembrolizumab)" in text.lower()


def test_versus_with_one_drug_answers_about_that_drug(index: Index) -> None:
    reply = answer("dara sc vs iv", index)
    assert reply.message.blocks[0]["text"]["text"].startswith("Daratumumab")


def test_a_typo_tie_is_a_choice_not_a_guess(index: Index) -> None:
    match = index.resolve("retuximab")
    assert match.entry is None
    assert {c.id for c in match.choices} >= {"rituximab", "cetuximab"}
