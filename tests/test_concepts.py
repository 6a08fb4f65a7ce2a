"""Concepts and outside-scope drugs: validated like every entry, found by the questions people
start with, and drugs that are not immunotherapy answered as such instead of guessed at."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import Bot
from test_render import assert_within_limits
from test_shell import run_shell
from test_validate import CLASS, DRUG, write

from bot import render
from bot.answering import answer
from bot.knowledge import Kind, Knowledge
from bot.loading import load_knowledge
from bot.resolve import Index

TODAY = dt.date(2026, 11, 29)

CONCEPT = """\
concepts:
  - id: test-concept
    name: How testing works
    aliases: [testing basics]
    summary: A test concept.
    sections:
      - title: Part one
        text: The first part.
    related:
      drugs: [testumab]
      classes: [test-class]
    sources:
      - title: NCI
        url: https://example.org/nci
    last_reviewed: 2026-01-01
"""
OUTSIDE = """\
outside_scope:
  - id: otherumab
    name: otherumab
    aliases: [Otherza]
    what: A test antibody that is not immunotherapy.
    related: [testumab]
    sources:
      - title: Label
        url: https://example.org/otherumab
    last_reviewed: 2026-01-01
"""


def errors(folder: Path) -> list[str]:
    result = load_knowledge(folder, TODAY, with_version=False)
    return [
        f"{Path(p.file).name}:{p.line}:{p.column}: {p.message}"
        for p in result.problems
        if p.severity == "error"
    ]


def small(tmp_path: Path, concept: str = CONCEPT, outside: str = OUTSIDE) -> Path:
    write(tmp_path, "a.yaml", DRUG)
    write(tmp_path, "b.yaml", CLASS)
    write(tmp_path, "c.yaml", concept)
    write(tmp_path, "d.yaml", outside)
    return tmp_path


# -- validation -----------------------------------------------------------------------------------


def test_concepts_and_outside_drugs_load_beside_the_entries(tmp_path: Path) -> None:
    result = load_knowledge(small(tmp_path), TODAY, with_version=False)
    assert result.knowledge is not None
    assert result.knowledge.counts[Kind.CONCEPT] == 1
    # An outside drug is never an entry: not counted, listed or answered as a card.
    assert "otherumab" not in result.knowledge.entries
    assert list(result.knowledge.outside) == ["otherumab"]


def test_a_concept_link_to_an_unknown_id_is_reported_where_it_is(tmp_path: Path) -> None:
    small(tmp_path, CONCEPT.replace("drugs: [testumab]", "drugs: [testumab, testumb]"))
    assert errors(tmp_path) == [
        "c.yaml:10:25: links to unknown drug id 'testumb' (did you mean 'testumab'?)"
    ]


def test_a_concept_needs_its_sections(tmp_path: Path) -> None:
    small(
        tmp_path,
        CONCEPT.replace(
            "    sections:\n      - title: Part one\n        text: The first part.\n", ""
        ),
    )
    assert errors(tmp_path) == ["c.yaml:2:5: concepts.0: 'sections' is a required property"]


def test_an_outside_drug_may_not_take_an_entry_name(tmp_path: Path) -> None:
    small(tmp_path, outside=OUTSIDE.replace("aliases: [Otherza]", "aliases: [Otherza, Testumab]"))
    assert errors(tmp_path) == [
        "d.yaml:4:24: 'Testumab' is already a name of drug 'testumab' (as 'testumab'); "
        "a name or alias may lead to one entry only"
    ]


def test_an_entry_may_not_take_an_outside_drug_name(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", DRUG)
    write(tmp_path, "b.yaml", CLASS)
    write(tmp_path, "0.yaml", OUTSIDE.replace("aliases: [Otherza]", "aliases: [testumab]"))
    assert errors(tmp_path) == [
        "a.yaml:3:11: 'testumab' is already a name of outside-scope drug 'otherumab' "
        "(as 'testumab'); a name or alias may lead to one entry only"
    ]


def test_an_outside_drug_link_and_source_are_checked(tmp_path: Path) -> None:
    small(
        tmp_path,
        outside=OUTSIDE.replace("related: [testumab]", "related: [nope]").replace(
            "https://example.org/otherumab", "http://example.org/otherumab"
        ),
    )
    assert errors(tmp_path) == [
        "d.yaml:6:15: links to unknown entry id 'nope'",
        "d.yaml:9:14: source URL 'http://example.org/otherumab' must be an https:// address",
    ]


# -- resolving ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what is immunotherapy", "how-immunotherapy-works"),
        ("how does immunotherapy work", "how-immunotherapy-works"),
        ("what is TMB", "immunotherapy-biomarkers"),
        ("PD-L1 CPS vs TPS", "immunotherapy-biomarkers"),
        ("MSI-H testing", "immunotherapy-biomarkers"),
        ("what is pseudoprogression", "immunotherapy-response-patterns"),
        ("iRECIST", "immunotherapy-response-patterns"),
        ("immunotherapy vs targeted therapy", "immunotherapy-vs-targeted-therapy"),
        (
            "difference between immunotherapy and targeted therapy",
            "immunotherapy-vs-targeted-therapy",
        ),
        ("why does immunotherapy stop working", "immunotherapy-resistance"),
        ("chemoimmunotherapy", "immunotherapy-combinations"),
        # "immunotherapy" names a concept, but a question about a cancer's options is the cancer's
        ("which immunotherapies are approved for RCC", "renal-cell-carcinoma"),
        ("MSI-H", "msi-h-dmmr-solid-tumors"),
        # ... even when the cancer is named only in part
        ("immunotherapy for merkel cell", "merkel-cell-carcinoma"),
    ],
)
def test_questions_about_the_field_land_on_their_entry(
    index: Index, question: str, expected: str
) -> None:
    match = answer(question, index).match
    assert match is not None and match.entry is not None, question
    assert match.entry.id == expected


@pytest.mark.parametrize(
    ("question", "outside"),
    [
        ("bevacizumab side effects", "bevacizumab"),
        ("Avastin", "bevacizumab"),
        ("imatinib", "imatinib"),
        # "nephrotoxicity" is one typo-step from "neurotoxicity" (ICANS): never guessed
        ("cisplatin nephrotoxicity", "cisplatin"),
    ],
)
def test_a_drug_outside_immunotherapy_gets_what_it_is(
    index: Index, question: str, outside: str
) -> None:
    reply = answer(question, index)
    assert reply.match is not None and reply.match.entry is None
    assert [d.id for d in reply.match.outside] == [outside]
    assert not reply.match.suggestions and not reply.missed
    text = reply.message.text
    assert "Not a cancer immunotherapy" in text and "No entry" not in text
    assert_within_limits(reply.message.blocks)
    assert "not medical advice" in json.dumps(reply.message.blocks)


def test_a_named_entry_is_answered_beside_the_outside_drug(index: Index) -> None:
    reply = answer("atezolizumab and bevacizumab in HCC", index)
    assert reply.match is not None and reply.match.entry is not None
    assert reply.match.entry.id == "atezolizumab"
    assert "*Bevacizumab* is a vascular endothelial growth factor" in json.dumps(
        reply.message.blocks, ensure_ascii=False
    )


def test_tocilizumab_is_crs_management_not_an_outside_drug(
    index: Index, knowledge: Knowledge
) -> None:
    # Clinical check: tocilizumab treats CRS, so it must lead to the CRS entry, whose
    # management names it, and never to an "outside immunotherapy" reply.
    assert "tocilizumab" not in knowledge.outside
    reply = answer("tocilizumab for CRS", index)
    assert reply.match is not None and reply.match.entry is not None
    assert reply.match.entry.id == "crs" and not reply.match.outside
    management = answer("CRS management", index).message
    assert "Tocilizumab 8 mg/kg" in json.dumps(management.blocks)


def test_management_drugs_are_not_outside_drugs(index: Index) -> None:
    # They treat immunotherapy toxicity: the side effects that name them answer for them.
    for name in ("tocilizumab", "infliximab", "vedolizumab", "mycophenolate", "prednisone"):
        assert index.outside(name) == (), name


def test_a_concept_can_be_asked_for_by_kind(index: Index) -> None:
    match = answer("concept TMB", index).match
    assert match is not None and match.entry is not None
    assert match.entry.id == "immunotherapy-biomarkers"


def test_an_entry_name_wins_where_an_outside_name_overlaps(tmp_path: Path) -> None:
    drug = DRUG.replace("    name: testumab\n", "    name: testumab\n    aliases: [testumab xr]\n")
    write(tmp_path, "a.yaml", drug)
    write(tmp_path, "b.yaml", CLASS)
    write(tmp_path, "d.yaml", OUTSIDE.replace("aliases: [Otherza]", "aliases: [xr]"))
    result = load_knowledge(tmp_path, TODAY, with_version=False)
    assert result.knowledge is not None
    index = Index.build(result.knowledge)
    match = index.resolve("testumab xr dosing")
    assert match.entry is not None and match.entry.id == "testumab" and not match.outside
    assert [d.id for d in index.resolve("xr dosing").outside] == ["otherumab"]


# -- rendering, listing, Slack and the shell ------------------------------------------------------


def test_a_concept_card_shows_its_sections_related_buttons_and_footer(
    knowledge: Knowledge,
) -> None:
    concept = knowledge.entries["immunotherapy-biomarkers"]
    message = render.card(concept, knowledge)
    assert_within_limits(message.blocks)
    dumped = json.dumps(message.blocks, ensure_ascii=False)
    assert "*PD-L1 combined positive score (CPS)*" in dumped
    buttons = [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert {"pembrolizumab", "msi-h-dmmr-solid-tumors"} <= {b["value"] for b in buttons}
    footer = message.blocks[-1]["elements"]
    assert "Sources:" in footer[0]["text"] and "not medical advice" in footer[1]["text"]


def test_every_outside_drug_reply_fits_slack(knowledge: Knowledge) -> None:
    for drug in knowledge.outside.values():
        assert_within_limits(render.outside_scope([drug], knowledge).blocks)


def test_slash_concepts_and_outside_drugs_over_http(bot: Bot) -> None:
    body = bot.slash("what is TMB").json()
    assert body["blocks"][0]["text"]["text"].startswith("Biomarkers that select patients")
    assert "not medical advice" in json.dumps(body["blocks"])
    body = bot.slash("bevacizumab side effects").json()
    assert body["text"].startswith("Bevacizumab: A vascular endothelial growth factor")
    assert "Not a cancer immunotherapy" in body["text"]
    body = bot.slash("list concepts").json()
    assert body["blocks"][0]["text"]["text"] == "Concepts (6)"  # every concept, one page


def test_the_shell_answers_concepts_and_outside_drugs() -> None:
    out = run_shell("what is pseudoprogression", "imatinib")
    assert "Response patterns on immunotherapy" in out
    assert "Imatinib: A kinase inhibitor" in out and "Not a cancer immunotherapy" in out
