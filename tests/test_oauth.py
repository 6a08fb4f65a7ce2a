"""Several workspaces: installs through the real OAuth redirect flow against the fake Slack,
each workspace answered with its own token, uninstalls honoured, tokens rotated, and
per-workspace settings changed by admins only."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from conftest import Bot, make_config
from sqlalchemy import text
from support import FakeSlack, Reply, serve
from test_slack_events import message

from bot.slack.web import create_application
from bot.state.engine import create, normalise_url
from bot.state.migrate import upgrade

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "oauth-client-secret-0123456789"


def get(url: str, headers: dict[str, str] | None = None) -> Reply:
    try:
        with urlopen(Request(url, headers=headers or {}), timeout=10) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            return Reply(response.status, response.read().decode(), headers)
    except HTTPError as exc:
        return Reply(exc.code, exc.read().decode(), {k.lower(): v for k, v in exc.headers.items()})


def install(bot: Bot, team: str) -> Reply:
    """What a workspace admin's browser does: open the install page, follow Add to Slack (Slack
    then redirects back with a code), carrying the state cookie the install page set."""
    page = get(f"{bot.url}/slack/install")
    assert page.status == 200
    state = re.search(r"state=([\w-]+)", page.body)
    assert state and "client_id=1111.2222" in page.body
    cookie = page.headers["set-cookie"].split(";")[0]
    return get(
        f"{bot.url}/slack/oauth_redirect?code=code-{team}&state={state.group(1)}",
        {"Cookie": cookie},
    )


def event_from(bot: Bot, team: str, event: dict[str, Any], event_id: str) -> Reply:
    body = json.dumps(
        {
            "token": "legacy",
            "team_id": team,
            "api_app_id": "A0001",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": team, "user_id": f"UBOT{team}", "is_bot": True}],
        }
    )
    return bot.send(body, "application/json")


def mention(team: str, text: str, ts: str) -> dict[str, Any]:
    return {
        "type": "app_mention",
        "user": "U1NURSE",
        "text": f"<@UBOT{team}> {text}",
        "ts": ts,
        "channel": "C1ONC",
        "event_ts": ts,
    }


@pytest.fixture
def oauth_bot(slack: FakeSlack, tmp_path: Path, empty_url: str) -> Iterator[Bot]:
    upgrade(create(normalise_url(empty_url)))
    config = replace(
        make_config(slack, tmp_path, database_url=empty_url),
        bot_token="",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )
    handler = create_application(config, watch=False)
    with serve(handler) as url:
        yield Bot(url, handler, slack, config)


def bearer(call: Any) -> str:
    return call.headers.get("authorization", "")


def test_two_workspaces_installed_and_answered_with_their_own_tokens(oauth_bot: Bot) -> None:
    for team in ("TWA", "TWB"):
        done = install(oauth_bot, team)
        assert done.status == 200, done.body
    exchanges = oauth_bot.slack.calls("/oauth.v2.access")  # SLACK_API_URL: the fake saw them
    assert [c.body["code"] for c in exchanges] == ["code-TWA", "code-TWB"]
    assert event_from(oauth_bot, "TWA", mention("TWA", "keytruda", "1.1"), "EvA1").status == 200
    assert event_from(oauth_bot, "TWB", mention("TWB", "crs", "1.2"), "EvB1").status == 200
    posted = oauth_bot.slack.wait_for("/chat.postMessage", count=2)
    tokens = {p.body["text"].split(" ")[0]: bearer(p) for p in posted}
    assert tokens["Pembrolizumab"] == "Bearer xoxb-TWA-1"
    assert tokens["Cytokine"] == "Bearer xoxb-TWB-1"


def test_an_uninstalled_workspace_is_no_longer_served(oauth_bot: Bot) -> None:
    install(oauth_bot, "TWA")
    install(oauth_bot, "TWB")
    uninstalled = {"type": "app_uninstalled", "event_ts": "1.3"}
    assert event_from(oauth_bot, "TWB", uninstalled, "EvUninstall").status == 200
    event_from(oauth_bot, "TWB", mention("TWB", "crs", "1.4"), "EvB2")
    event_from(oauth_bot, "TWA", mention("TWA", "crs", "1.5"), "EvA2")
    oauth_bot.slack.wait_for("/chat.postMessage")
    oauth_bot.settle()
    assert [bearer(p) for p in oauth_bot.slack.calls("/chat.postMessage")] == ["Bearer xoxb-TWA-1"]
    engine = create(normalise_url(oauth_bot.config.database_url))
    with engine.connect() as connection:
        teams = connection.execute(text("SELECT team_id FROM slack_bots")).scalars().all()
        installs = connection.execute(text("SELECT team_id FROM slack_installations")).scalars()
        assert set(teams) == {"TWA"} and set(installs) == {"TWA"}


def test_an_expiring_token_is_rotated_before_use(oauth_bot: Bot) -> None:
    oauth_bot.slack.token_expires_in = 60  # expires within the rotation margin
    install(oauth_bot, "TWR")
    event_from(oauth_bot, "TWR", mention("TWR", "keytruda", "1.6"), "EvR1")
    posted = oauth_bot.slack.wait_for("/chat.postMessage")
    assert bearer(posted[0]) == "Bearer xoxb-TWR-2"
    refresh = [c for c in oauth_bot.slack.calls("/oauth.v2.access") if "grant_type" in c.body]
    assert refresh and refresh[0].body["refresh_token"] == "xoxe-1-TWR-1"


def test_slash_commands_never_wait_on_auth_test(oauth_bot: Bot) -> None:
    install(oauth_bot, "TWA")
    before = len(oauth_bot.slack.calls("/auth.test"))
    body = (
        "team_id=TWA&channel_id=C1&user_id=U1&command=%2Fimmuno&text=keytruda"
        "&api_app_id=A0001&response_url=&trigger_id=1"
    )
    reply = oauth_bot.send(body, "application/x-www-form-urlencoded")
    assert reply.status == 200 and "Pembrolizumab" in reply.body
    assert len(oauth_bot.slack.calls("/auth.test")) == before


def test_only_admins_change_a_workspaces_keyword_channels(bot: Bot) -> None:
    refused = bot.slash("settings keyword-channels <#CNEWKW|new>")
    assert refused.status == 200 and "Checking" in refused.body
    answer = bot.slack.wait_for("/response/r1")
    assert "Only workspace admins" in answer[-1].body["text"]
    bot.slash("settings keyword-channels <#CNEWKW|new>", user="UADMIN1")
    answer = bot.slack.wait_for("/response/r1", count=2)
    assert "Saved" in answer[-1].body["text"] and "<#CNEWKW>" in answer[-1].body["text"]
    shown = bot.slash("settings")
    assert "<#CNEWKW>" in shown.body
    bot.event(message("CRS after cilta-cel", ts="1700007000.000001", channel="CNEWKW"), "EvKW1")
    posted = bot.slack.wait_for("/chat.postMessage")
    assert posted and posted[0].body["channel"] == "CNEWKW"


def test_settings_reject_what_is_not_a_channel(bot: Bot) -> None:
    reply = bot.slash("settings feedback-channel <!channel>")
    assert "is not a channel" in reply.body and "<!channel>" not in reply.body


def test_while_the_database_is_down_the_last_installation_seen_is_used(tmp_path: Path) -> None:
    """Slash commands are still answered in an installed workspace during an outage."""
    from slack_bolt import BoltContext
    from slack_sdk import WebClient
    from slack_sdk.oauth.installation_store import Installation
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.token_rotation import TokenRotator

    from bot.slack.oauth import InstallationAuthorize
    from bot.state import open_state

    path = tmp_path / "state.sqlite3"
    state = open_state(f"sqlite:///{path}")
    upgrade(state.engine)
    store = SQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=state.engine)
    store.save(
        Installation(
            app_id="A0001",
            team_id="TWD",
            bot_token="xoxb-TWD-1",
            bot_id="BBOTTWD",
            bot_user_id="UBOTTWD",
            user_id="UADMINTWD",
        )
    )
    rotator = TokenRotator(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, client=WebClient())
    authorize = InstallationAuthorize(store, rotator, state)
    context = BoltContext({"is_enterprise_install": False})

    def ask(team: str) -> Any:
        return authorize(context=context, enterprise_id=None, team_id=team, user_id="U1")

    assert ask("TWD").bot_token == "xoxb-TWD-1"
    assert ask("TWX") is None  # never installed
    with state.engine.begin() as connection:  # the tables vanish: every read now fails
        connection.execute(text("DROP TABLE slack_bots"))
    assert ask("TWD").bot_user_id == "UBOTTWD"
    assert ask("TWX") is None
    assert not state.availability.up


def test_settings_refuse_more_channels_than_they_keep(bot: Bot) -> None:
    channels = " ".join(f"C{n:08d}" for n in range(51))
    reply = bot.slash(f"settings keyword-channels {channels}", user="UADMIN1")
    assert "at most 50" in reply.body
