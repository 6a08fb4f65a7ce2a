"""The web process as deployed: the Procfile's gunicorn command, attacked over loopback.

Slow and idle clients, a configuration error, and logging are properties of the server, not of
the WSGI app, so these tests start the real `web:` command (bench.harness, loopback only, always
stopped) against the fake Slack. The 64-connection measurement lives in bench/load.py.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from postgres import PostgresServer
from support import FakeSlack

from bench import harness as h
from bench.load import SlowClients
from bot.state.engine import create, normalise_url
from bot.state.migrate import HEAD, current

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[h.Server]:
    from tests.support import fake_slack

    workdir = tmp_path_factory.mktemp("web")
    with fake_slack() as fake:
        env = h.server_env(fake, h.KNOWLEDGE_PATH, workdir)
        env["LOG_LEVEL"] = "INFO"
        with h.running("web", h.PRODUCT_APP, env, workdir, expect="immuno") as running:
            yield running


def test_slow_and_idle_connections_do_not_hold_up_slash_commands(server: h.Server) -> None:
    """12 clients (more than the old 8 threads) trickle headers, trickle a body or sit idle;
    signed slash commands sent meanwhile are all answered within a second."""
    with SlowClients(server.port, 12, interval=0.2) as holders:
        time.sleep(0.5)  # every slow client has begun its request
        times = []
        for _ in range(20):
            client = h.Client(server.port, timeout=5)
            try:
                status, body, seconds = client.post(h.slash("keytruda"))
            finally:
                client.close()
            assert status == 200 and "Pembrolizumab" in body
            times.append(seconds)
        assert holders.count == 12
    assert max(times) < 1.0, times


def test_the_web_process_logs_info_with_timestamps(server: h.Server) -> None:
    """LOG_LEVEL=INFO is honoured under gunicorn: a refused request leaves one timestamped
    INFO line (and no traceback)."""
    time.sleep(0.3)  # let lines from earlier tests' connections arrive first
    before = len(server.log_path.read_text(encoding="utf-8", errors="replace"))
    client = h.Client(server.port, timeout=5)
    try:
        status, _, _ = client.post(h.Request("{not json", "application/json", {}))
    finally:
        client.close()
    assert status == 401

    def new_lines() -> list[str]:
        text = server.log_path.read_text(encoding="utf-8", errors="replace")[before:]
        return [ln for ln in text.splitlines() if "refused a request" in ln or "Trace" in ln]

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not new_lines():
        time.sleep(0.05)
    lines = new_lines()
    assert len(lines) == 1
    assert lines[0][:4].isdigit() and " INFO bot.slack.intake: " in lines[0]


def test_each_request_is_one_access_line_naming_its_kind_and_workspace(server: h.Server) -> None:
    """Under gunicorn a request's kind and workspace ride on the access line (bot.slack.outcome):
    one line per request, no second INFO line, and nothing the user typed."""
    time.sleep(0.3)  # let lines from earlier tests' connections arrive first
    before = len(server.log_path.read_text(encoding="utf-8", errors="replace"))
    client = h.Client(server.port, timeout=5)
    try:
        assert client.post(h.slash("patient Jane Roe TSH 12 on nivo"))[0] == 200
        mention = h.mention("pembrolizumab for Jane Roe", "C1ONC", "EvAccess1", 1)
        assert client.post(mention)[0] == 200
    finally:
        client.close()

    def new_lines() -> list[str]:
        text = server.log_path.read_text(encoding="utf-8", errors="replace")[before:]
        return [ln for ln in text.splitlines() if "/slack/events" in ln or "immuno.request" in ln]

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(new_lines()) < 2:
        time.sleep(0.05)
    time.sleep(0.2)  # a second line per request, if any, would have arrived by now
    lines = new_lines()
    assert len(lines) == 2, lines
    assert '"POST /slack/events" 200 ' in lines[0]
    assert lines[0].endswith(" command /immuno team=T0001")
    assert lines[1].endswith(" event app_mention team=T0001")
    assert not any("Jane" in ln or "TSH" in ln or "U1NURSE" in ln for ln in lines)


def _start(env: dict[str, str], workdir: Path) -> subprocess.Popen[bytes]:
    port = h.free_port()
    command = h.procfile_web_command(h.PRODUCT_APP, port)
    return subprocess.Popen(
        command,
        cwd=h.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def _exit_within(proc: subprocess.Popen[bytes], seconds: float) -> tuple[int | None, str]:
    try:
        out, _ = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        return None, out.decode(errors="replace")
    return proc.returncode, out.decode(errors="replace")


def test_a_configuration_error_stops_gunicorn_with_one_line(slack: FakeSlack, tmp_path) -> None:
    env = h.server_env(slack, h.KNOWLEDGE_PATH, tmp_path)
    del env["SLACK_SIGNING_SECRET"]
    code, out = _exit_within(_start(env, tmp_path), 20)
    assert code not in (None, 0)
    reasons = [ln for ln in out.splitlines() if ln.startswith("immuno: cannot start:")]
    assert len(reasons) == 1 and "SLACK_SIGNING_SECRET" in reasons[0]
    assert "Booting worker" not in out  # refused before the port opened


def test_broken_knowledge_stops_gunicorn_instead_of_restarting_workers(
    slack: FakeSlack, tmp_path
) -> None:
    broken = tmp_path / "knowledge"
    broken.mkdir()
    (broken / "drugs.yaml").write_text("drugs: [unclosed\n", encoding="utf-8")
    env = h.server_env(slack, broken, tmp_path)
    code, out = _exit_within(_start(env, tmp_path), 30)
    assert code not in (None, 0)
    assert out.count("immuno: cannot start:") == 1  # one worker tried, then the server stopped
    assert out.count("Booting worker") == 1


def test_an_unmigrated_postgresql_stops_gunicorn_with_one_line(
    slack: FakeSlack, tmp_path: Path, postgres: PostgresServer
) -> None:
    env = {
        **h.server_env(slack, h.KNOWLEDGE_PATH, tmp_path),
        "DATABASE_URL": postgres.create_database(),
    }
    code, out = _exit_within(_start(env, tmp_path), 20)
    assert code not in (None, 0)
    reasons = [ln for ln in out.splitlines() if ln.startswith("immuno: cannot start:")]
    assert len(reasons) == 1, out
    assert "not migrated" in reasons[0] and "run `python -m bot migrate`" in reasons[0]
    assert "Booting worker" not in out  # refused in the master, before the port opened


def test_gunicorn_migrates_an_embedded_sqlite_store_once_before_its_workers(
    slack: FakeSlack, tmp_path: Path
) -> None:
    env = h.server_env(slack, h.KNOWLEDGE_PATH, tmp_path, database="fresh")
    with h.running("fresh", h.PRODUCT_APP, env, tmp_path, workers=2):
        engine = create(normalise_url(env["DATABASE_URL"]))
        assert current(engine) == HEAD
