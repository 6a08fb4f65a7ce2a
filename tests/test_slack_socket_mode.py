"""The same surfaces in Socket Mode: envelopes dispatched as SocketModeHandler dispatches them.

Socket Mode delivers the same payloads over a WebSocket, unsigned; slack-bolt's adapter turns each
envelope into a BoltRequest(mode="socket_mode") for the same App. Here each envelope goes through
that adapter function to the app production builds, talking to the fake Slack Web API.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from conftest import KNOWLEDGE, make_config
from slack_bolt import App
from slack_bolt.adapter.socket_mode.internals import run_bolt_app
from slack_sdk.socket_mode.request import SocketModeRequest
from support import FakeSlack, action_body, event_body, parsed_message, shortcut_body, slash_body

from bot.misslog import MissLog
from bot.slack.app import build_app_and_background
from bot.store import KnowledgeStore


@pytest.fixture
def socket_app(slack: FakeSlack, tmp_path: Path) -> Iterator[App]:
    config = make_config(slack, tmp_path, app_token="xapp-test")
    misslog = MissLog(config.database_url)
    app, background = build_app_and_background(config, KnowledgeStore(KNOWLEDGE), misslog=misslog)
    yield app
    background.close()


def _interactive(form: str) -> dict:
    return json.loads(dict(parse_qsl(form))["payload"])


def send(app: App, kind: str, payload: dict) -> dict | None:
    response = run_bolt_app(app, SocketModeRequest(type=kind, envelope_id="e1", payload=payload))
    assert response.status == 200
    return json.loads(response.body) if response.body.startswith("{") else None


def test_message_shortcut(socket_app: App, slack: FakeSlack) -> None:
    payload = _interactive(shortcut_body("how is CRS graded?", response_url=slack.response_url()))
    send(socket_app, "interactive", payload)
    posted = slack.wait_for("/chat.postEphemeral")[0].body
    parsed_message(posted)
    assert "Cytokine release syndrome" in posted["text"]


def test_assistant_thread_started(socket_app: App, slack: FakeSlack) -> None:
    event = {
        "type": "assistant_thread_started",
        "assistant_thread": {
            "user_id": "U1NURSE",
            "context": {"channel_id": "C1ONC"},
            "channel_id": "D0ASSIST",
            "thread_ts": "1729999327.187299",
        },
        "event_ts": "1729999327.187300",
    }
    send(socket_app, "events_api", json.loads(event_body(event, "EvS1")))
    assert slack.wait_for("/assistant.threads.setSuggestedPrompts")


def test_link_unfurl(socket_app: App, slack: FakeSlack) -> None:
    url = "https://dailymed.nlm.nih.gov/dailymed/search.cfm?query=NIVOLUMAB"
    event = {
        "type": "link_shared",
        "channel": "C1ONC",
        "user": "U1NURSE",
        "message_ts": "1700000800.000800",
        "links": [{"domain": "dailymed.nlm.nih.gov", "url": url}],
        "event_ts": "1700000801.000001",
    }
    send(socket_app, "events_api", json.loads(event_body(event, "EvS2")))
    assert "Nivolumab" in json.dumps(slack.wait_for("/chat.unfurl")[0].body)


def test_feedback_and_page_buttons(socket_app: App, slack: FakeSlack) -> None:
    vote = action_body(
        "immuno.feedback",
        "up|crs|grading",
        response_url=slack.response_url(),
        action_type="feedback_buttons",
    )
    send(socket_app, "interactive", _interactive(vote))
    assert "helpful" in slack.wait_for("/response/r1")[0].body["text"]
    page = action_body("immuno.page", "drug|2", response_url=slack.response_url())
    send(socket_app, "interactive", _interactive(page))
    assert "page 2 of" in slack.wait_for("/response/r1", count=2)[1].body["text"]


def test_compare_and_list_in_the_slash_response(socket_app: App, slack: FakeSlack) -> None:
    compare = dict(parse_qsl(slash_body("compare pembro nivo", response_url=slack.response_url())))
    body = send(socket_app, "slash_commands", compare)
    assert body is not None and body["attachments"][0]["blocks"][0]["type"] == "table"
    parsed_message(body)


def test_grading_calculator(socket_app: App, slack: FakeSlack) -> None:
    press = action_body("immuno.grade", "colitis", response_url=slack.response_url())
    send(socket_app, "interactive", _interactive(press))
    view = slack.wait_for("/views.open")[0].body["view"]
    view = json.loads(view) if isinstance(view, str) else view
    bad = {"c0": {"value": {"type": "number_input", "value": "-1"}}}
    submission = {
        "type": "view_submission",
        "team": {"id": "T0001"},
        "user": {"id": "U1NURSE"},
        "api_app_id": "A0001",
        "view": {**view, "id": "V1", "state": {"values": bad}},
    }
    body = send(socket_app, "interactive", submission)
    assert body is not None and body["response_action"] == "errors" and "c0" in body["errors"]
