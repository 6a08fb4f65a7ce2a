"""Schema migrations: `python -m bot migrate`, the release phase, and the start-up check."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from bot.cli import main
from bot.state.engine import create, normalise_url
from bot.state.migrate import HEAD, MIGRATIONS, NotMigrated, check, current, ready, upgrade

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


def test_the_migration_downgrades_and_upgrades_again(empty_url: str) -> None:
    from alembic import command
    from alembic.config import Config as AlembicConfig

    engine = create(normalise_url(empty_url))
    upgrade(engine)
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert current(engine) is None
    assert "immuno_event_claims" not in inspect(engine).get_table_names()
    assert upgrade(engine) == HEAD


def _schema(engine) -> dict:
    found = inspect(engine)
    return {
        name: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(name)],
            sorted((i["name"], tuple(i["column_names"])) for i in found.get_indexes(name)),
        )
        for name in sorted(found.get_table_names())
    }


def test_a_new_embedded_database_gets_the_same_schema_as_the_migrations(tmp_path: Path) -> None:
    created = create(f"sqlite:///{tmp_path}/created.sqlite3")
    ready(created)  # brand new: created at HEAD without Alembic
    migrated = create(f"sqlite:///{tmp_path}/migrated.sqlite3")
    upgrade(migrated)
    assert current(created) == current(migrated) == HEAD
    assert _schema(created) == _schema(migrated)


def test_slack_tables_match_what_slack_sdk_builds() -> None:
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore as I
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore as S
    from sqlalchemy import MetaData

    from bot.state import slack_tables

    def shape(table) -> tuple:
        columns = [(c.name, repr(c.type), c.nullable, c.primary_key) for c in table.columns]
        indexes = sorted((i.name, tuple(c.name for c in i.columns)) for i in table.indexes)
        return table.name, columns, indexes

    theirs = MetaData()
    built = [
        I.build_installations_table(theirs, "slack_installations"),
        I.build_bots_table(theirs, "slack_bots"),
        S.build_oauth_states_table(theirs, "slack_oauth_states"),
    ]
    ours = slack_tables.tables(MetaData())
    assert [shape(t) for t in ours] == [shape(t) for t in built]
