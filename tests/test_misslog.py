"""The miss log: counts by query, picks, retention, and the maintainers' CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.cli import main
from bot.misslog import MissLog


def test_top_misses_counts_normalised_queries_and_picks(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/m.sqlite3"
    log = MissLog(url, background=False)
    for text in ("Zolbetuximab?", "zolbetuximab", "ZOLBETUXIMAB", "tebentafusp dose"):
        log.record_miss(text)
    log.record_pick("zolbetuximab", "pembrolizumab")
    log.record_miss("?!")  # nothing left once normalised: not a question worth listing
    rows = log.top_misses(days=7)
    assert [(r.query, r.count) for r in rows] == [("zolbetuximab", 3), ("tebentafusp dose", 1)]
    assert rows[0].picked == ("pembrolizumab",)


def test_old_records_are_pruned(tmp_path: Path) -> None:
    now = dt.datetime(2026, 11, 29)
    clock = [now - dt.timedelta(days=100)]
    log = MissLog(
        f"sqlite:///{tmp_path}/m.sqlite3",
        retention_days=90,
        background=False,
        clock=lambda: clock[0],
    )
    log.record_miss("old question")
    clock[0] = now
    log.record_miss("new question")
    assert [r.query for r in log.top_misses(days=365)] == ["new question"]


def test_cli_lists_top_misses(tmp_path: Path, monkeypatch, capsys) -> None:
    url = f"sqlite:///{tmp_path}/m.sqlite3"
    MissLog(url, background=False).record_miss("olaparib with pembro")
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["misses", "--days", "7"]) == 0
    out = capsys.readouterr().out
    assert "1  olaparib with pembro" in out


def test_feedback_is_counted_per_entry_and_intent_without_who(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/m.sqlite3"
    log = MissLog(url, background=False)
    log.record_feedback("colitis", "management", helpful=False)
    log.record_feedback("colitis", "management", helpful=False)
    log.record_feedback("colitis", "management", helpful=True)
    log.record_feedback("pembrolizumab", "lookup", helpful=True)
    rows = [(f.entry_id, f.intent, f.helpful, f.unhelpful) for f in log.feedback(days=7)]
    assert rows == [("colitis", "management", 1, 2), ("pembrolizumab", "lookup", 1, 0)]
    assert [r.query for r in log.top_misses(days=7)] == []  # votes are not misses


def test_cli_lists_feedback_beside_the_misses(tmp_path: Path, monkeypatch, capsys) -> None:
    url = f"sqlite:///{tmp_path}/m.sqlite3"
    log = MissLog(url, background=False)
    log.record_miss("olaparib with pembro")
    log.record_feedback("crs", "grading", helpful=False)
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["misses", "--days", "7"]) == 0
    out = capsys.readouterr().out
    assert "1  olaparib with pembro" in out
    assert "     0     1  crs  grading" in out.split("Feedback on answers")[1]
