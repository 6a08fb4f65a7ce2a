"""The shared store, on SQLite and on a real PostgreSQL server (every test runs on both).

What a user would notice is one reply per event and at most N keyword cards per channel per
minute, whichever process handles each delivery; these tests check the store's decisions that
produce it, including across real OS processes.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from bot.misslog import MissLog
from bot.state import Claim, EventKey, SharedState, open_state
from bot.state import tables as t
from bot.state.migrate import upgrade

KEY = EventKey("A0001", "T0001", "Ev0001")


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 2, 12, 0, 0)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def state(migrated_url: str) -> SharedState:
    state = open_state(migrated_url)
    with state.engine.begin() as connection:
        for table in (t.event_claims, t.thread_claims, t.rate_slots, t.workspace_settings):
            connection.execute(table.delete())
    return state


def test_an_event_is_claimed_once_per_app_and_workspace(state: SharedState) -> None:
    assert state.claim_event(KEY) is Claim.MINE
    assert state.claim_event(KEY) is Claim.TAKEN
    assert state.claim_event(EventKey("A0001", "T0002", "Ev0001")) is Claim.MINE
    assert state.claim_event(EventKey("A0002", "T0001", "Ev0001")) is Claim.MINE


def test_a_released_claim_can_be_claimed_again(state: SharedState) -> None:
    assert state.claim_event(KEY) is Claim.MINE
    state.release_event(KEY)
    assert state.claim_event(KEY) is Claim.MINE


def _claim_all(url: str, ids: list[str]) -> list[str]:
    state = open_state(url)
    won = [i for i in ids if state.claim_event(EventKey("A", "T", i)) is Claim.MINE]
    state.engine.dispose()
    return won


def test_processes_racing_for_the_same_events_win_each_exactly_once(migrated_url: str) -> None:
    ids = [f"EvRace{n:04d}" for n in range(150)]
    context = multiprocessing.get_context("fork")
    with context.Pool(4) as pool:
        results = pool.starmap(_claim_all, [(migrated_url, ids)] * 4)
    winners = [i for won in results for i in won]
    assert sorted(winners) == sorted(ids)  # every id won once: none twice, none lost


def test_claims_older_than_a_day_are_pruned(migrated_url: str) -> None:
    clock = Clock()
    state = SharedState(open_state(migrated_url).engine, clock=clock)
    old, new = EventKey("A", "T", "EvOld"), EventKey("A", "T", "EvNew")
    state.claim_event(old)
    clock.now += dt.timedelta(hours=25)
    state.claim_event(new)
    assert state.prune() >= 1
    assert state.claim_event(old) is Claim.MINE  # forgotten: a day-old retry is answered
    assert state.claim_event(new) is Claim.TAKEN


def test_a_keyword_card_is_claimed_once_per_thread(state: SharedState) -> None:
    assert state.claim_thread("T", "C1", "1700.1", "crs") is Claim.MINE
    assert state.claim_thread("T", "C1", "1700.1", "crs") is Claim.TAKEN
    assert state.claim_thread("T", "C1", "1700.2", "crs") is Claim.MINE
    state.release_thread("T", "C1", "1700.1", "crs")
    assert state.claim_thread("T", "C1", "1700.1", "crs") is Claim.MINE


def test_rate_limit_is_a_sliding_window_per_channel(migrated_url: str) -> None:
    clock = Clock()
    state = SharedState(open_state(migrated_url).engine, clock=clock)
    taken = [state.take_rate_slot("T", "CRATE", 3, 60) for _ in range(5)]
    assert taken == [Claim.MINE] * 3 + [Claim.TAKEN] * 2
    assert state.take_rate_slot("T", "COTHER", 3, 60) is Claim.MINE
    clock.now += dt.timedelta(seconds=59)
    assert state.take_rate_slot("T", "CRATE", 3, 60) is Claim.TAKEN
    clock.now += dt.timedelta(seconds=1)
    assert state.take_rate_slot("T", "CRATE", 3, 60) is Claim.MINE


def test_concurrent_senders_share_one_limit(state: SharedState) -> None:
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: state.take_rate_slot("T", "CBUSY", 5, 60), range(40)))
    assert results.count(Claim.MINE) == 5


def test_workspace_settings_are_kept_per_workspace(state: SharedState) -> None:
    assert state.settings("T1") == {}
    assert state.set_setting("T1", "feedback_channel", "C1")
    assert state.set_setting("T1", "feedback_channel", "C2")
    state.set_setting("T2", "feedback_channel", "C9")
    assert state.settings("T1") == {"feedback_channel": "C2"}
    state.forget_workspace("T1")
    assert state.settings("T1") == {} and state.settings("T2") == {"feedback_channel": "C9"}


def test_the_miss_log_lives_in_the_same_store(migrated_url: str) -> None:
    state = open_state(migrated_url)
    log = MissLog(engine=state.engine, background=False)
    for text in ("Zolbetuximab?", "zolbetuximab"):
        log.record_miss(text)
    log.record_pick("zolbetuximab", "pembrolizumab")
    rows = [r for r in log.top_misses(days=7) if r.query == "zolbetuximab"]
    assert rows and rows[0].count == 2 and rows[0].picked == ("pembrolizumab",)
    with state.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(t.query_events)).scalar()


def test_an_unreachable_database_refuses_claims_and_is_logged_once(
    unreachable_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    state = open_state(unreachable_url)
    state.availability.retry_seconds = 0.0  # probe on every call: still one line
    with caplog.at_level(logging.ERROR, logger="bot.state"):
        results = [state.claim_event(EventKey("A", "T", f"Ev{n}")) for n in range(5)]
        results.append(state.take_rate_slot("T", "C", 5, 60))
        results.append(state.claim_thread("T", "C", "1", "crs"))
    assert set(results) == {Claim.UNAVAILABLE}
    lines = [r for r in caplog.records if r.name == "bot.state"]
    assert len(lines) == 1
    assert "slash commands are answered" in lines[0].getMessage()
    assert "503" in lines[0].getMessage()


def test_the_store_coming_back_is_logged_once_and_used_again(
    tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "not-yet"
    state = open_state(f"sqlite:///{folder}/state.sqlite3")
    state.availability.retry_seconds = 0.0
    with caplog.at_level(logging.INFO, logger="bot.state"):
        assert state.claim_event(KEY) is Claim.UNAVAILABLE
        folder.mkdir()
        upgrade(state.engine)
        assert state.claim_event(KEY) is Claim.MINE
        assert state.claim_event(KEY) is Claim.TAKEN
    messages = [r.getMessage() for r in caplog.records if r.name == "bot.state"]
    assert len(messages) == 2 and messages[1] == "shared state is reachable again"


def test_while_down_calls_fail_at_once_until_the_next_probe(tmp_path) -> None:
    state = open_state(f"sqlite:///{tmp_path}/missing/state.sqlite3")
    state.availability.retry_seconds = 3600.0
    assert state.claim_event(KEY) is Claim.UNAVAILABLE
    (tmp_path / "missing").mkdir()
    upgrade(state.engine)  # back, but no probe is due for an hour: nothing tries it
    assert state.claim_event(KEY) is Claim.UNAVAILABLE
    assert state.settings("T") is None and not state.set_setting("T", "a", "b")


def test_old_claims_are_pruned_in_the_background_without_a_cron_job(migrated_url: str) -> None:
    import threading

    clock = Clock()
    state = SharedState(open_state(migrated_url).engine, clock=clock)
    state.claim_event(EventKey("A", "T", "EvAncient"))
    clock.now += dt.timedelta(days=2)
    state._pruned_at -= 3600  # the last prune was an hour ago
    state.claim_event(EventKey("A", "T", "EvFresh"))
    for thread in [th for th in threading.enumerate() if th.name == "state-prune"]:
        thread.join(timeout=10)
    assert state.claim_event(EventKey("A", "T", "EvAncient")) is Claim.MINE


def test_replay_claims_fall_back_to_memory_while_the_store_is_down(unreachable_url: str) -> None:
    from bot.slack.claims import StoreClaims

    claims = StoreClaims(open_state(unreachable_url))
    assert claims.claim("interactive:v0=abc") is True
    assert claims.claim("interactive:v0=abc") is False  # a replay to this process: refused
    assert claims.claim("interactive:v0=def") is True
