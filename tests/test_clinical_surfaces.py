"""Clinical answers on every surface: slash, mention, buttons, Share and the shell.

Slack-facing tests send real signed HTTP to the real Bolt app, with the fake Slack Web API
recording what the bot posts (tests/support.py).
"""

from __future__ import annotations

import json

from conftest import KEYWORD_CHANNEL, ROOT, Bot
from test_shell import run_shell


def _blocks(body: dict) -> list[dict]:
    blocks = body["blocks"]
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def _first_section(blocks: list[dict]) -> str:
    return next(b["text"]["text"] for b in blocks if b["type"] == "section")


def test_slash_answers_a_described_patient_first(bot: Bot) -> None:
    body = bot.slash("8 watery stools a day above baseline on ipi+nivo").json()
    assert body["response_type"] == "ephemeral"
    first = _first_section(body["blocks"])
    assert first.startswith("*Grade 3 immune-related colitis")
    assert "≥7/day" in first and "Hold the checkpoint inhibitor" in first
    labels = [
        e["text"]["text"] for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert {"Full entry", "Grading table", "Ipilimumab card"} <= set(labels)
    assert "not medical advice" in json.dumps(body["blocks"])


def test_grading_table_button_shows_the_grading_card(bot: Bot) -> None:
    bot.action("immuno.section", "colitis|grading", ephemeral=True)
    posted = bot.slack.wait_for("/response/r1")
    assert "Increase of 7 or more stools/day" in json.dumps(posted[0].body["blocks"])


def test_share_posts_the_answer_itself(bot: Bot) -> None:
    bot.action("immuno.share", "hepatitis|answer|AST 6x ULN on atezo", ephemeral=True)
    posted = bot.slack.wait_for("/response/r1")
    shared = posted[0].body
    assert shared["response_type"] == "in_channel"
    assert "*Grade 3 immune-related hepatitis on atezolizumab*" in json.dumps(shared["blocks"])


def test_mention_yes_no_question_answers_yes_in_its_first_line(bot: Bot) -> None:
    bot.event(
        {
            "type": "app_mention",
            "user": "U1NURSE",
            "text": "<@UBOT> does blinatumomab have a boxed warning?",
            "ts": "1700000300.000300",
            "channel": "C1ONC",
            "event_ts": "1700000300.000300",
        }
    )
    posted = bot.slack.wait_for("/chat.postMessage")
    first = _first_section(_blocks(posted[0].body))
    assert first.startswith("*Yes — boxed warning: blinatumomab*")
    assert "Share in channel" not in json.dumps(_blocks(posted[0].body))  # already public


def test_shell_shows_grade_rule_and_step() -> None:
    out = run_shell("fever and hypotension day 3 after axi-cel", "quit")
    assert "Grade 2 cytokine release syndrome (CRS) on axicabtagene ciloleucel" in out
    assert "Hypotension → grade 2 (ASTCT" in out and "Tocilizumab 8 mg/kg" in out


def test_readme_transcript_is_what_the_shell_answers() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Clinical questions: the answer first", 1)[1]
    transcript = section.split("```text\n", 1)[1].split("```", 1)[0]
    asked = [
        line[len("immuno> ") :] for line in transcript.splitlines() if line.startswith("immuno> ")
    ]
    assert len(asked) >= 4  # three questions and quit
    out = run_shell(*asked)
    for block in transcript.split("immuno> ")[1:]:
        answer_part = block.split("\nButtons:", 1)[0]  # the question, the answer, its source
        assert answer_part in out, answer_part


def test_a_patient_described_in_a_keyword_channel_gets_the_compact_answer(bot: Bot) -> None:
    bot.event(
        {
            "type": "message",
            "user": "U1NURSE",
            "text": "pt on nivo with AST 6x ULN, anyone seen this?",
            "ts": "1700000700.000001",
            "channel": KEYWORD_CHANNEL,
            "event_ts": "1700000700.000001",
            "channel_type": "channel",
        },
        event_id="EvKC1",
    )
    posted = bot.slack.wait_for("/chat.postMessage")
    body = posted[0].body
    assert body["thread_ts"] == "1700000700.000001"
    blocks = _blocks(body)
    assert _first_section(blocks).startswith("*Grade 3 immune-related hepatitis on nivolumab*")
    assert "Share in channel" not in json.dumps(blocks)  # public already
    assert len(json.dumps(blocks)) < 3000  # compact: answer, buttons, one source


def test_side_effects_on_a_drug_card_are_buttons(bot: Bot) -> None:
    body = bot.slash("drug nivolumab").json()
    values = [e["value"] for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert "colitis|management" in values and "hepatitis|management" in values
