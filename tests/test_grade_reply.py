"""The grading calculator's reply when the answers do not settle one grade."""

from __future__ import annotations

from bot import grade_form, grade_reply
from bot.knowledge import Knowledge, SideEffect


def _effect(knowledge: Knowledge, entry_id: str) -> SideEffect:
    effect = knowledge.entries[entry_id]
    assert isinstance(effect, SideEffect)
    return effect


def test_answers_that_fit_two_rows_show_both_and_what_decides(knowledge: Knowledge) -> None:
    effect = _effect(knowledge, "dermatitis")
    answers = grade_form.Answers({0: 40})  # BSA >30%: symptom severity decides 2 or 3
    found = grade_form.grade(effect, knowledge, answers)
    assert found is not None and found.n is None and found.possible == (2, 3)
    message = grade_reply.result(effect, found, answers)
    assert "could be grade 2 or 3" in message.text
    severe = grade_form.Answers({0: 40}, severity="severe")
    decided = grade_form.grade(effect, knowledge, severe)
    assert decided is not None and decided.n == 3


def test_answers_that_meet_no_row_say_so(knowledge: Knowledge) -> None:
    effect = _effect(knowledge, "crs")
    answers = grade_form.Answers({0: 37})  # afebrile, nothing else entered
    message = grade_reply.result(effect, grade_form.grade(effect, knowledge, answers), answers)
    assert "no grade met" in message.text


def test_shared_answers_survive_the_button_value(knowledge: Knowledge) -> None:
    effect = _effect(knowledge, "crs")
    answers = grade_form.Answers({0: 39.5}, {2: 1}, "")
    assert grade_form.decode(grade_form.encode(answers), effect) == answers
    assert grade_form.decode("v99=1;f0=x;s=awful;junk", effect) == grade_form.Answers()


def test_a_value_typed_under_a_fasting_field_is_not_assumed_fasting(knowledge: Knowledge) -> None:
    """The form asks for "Fasting glucose": what is typed there is fasting, so the reply does not
    say it assumed so (a question that only says "glucose 400" does)."""
    effect = knowledge.entries["type-1-diabetes"]
    assert isinstance(effect, SideEffect)
    found = grade_form.grade(effect, knowledge, grade_form.Answers({0: 400}))
    assert found is not None and found.n == 3
    assert not any("fasting" in note for note in found.assumed)


def test_a_row_picked_in_the_form_is_not_said_to_be_assumed(knowledge: Knowledge) -> None:
    """In a question, "hypotension" is grade 2 "assuming no vasopressor is needed"; in the form
    the user picks that row from a list that offers the vasopressor rows too."""
    effect = _effect(knowledge, "crs")
    assert effect.criteria[2].name == "Hypotension" and effect.criteria[2].signs[0].assumes
    found = grade_form.grade(effect, knowledge, grade_form.Answers({0: 39.5}, {2: 0}))
    assert found is not None and found.n == 2
    assert found.assumed == ()
