"""The grading calculator: "Grade it" opens a form generated from the grading criteria; the
submission is graded by the knowledge's rules, with inline errors for bad input."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from conftest import Bot
from support import blocks_of, parsed_message, parsed_view

from bot import grade_form, grading
from bot.knowledge import Knowledge, SideEffect


def _gradable(knowledge: Knowledge) -> list[SideEffect]:
    return [
        e
        for e in knowledge.entries.values()
        if isinstance(e, SideEffect) and grade_form.gradable(e)
    ]


def _open(bot: Bot, effect_id: str, **kwargs: object) -> dict:
    bot.action("immuno.grade", effect_id, **kwargs)
    view = bot.slack.wait_for("/views.open")[-1].body["view"]
    return json.loads(view) if isinstance(view, str) else view


def _submit(bot: Bot, view: dict, values: dict[str, dict]) -> dict | None:
    """Submit the form with {block_id: element state}; the JSON response, if any."""
    submission = {
        "type": "view_submission",
        "team": {"id": "T0001"},
        "user": {"id": "U1NURSE", "team_id": "T0001"},
        "api_app_id": "A0001",
        "view": {
            **view,
            "id": "V1",
            "state": {"values": {block: {"value": state} for block, state in values.items()}},
        },
    }
    reply = bot.send(
        urlencode({"payload": json.dumps(submission)}), "application/x-www-form-urlencoded"
    )
    assert reply.status == 200
    return reply.json() if reply.body else None


def _number(value: str) -> dict:
    return {"type": "number_input", "value": value}


def _choice(value: str) -> dict:
    return {"type": "static_select", "selected_option": {"value": value}}


def test_every_gradable_side_effect_gets_a_valid_generated_form(knowledge: Knowledge) -> None:
    effects = _gradable(knowledge)
    assert len(effects) >= 10
    for effect in effects:
        view = grade_form.modal(effect, knowledge, "C1ONC")
        parsed_view(view)
        inputs = [b for b in view["blocks"] if b["type"] == "input"]
        fields = [c for c in effect.criteria if c.measure or c.signs]
        assert len(inputs) == len(fields) + bool(grade_form.severities(effect))
        for block, criterion in zip(inputs, fields, strict=False):
            kind = "number_input" if criterion.measure else "static_select"
            assert block["element"]["type"] == kind
            assert block["label"]["text"].startswith(criterion.name)


def test_side_effect_cards_offer_grade_it_and_it_opens_the_form(
    bot: Bot, knowledge: Knowledge
) -> None:
    bot.action("immuno.section", "crs|grading")
    card = bot.slack.wait_for("/response/r1")[0].body
    buttons = [
        e for b in blocks_of(card["blocks"]) if b["type"] == "actions" for e in b["elements"]
    ]
    grade_it = [e for e in buttons if e["text"]["text"] == "Grade it"]
    assert len(grade_it) == 1 and grade_it[0]["value"] == "crs"
    view = _open(bot, grade_it[0]["value"])
    parsed_view(view)
    assert view["callback_id"] == grade_form.GRADE_CALLBACK
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    effect = knowledge.entries["crs"]
    assert isinstance(effect, SideEffect)
    names = [c.name for c in effect.criteria if c.measure or c.signs]
    assert all(label.startswith(name) for label, name in zip(labels, names, strict=True))


def test_side_effects_without_structured_grading_have_no_grade_it(
    bot: Bot, knowledge: Knowledge
) -> None:
    plain = next(
        e for e in knowledge.entries.values() if isinstance(e, SideEffect) and not e.criteria
    )
    bot.action("immuno.section", f"{plain.id}|grading")
    card = bot.slack.wait_for("/response/r1")[0].body
    assert "Grade it" not in json.dumps(card["blocks"])


def test_submit_shows_the_grade_the_rule_and_that_grades_management(
    bot: Bot, knowledge: Knowledge
) -> None:
    view = _open(bot, "colitis", channel="C1ONC")
    assert _submit(bot, view, {"c0": _number("8")}) is None  # accepted: the modal closes
    posted = bot.slack.wait_for("/chat.postEphemeral")[0].body
    assert posted["channel"] == "C1ONC" and posted["user"] == "U1NURSE"
    parsed_message(posted)
    dumped = json.dumps(blocks_of(posted["blocks"]), ensure_ascii=False)
    effect = knowledge.entries["colitis"]
    assert isinstance(effect, SideEffect)
    row = grading.management_row(effect, 3)
    assert row is not None
    assert "Grade 3" in posted["text"] and "≥7/day" in dumped  # the grade and its rule
    assert json.dumps(row.text, ensure_ascii=False)[1:-1] in dumped  # grade 3 management
    assert "Share in channel" in dumped


def test_findings_choices_grade_too(bot: Bot, knowledge: Knowledge) -> None:
    effect = knowledge.entries["crs"]
    assert isinstance(effect, SideEffect)
    # The described finding with the highest grade, chosen alone in the form.
    index, criterion = max(
        ((i, c) for i, c in enumerate(effect.criteria) if c.signs),
        key=lambda pair: max(row.grade for row in pair[1].signs),
    )
    top = max(range(len(criterion.signs)), key=lambda n: criterion.signs[n].grade)
    view = _open(bot, "crs")
    _submit(bot, view, {f"c{index}": _choice(str(top))})
    posted = bot.slack.wait_for("/chat.postEphemeral")[0].body
    assert posted["text"].startswith(f"Grade {criterion.signs[top].grade} Cytokine release")
    assert criterion.signs[top].match[0].lower() in posted["text"].lower()


@pytest.mark.parametrize(
    "state,error",
    [
        ({"c0": _number("abc")}, "Enter a number"),
        ({"c0": _number("-3")}, "0 or more"),
        ({"c0": _number("7.5")}, "whole number"),  # stools are counted
        ({}, "at least one"),
    ],
)
def test_invalid_input_gets_an_inline_error_and_nothing_is_posted(
    bot: Bot, state: dict, error: str
) -> None:
    view = _open(bot, "colitis")
    reply = _submit(bot, view, state)
    assert reply is not None and reply["response_action"] == "errors"
    assert error in reply["errors"]["c0"]
    bot.settle()
    assert not bot.slack.calls("/chat.postEphemeral")


def test_share_posts_the_graded_result_in_the_channel(bot: Bot) -> None:
    bot.action("immuno.grade.share", "colitis|v0=8", user="U2PHARM")
    shared, deleted = bot.slack.wait_for("/response/r1", count=2)
    assert shared.body["response_type"] == "in_channel"
    dumped = json.dumps(blocks_of(shared.body["blocks"]), ensure_ascii=False)
    assert "Grade 3" in dumped and "Shared by <@U2PHARM>" in dumped
    assert "Share in channel" not in dumped
    assert deleted.body.get("delete_original") is True


def test_from_the_home_tab_the_result_comes_as_a_direct_message(bot: Bot) -> None:
    view = _open(bot, "hepatitis", container_type="view")
    view["private_metadata"] = "hepatitis||"
    _submit(bot, view, {"c0": _number("6")})
    posted = bot.slack.wait_for("/chat.postMessage")[0].body
    assert posted["channel"] == "U1NURSE" and posted["text"].startswith("Grade 3")


def test_an_answer_about_a_gradable_side_effect_offers_grade_it(bot: Bot) -> None:
    body = bot.slash("fever and hypotension day 3 after axi-cel").json()
    parsed_message(body)
    buttons = [e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [e["value"] for e in buttons if e["action_id"].startswith("immuno.grade")] == ["crs"]
