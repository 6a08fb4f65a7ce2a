"""Buttons, the report modal and the App Home tab, through signed requests to the real app."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from conftest import FEEDBACK_CHANNEL, Bot

from bot.misslog import MissLog


def _blocks(received_body: dict) -> list[dict]:
    blocks = received_body.get("blocks")
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def test_section_button_on_ephemeral_card_updates_it_in_place(bot: Bot) -> None:
    reply = bot.action("immuno.section", "pembrolizumab|side_effects", ephemeral=True)
    assert reply.status == 200
    posted = bot.slack.wait_for("/response/r1")
    body = posted[0].body
    assert body["replace_original"] is True
    blocks = _blocks(body)
    assert blocks[0]["text"]["text"].startswith("Pembrolizumab")
    assert "*Side effects*" in json.dumps(blocks)


def test_section_button_on_public_card_answers_in_the_thread(bot: Bot) -> None:
    bot.action(
        "immuno.section#1",
        "colitis|management",
        ephemeral=False,
        message_ts="1700000700.000001",
        thread_ts="1700000699.000001",
    )
    posted = bot.slack.wait_for("/chat.postMessage")
    assert posted[0].body["thread_ts"] == "1700000699.000001"
    assert "Management by grade" in json.dumps(_blocks(posted[0].body))


def test_share_posts_publicly_attributed_and_removes_the_ephemeral(bot: Bot) -> None:
    bot.action("immuno.share", "nivolumab|overview", user="U2PHARM")
    posted = bot.slack.wait_for("/response/r1", count=2)
    shared, deleted = posted[0].body, posted[1].body
    assert shared["response_type"] == "in_channel"
    dumped = json.dumps(_blocks(shared))
    assert "Shared by <@U2PHARM>" in dumped
    assert "Share in channel" not in dumped
    assert deleted.get("delete_original") is True


def test_choice_button_shows_the_entry_and_counts_the_pick(bot: Bot, tmp_path) -> None:
    bot.action("immuno.choose", "pd-l1-inhibitors||pd l1")
    posted = bot.slack.wait_for("/response/r1")
    assert _blocks(posted[0].body)[0]["text"]["text"] == "PD-L1 inhibitors"


def test_report_button_opens_a_modal_and_submission_reaches_maintainers(bot: Bot) -> None:
    bot.action("immuno.report", "pembrolizumab|overview")
    opened = bot.slack.wait_for("/views.open")
    view = opened[0].body["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "immuno.report"
    submission = {
        "type": "view_submission",
        "team": {"id": "T0001"},
        "user": {"id": "U1NURSE", "team_id": "T0001"},
        "api_app_id": "A0001",
        "view": {
            **view,
            "id": "V1",
            "state": {
                "values": {
                    "what": {
                        "what_input": {
                            "type": "plain_text_input",
                            "value": "Approval year looks wrong <!channel>",
                        }
                    },
                    "source": {
                        "source_input": {
                            "type": "plain_text_input",
                            "value": "https://dailymed.nlm.nih.gov/x",
                        }
                    },
                }
            },
        },
    }
    reply = bot.send(
        urlencode({"payload": json.dumps(submission)}), "application/x-www-form-urlencoded"
    )
    assert reply.status == 200
    posted = bot.slack.wait_for("/chat.postMessage")
    report = posted[0].body
    assert report["channel"] == FEEDBACK_CHANNEL
    dumped = json.dumps(_blocks(report))
    assert "pembrolizumab" in dumped and "Ready-to-paste issue" in dumped
    assert "<!channel>" not in dumped
    thanks = bot.slack.wait_for("/chat.postEphemeral")
    assert thanks[0].body["user"] == "U1NURSE" and "Thank you" in thanks[0].body["text"]


def test_report_button_is_acknowledged_before_views_open_answers(bot: Bot) -> None:
    """The ack must not wait on views.open: with Slack's Web API slow, the ack still comes
    first (order, not a stopwatch: the fake records views.open only after its delay)."""
    bot.slack.fail("/views.open", "slow")
    reply = bot.action("immuno.report", "pembrolizumab|overview")
    assert reply.status == 200
    assert bot.slack.calls("/views.open") == []  # not answered yet when the ack arrived
    assert len(bot.slack.wait_for("/views.open")) == 1


def test_report_without_text_is_refused_in_the_modal(bot: Bot) -> None:
    from bot.views import report_modal

    view = report_modal(None, "overview", "C1ONC")
    submission = {
        "type": "view_submission",
        "team": {"id": "T0001"},
        "user": {"id": "U1NURSE"},
        "api_app_id": "A0001",
        "view": {
            **view,
            "id": "V1",
            "state": {
                "values": {"what": {"what_input": {"type": "plain_text_input", "value": "  "}}}
            },
        },
    }
    reply = bot.send(
        urlencode({"payload": json.dumps(submission)}), "application/x-www-form-urlencoded"
    )
    assert reply.json()["response_action"] == "errors"
    bot.settle()
    assert bot.slack.calls("/chat.postMessage") == []


def test_app_home_lists_coverage_and_browsable_index(bot: Bot, knowledge) -> None:
    event = {
        "type": "app_home_opened",
        "user": "U1NURSE",
        "channel": "D1",
        "tab": "home",
        "event_ts": "1700000800.000001",
    }
    bot.event(event, event_id="EvHome1")
    published = bot.slack.wait_for("/views.publish")
    view = published[0].body["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    dumped = json.dumps(view)
    assert f"{len(knowledge.drugs)} drugs" in dumped
    selects = [
        b["accessory"]
        for b in view["blocks"]
        if b.get("accessory", {}).get("type") == "static_select"
    ]
    assert len(selects) == 5  # classes, drugs, side effects, cancers, concepts
    assert any(s["action_id"].endswith("#concept") for s in selects)
    assert "CONTRIBUTING" in dumped


def test_browsing_from_home_shows_the_card_in_home(bot: Bot) -> None:
    payload = {
        "type": "block_actions",
        "user": {"id": "U1NURSE"},
        "api_app_id": "A0001",
        "team": {"id": "T0001"},
        "container": {"type": "view", "view_id": "V1"},
        "view": {"type": "home", "id": "V1"},
        "trigger_id": "1.2.3",
        "actions": [
            {
                "action_id": "immuno.browse#drug",
                "type": "static_select",
                "block_id": "browse.drug",
                "selected_option": {
                    "value": "ipilimumab|overview",
                    "text": {"type": "plain_text", "text": "Ipilimumab"},
                },
            }
        ],
    }
    bot.send(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
    published = bot.slack.wait_for("/views.publish")
    view = published[0].body["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["blocks"][1]["text"]["text"].startswith("Ipilimumab")


def test_misses_are_logged_without_user_ids(bot: Bot) -> None:
    assert "No entry" in bot.slash("Zolbetuximab dosing?").json()["text"]
    bot.slash("zolbetuximab  dosing", user="U3OTHER")
    log = MissLog(bot.config.database_url, background=False)
    from time import sleep

    for _ in range(50):  # the app's own log writes in the background
        rows = log.top_misses(days=1)
        if rows and rows[0].count == 2:
            break
        sleep(0.1)
    assert rows[0].query == "zolbetuximab dosing" and rows[0].count == 2
    with log.engine.connect() as connection:
        dump = str(list(connection.exec_driver_sql("select * from immuno_query_events")))
    assert "U1NURSE" not in dump and "U3OTHER" not in dump
