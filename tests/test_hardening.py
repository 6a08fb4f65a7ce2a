"""Hostile input, forged requests, Slack faults, retries, floods and secrets."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlencode

import pytest
from conftest import KEYWORD_CHANNEL, KNOWLEDGE, Bot, make_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import (
    BOT_TOKEN,
    BOT_USER,
    SIGNING_SECRET,
    action_body,
    event_body,
    fake_slack,
    post,
    serve,
    sign,
    slash_body,
)
from test_render import assert_within_limits

from bot import loader
from bot.answering import MAX_QUERY_CHARS, answer
from bot.loading import load_knowledge
from bot.slack.web import create_application

FORM = "application/x-www-form-urlencoded"

# -- request authenticity -------------------------------------------------------------------------


def _bodies(bot: Bot) -> dict[str, tuple[str, str]]:
    return {
        "command": (slash_body("keytruda", response_url=bot.slack.response_url()), FORM),
        "event": (
            event_body(
                {
                    "type": "app_mention",
                    "user": "U1",
                    "text": f"<@{BOT_USER}> crs",
                    "ts": "1.1",
                    "channel": "C1",
                    "event_ts": "1.1",
                }
            ),
            "application/json",
        ),
        "interactivity": (
            action_body("immuno.section", "crs|management", response_url=bot.slack.response_url()),
            FORM,
        ),
    }


@pytest.mark.parametrize("kind", ["command", "event", "interactivity"])
@pytest.mark.parametrize("forgery", ["unsigned", "wrong-secret", "stale", "tampered"])
def test_forged_requests_get_401_and_run_nothing(bot: Bot, kind: str, forgery: str) -> None:
    body, ctype = _bodies(bot)[kind]
    headers = {
        "unsigned": {},
        "wrong-secret": sign(body, secret="not-the-secret"),
        "stale": sign(body, timestamp=int(time.time()) - 301),
        "tampered": sign(body.replace("crs", "ipi").replace("keytruda", "opdivo")),
    }[forgery]
    reply = bot.send(body, ctype, headers=headers, signed=False)
    assert reply.status == 401
    assert "Pembrolizumab" not in reply.body
    bot.settle()
    assert [r.path for r in bot.slack.received if r.path != "/auth.test"] == []


# -- hostile text ---------------------------------------------------------------------------------

SLACK_MARKUP = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U123>",
    "<#C1>",
    "<!subteam^S1>",
    "<https://evil.example|click>",
    "<mailto:a@evil.example|mail>",
    "https://evil.example/x",
    "www.evil.example",
]
HOSTILE = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.sampled_from(
            [
                *SLACK_MARKUP,
                "keytruda",
                "payload",
                "pembro",
                "*bold*",
                "`x`",
                "key: [value, {a: b}]",
                "&amp;",
                "\x00",
                "\u202e",
                "compare",
                "vs",
                "list",
                "search",
                "about",
            ]
        ),
        max_size=12,
    ).map(" ".join),
    # Long text, 2,001 to 10,000 characters: any short text repeated to any length, so the cut
    # at 2,000 characters falls anywhere inside it (drawing 10,000 characters one by one cost
    # most of these tests' time and showed nothing more past the first 2,000 read).
    st.builds(
        lambda unit, length: (unit * (length // len(unit) + 1))[:length],
        st.text(min_size=1, max_size=60),
        st.integers(min_value=MAX_QUERY_CHARS + 1, max_value=10_000),
    ),
)


def _live_markup(dumped: str) -> list[str]:
    return [m for m in SLACK_MARKUP if m in dumped] + (
        ["bare link"] if "https://evil" in dumped or "www.evil" in dumped else []
    )


#: Tests that push volume (drawn texts over HTTP, a flood, a CPU ratio over long texts) through
#: code the example-based tests already cover run untraced by coverage: tracing multiplied their
#: CPU two to three times for no line more, and it would skew the CPU ratio one of them asserts.
VOLUME = pytest.mark.no_cover


@VOLUME
def test_volume_tests_really_run_untraced() -> None:
    """What README says of them, on whatever runs the suite: under scripts/test's xdist workers
    a second coverage measurement beneath the worker's own kept tracing them (conftest.py's
    pytest_sessionstart stops it)."""
    assert sys.gettrace() is None


@VOLUME
@settings(max_examples=100, deadline=None)
@given(text=HOSTILE)
def test_core_answers_any_text_within_limits_and_without_live_markup(index, text: str) -> None:
    message = answer(text, index).message
    assert_within_limits(message.blocks)
    dumped = json.dumps(message.blocks, ensure_ascii=False) + message.text
    assert _live_markup(dumped) == []


@VOLUME
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=HOSTILE)
def test_slash_commands_with_any_text_get_a_safe_reply(bot: Bot, text: str) -> None:
    started = time.monotonic()
    reply = bot.slash(text)
    assert time.monotonic() - started < 3
    assert reply.status == 200
    body = reply.json()
    assert_within_limits(body["blocks"])
    assert _live_markup(json.dumps(body, ensure_ascii=False)) == []


def test_mention_with_markup_is_answered_without_pinging(bot: Bot) -> None:
    text = f"<@{BOT_USER}> <!channel> <@U999> what about <https://evil.example|this> zzzq"
    bot.event(
        {
            "type": "app_mention",
            "user": "U1",
            "text": text,
            "ts": "2.1",
            "channel": "C1",
            "event_ts": "2.1",
        },
        event_id="EvHostile1",
    )
    posted = bot.slack.wait_for("/chat.postMessage")[0].body
    dumped = json.dumps(posted, ensure_ascii=False)
    assert "No entry for" in posted["text"]
    assert _live_markup(dumped) == []


# -- Slack Web API faults -------------------------------------------------------------------------


def _mention(bot: Bot, event_id: str, text: str = "crs") -> None:
    bot.event(
        {
            "type": "app_mention",
            "user": "U1",
            "text": f"<@{BOT_USER}> {text}",
            "ts": f"3.{event_id[-3:]}",
            "channel": "C1",
            "event_ts": "3.1",
        },
        event_id=event_id,
    )


@pytest.fixture
def quick_bot(slack, tmp_path: Path):
    """The bot with a 1-second Web API timeout and short retry waits, so stalls and failures
    are retried quickly (the retries are real; only the waits between them are shorter)."""
    config = make_config(slack, tmp_path, slack_timeout=1, retry_backoff=0.01)
    handler = create_application(config, watch=False)
    with serve(handler) as url:
        yield Bot(url, handler, slack, config)


@pytest.mark.parametrize(
    "faults", [(429,), (500,), (503,), ("reset",), ("timeout",), (429, 500, "reset")]
)
def test_mention_reply_is_delivered_through_web_api_faults(quick_bot: Bot, faults) -> None:
    quick_bot.slack.fail("/chat.postMessage", *faults)
    _mention(quick_bot, "EvFault001")
    posted = quick_bot.slack.wait_for("/chat.postMessage", timeout=20)
    quick_bot.settle()
    assert len(quick_bot.slack.calls("/chat.postMessage")) == 1
    assert "Cytokine release syndrome" in posted[0].body["text"]


@pytest.mark.parametrize("faults", [(429,), (503,), ("reset",), ("timeout",)])
def test_response_url_replies_are_retried(quick_bot: Bot, faults) -> None:
    quick_bot.slack.fail("/response/r1", *faults)
    quick_bot.action("immuno.section", "crs|management")
    posted = quick_bot.slack.wait_for("/response/r1", timeout=20)
    assert "Management by grade" in json.dumps(posted[0].body)


def test_a_permanent_failure_is_logged_once_and_the_bot_keeps_serving(
    quick_bot: Bot, caplog
) -> None:
    caplog.set_level(logging.ERROR)
    quick_bot.slack.fail("/chat.postMessage", *([500] * 10))
    _mention(quick_bot, "EvDown0001")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any(
        "chat_postMessage failed" in r.getMessage() for r in caplog.records
    ):
        time.sleep(0.1)
    failures = [r for r in caplog.records if "chat_postMessage failed" in r.getMessage()]
    assert len(failures) == 1
    assert quick_bot.slash("keytruda").status == 200


# -- Slack's retries -------------------------------------------------------------------------------


def test_a_retry_while_the_first_reply_is_in_flight_is_not_answered_twice(bot: Bot) -> None:
    bot.slack.fail("/chat.postMessage", "slow")
    _mention(bot, "EvSlow0001")
    time.sleep(0.2)  # the first delivery is now waiting on the slow Web API
    for n in (1, 2, 3):
        reply = bot.send(
            event_body(
                {
                    "type": "app_mention",
                    "user": "U1",
                    "text": f"<@{BOT_USER}> crs",
                    "ts": "3.001",
                    "channel": "C1",
                    "event_ts": "3.1",
                },
                "EvSlow0001",
            ),
            "application/json",
            headers={"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"},
        )
        assert reply.status == 200
    bot.slack.wait_for("/chat.postMessage", timeout=10)
    bot.settle()
    assert len(bot.slack.calls("/chat.postMessage")) == 1


# -- keyword floods --------------------------------------------------------------------------------


@VOLUME
def test_a_keyword_flood_gets_at_most_the_limit_and_spares_other_channels(slack, tmp_path) -> None:
    config = make_config(
        slack,
        tmp_path,
        keyword_replies_per_minute=4,
        keyword_channels=frozenset({KEYWORD_CHANNEL, "CQUIET"}),
    )
    handler = create_application(config, watch=False)
    with serve(handler) as url:
        bot = Bot(url, handler, slack, config)
        for n in range(100):
            bot.event(
                {
                    "type": "message",
                    "user": "U1",
                    "text": f"CRS again {n}",
                    "ts": f"4.{n:04d}",
                    "channel": KEYWORD_CHANNEL,
                    "event_ts": "4.1",
                },
                event_id=f"EvFlood{n:03d}",
            )
        bot.settle()
        flooded = [
            r for r in slack.calls("/chat.postMessage") if r.body["channel"] == KEYWORD_CHANNEL
        ]
        assert len(flooded) == 4
        bot.event(
            {
                "type": "message",
                "user": "U1",
                "text": "CRS here too",
                "ts": "5.0001",
                "channel": "CQUIET",
                "event_ts": "5.1",
            },
            event_id="EvQuiet001",
        )
        quiet = slack.wait_for("/chat.postMessage", count=5)
        assert quiet[-1].body["channel"] == "CQUIET"


# -- hostile knowledge files -----------------------------------------------------------------------

BILLION_LAUGHS = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
)


def test_billion_laughs_is_refused_quickly_without_blowing_up_memory(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    tracemalloc.start()
    started = time.monotonic()
    with pytest.raises(loader.YamlError, match="anchors"):
        loader.load(path)
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 5_000_000 and elapsed < 1.0


def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    tracemalloc.start()
    with pytest.raises(loader.YamlError, match="limit"):
        loader.load(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 1_000_000


def test_python_tags_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text("drugs: !!python/object/new:os.system [echo pwned]\n", encoding="utf-8")
    with pytest.raises(loader.YamlError, match="not allowed"):
        loader.load(path)


# -- secrets --------------------------------------------------------------------------------------


def test_secrets_never_reach_the_logs(bot: Bot, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    bot.slash("keytruda")
    bot.slash("<!channel> payload")
    _mention(bot, "EvSecret01")
    bot.action("immuno.share", "crs|overview")
    bot.slack.fail("/chat.postMessage", *([500] * 10))
    _mention(bot, "EvSecret02", "nivolumab")
    bot.slack.wait_for("/response/r1", count=2)
    bot.settle()
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert len(caplog.records) > 10  # the run was really logged at DEBUG
    assert BOT_TOKEN not in logs and SIGNING_SECRET not in logs
    assert "xoxb-" not in logs


def test_slash_commands_answer_while_the_web_api_is_down(tmp_path: Path) -> None:
    """No request waits on auth.test: a Slack API outage does not break slash commands."""
    import socket as sockets

    with sockets.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/api/"
    with fake_slack() as unused:
        config = make_config(unused, tmp_path, api_url=dead)
    with serve(create_application(config, watch=False)) as url:
        body = slash_body("keytruda")
        started = time.monotonic()
        reply = post(f"{url}/slack/events", body, FORM, sign(body))
        assert reply.status == 200 and time.monotonic() - started < 1.0
        assert reply.json()["blocks"][0]["text"]["text"].startswith("Pembrolizumab")


# -- round two: knowledge files that are not regular files -----------------------------------------


def test_a_symlinked_knowledge_file_is_not_read_and_nothing_leaks(
    knowledge_copy: Path, tmp_path: Path
) -> None:
    """A link to `.env` in the knowledge folder: not followed, and neither its text nor a
    server path reaches /immuno about."""
    from bot.store import KnowledgeStore

    secret_file = tmp_path / ".env"
    secret_file.write_text(f"SLACK_BOT_TOKEN={BOT_TOKEN}\nX: {SIGNING_SECRET}\n", "utf-8")
    store = KnowledgeStore(knowledge_copy)
    (knowledge_copy / "zz-extra.yaml").symlink_to(secret_file)
    store._signature = ()  # as if the watcher saw a change
    assert store.refresh() is False
    about = answer("about", store.index, rejected=store.rejected_summary).message
    shown = json.dumps(about.blocks) + about.text
    assert "newest edit" in about.text and "zz-extra.yaml line 1" in shown
    assert BOT_TOKEN not in shown and SIGNING_SECRET not in shown and "SLACK_BOT" not in shown
    assert str(tmp_path) not in shown
    result = load_knowledge(knowledge_copy, with_version=False)
    assert BOT_TOKEN not in "\n".join(map(str, result.problems))


@pytest.fixture
def one_shipped_file(tmp_path: Path) -> Path:
    """A knowledge folder holding one shipped file (sorted before the files the tests add), for
    what the loader does with a strange file beside it: validating the whole knowledge would
    only add a second of CPU per test."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    shutil.copy(KNOWLEDGE / "cancers.yaml", folder)
    return folder


def test_a_fifo_in_the_knowledge_folder_is_refused_without_blocking(
    one_shipped_file: Path,
) -> None:
    os.mkfifo(one_shipped_file / "pipe.yaml")
    started = time.monotonic()
    result = load_knowledge(one_shipped_file, with_version=False)
    assert time.monotonic() - started < 5
    assert [p.message for p in result.errors if "pipe.yaml" in p.file] == [
        "not a regular file (a link, folder or device): not read"
    ]


def test_the_snapshot_check_refuses_a_huge_file_before_reading_it(
    one_shipped_file: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("IMMUNO_CACHE_DIR", str(tmp_path / "cache"))
    with (one_shipped_file / "huge.yaml").open("wb") as handle:
        handle.truncate(1024 * 1024 * 1024)  # 1 GB, sparse
    tracemalloc.start()
    result = load_knowledge(one_shipped_file, with_version=False, use_snapshot=True)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.knowledge is None
    assert any("huge.yaml" in p.file and "limit" in p.message for p in result.errors)
    assert peak < 20_000_000


# -- round two: long text --------------------------------------------------------------------------


def _cpu(fn) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        fn()
        best = min(best, time.process_time() - started)
    return best


@VOLUME
def test_scanning_grows_linearly_with_text_length(index) -> None:
    """Eight times the text costs about eight times as much (it cost ~64 times: quadratic)."""
    short, long = "pd-1 " * 200, "pd-1 " * 1600
    ratio = _cpu(lambda: index.scan(long)) / _cpu(lambda: index.scan(short))
    assert ratio < 20


def test_a_40000_character_question_is_cut_and_says_so(index) -> None:
    text = "crs keytruda " * 3077  # 40,001 characters
    reply = answer(text, index).message
    assert "Only the first 2,000 characters of your message were read." in json.dumps(reply.blocks)


@VOLUME
def test_a_40000_character_question_costs_about_what_2000_characters_do(index) -> None:
    text = "crs keytruda " * 3077  # 40,001 characters
    ordinary = _cpu(lambda: answer("crs keytruda " * 153, index))  # ~2,000 characters
    assert _cpu(lambda: answer(text, index)) < 3 * ordinary + 0.01


# -- round two: forged ids and text ----------------------------------------------------------------


def test_a_forged_report_cannot_ping_the_maintainers_channel(bot: Bot) -> None:
    submission = {
        "type": "view_submission",
        "team": {"id": "T0001"},
        "user": {"id": "here", "team_id": "T0001"},
        "api_app_id": "A0001",
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": "immuno.report",
            "private_metadata": "<!channel>|<!here>|<!everyone>",
            "state": {"values": {"what": {"what_input": {"value": "<!channel> look"}}}},
        },
    }
    body = urlencode({"payload": json.dumps(submission)})
    assert bot.send(body, FORM).status == 200
    posted = bot.slack.wait_for("/chat.postMessage")[0].body
    dumped = json.dumps(posted, ensure_ascii=False)
    assert _live_markup(dumped) == [] and "<@here>" not in dumped
    bot.settle()
    assert bot.slack.calls("/chat.postEphemeral") == []  # no thanks to a forged user/channel


def test_a_share_by_a_forged_user_id_pings_nobody(bot: Bot) -> None:
    bot.action("immuno.share", "crs|overview", user="here")
    posted = bot.slack.wait_for("/response/r1")[0].body
    assert "<@here>" not in json.dumps(posted)


# -- round two: the miss log -----------------------------------------------------------------------


def test_a_picked_suggestion_is_recorded_against_the_missed_query(bot: Bot) -> None:
    from bot.misslog import MissLog

    reply = bot.slash("zolbetuximab").json()
    buttons = [e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons, reply
    bot.action(buttons[0]["action_id"], buttons[0]["value"])
    bot.slack.wait_for("/response/r1")
    log = MissLog(bot.config.database_url, background=False)
    for _ in range(50):  # the app writes in the background
        rows = log.top_misses(days=1)
        if rows and rows[0].picked:
            break
        time.sleep(0.1)
    assert rows[0].query == "zolbetuximab" and rows[0].picked == ("cetuximab",)


def test_the_misses_command_prints_control_characters_escaped(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    from bot.cli import main
    from bot.misslog import MissLog

    url = f"sqlite:///{tmp_path}/m.sqlite3"
    log = MissLog(url, background=False)
    log.record_miss("zolbe")  # creates the table; then a row written by anything else
    with log.engine.begin() as connection:
        connection.exec_driver_sql(
            "update immuno_query_events set query = ?", ("\x1b]0;pwned\x07\x1b[2Jzolbe",)
        )
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["misses"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b]0;pwned\\x07\\x1b[2Jzolbe" in out


# -- round two: stock phrases ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["pembrolizumab example", "keytruda see https://www.example.com/x", "rituximab example"]
)
def test_a_word_from_a_stock_phrase_does_not_pick_a_side_effect(index, text: str) -> None:
    """ "for example" is in the infusion-reaction grading text; "example" is not about it."""
    reply = answer(text, index)
    assert reply.match is not None and reply.match.entry is not None
    assert reply.match.entry.kind.value == "drug"


# -- round two: what logs and /healthz give away ---------------------------------------------------


def test_debug_logs_hold_no_response_url_and_no_unsigned_body(bot: Bot, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    bot.action("immuno.share", "crs|overview")
    bot.slack.wait_for("/response/r1", count=2)
    bot.send('{"event": "unsigned-secret-body-text"}', "application/json", signed=False)
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert "Sending a request - url: [redacted url]" in logs  # the line is there, redacted
    assert bot.slack.response_url() not in logs and "/response/r1" not in logs
    assert "unsigned-secret-body-text" not in logs


def test_a_socket_mode_ticket_is_redacted(caplog) -> None:
    from bot import redact

    redact.install()
    caplog.set_level(logging.DEBUG)
    logging.getLogger("slack_sdk.socket_mode").debug(
        "Connecting to wss://wss-primary.slack.com/link/?ticket=abc-SECRET-123&app_id=A1"
    )
    assert "abc-SECRET-123" not in caplog.text and "ticket=[redacted]" in caplog.text


def test_healthz_does_not_publish_the_commit(bot: Bot) -> None:
    from urllib.request import urlopen

    with urlopen(f"{bot.url}/healthz", timeout=5) as response:
        health = json.loads(response.read())
    assert health["ok"] is True and set(health) == {"ok", "entries", "newest_edit_rejected"}
