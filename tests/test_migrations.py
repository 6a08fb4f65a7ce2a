"""Schema migrations: `python -m bot migrate`, the release phase, and the start-up check."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from bot.cli import main
from bot.state.engine import create, normalise_url
from bot.state.migrate import HEAD, MIGRATIONS, NotMigrated, check, current, ready

ROOT = Path(__file__).resolve().parent.parent


def test_head_constant_is_alembics_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD


def test_migrate_command_brings_an_empty_database_to_head(
    empty_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = create(normalise_url(empty_url))
    with pytest.raises(NotMigrated, match=r"run `python -m bot migrate`"):
        check(engine)
    monkeypatch.setenv("DATABASE_URL", empty_url)
    assert main(["migrate"]) == 0
    assert f"schema at {HEAD} (upgraded from empty)" in capsys.readouterr().out
    assert main(["migrate"]) == 0
    assert "already current" in capsys.readouterr().out
    check(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"immuno_event_claims", "slack_installations", "slack_oauth_states"} <= tables


def test_an_existing_miss_log_keeps_its_rows(
    empty_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deployments before migrations had the miss-log table created on first write."""
    engine = create(normalise_url(empty_url))
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE immuno_query_events (id INTEGER PRIMARY KEY, at TIMESTAMP, "
                "query VARCHAR(200), outcome VARCHAR(8), picked VARCHAR(60))"
            )
        )
        connection.execute(
            text(
                "INSERT INTO immuno_query_events (id, at, query, outcome) "
                "VALUES (1, :at, 'x', 'miss')"
            ),
            {"at": dt.datetime(2026, 11, 1)},
        )
    monkeypatch.setenv("DATABASE_URL", empty_url)
    assert main(["migrate"]) == 0
    assert current(engine) == HEAD
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM immuno_query_events")).scalar() == 1


def test_embedded_sqlite_migrates_itself_at_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/fresh.sqlite3"
    engine = create(url)
    ready(engine)
    assert current(engine) == HEAD


def test_procfile_release_phase_migrates() -> None:
    lines = (ROOT / "Procfile").read_text().splitlines()
    assert "release: python -m bot migrate" in lines


def test_migrate_says_when_the_database_does_not_answer(
    unreachable_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", unreachable_url)
    assert main(["migrate"]) == 1
    assert "immuno: cannot migrate" in capsys.readouterr().err
