"""Shared fixtures: the shipped knowledge, a fake Slack, and the real bot served over HTTP."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from postgres import PostgresServer, Unavailable, running_server
from support import (
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    Reply,
    action_body,
    event_body,
    fake_slack,
    post,
    serve,
    shortcut_body,
    sign,
    slash_body,
)

from bot.config import Config
from bot.knowledge import Knowledge
from bot.loading import load_knowledge
from bot.misslog import MissLog
from bot.resolve import Index
from bot.slack.web import ImmunoRequestHandler, create_application
from bot.state.engine import create as create_engine
from bot.state.engine import normalise_url
from bot.state.migrate import upgrade
from bot.store import KnowledgeStore

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
KEYWORD_CHANNEL = "CKEYWORDS"
FEEDBACK_CHANNEL = "CMAINTAINERS"


def pytest_configure(config: pytest.Config) -> None:
    """Knowledge snapshots (bot.snapshot) go to one folder per session, removed at its end.
    Tests load hundreds of knowledge copies from temporary folders, each snapshotted under a
    name of its own: in the default folder (.immuno-cache in the checkout) they piled up,
    about 25 MB per run. Workers and the servers tests start inherit the setting."""
    if hasattr(config, "workerinput") or os.environ.get("IMMUNO_CACHE_DIR"):
        return
    folder = tempfile.mkdtemp(prefix="immuno-test-cache-")
    os.environ["IMMUNO_CACHE_DIR"] = folder
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    config.add_cleanup(lambda: os.environ.pop("IMMUNO_CACHE_DIR", None))


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    # from the session's snapshot once a worker has validated it (test_validate validates the
    # shipped files in full)
    result = load_knowledge(KNOWLEDGE, with_version=False, use_snapshot=True)
    assert result.knowledge is not None, [str(p) for p in result.errors]
    return result.knowledge


@pytest.fixture(scope="session")
def index(knowledge: Knowledge) -> Index:
    return Index.build(knowledge)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with fake_slack() as fake:
        yield fake


@dataclass
class Bot:
    """The production WSGI app, served over real HTTP, talking to the fake Slack."""

    url: str
    handler: ImmunoRequestHandler
    slack: FakeSlack
    config: Config

    @property
    def events_url(self) -> str:
        return f"{self.url}/slack/events"

    def settle(self, timeout: float = 15.0) -> None:
        """Wait until the app's listener work after the requests so far (replies, retries) is
        over, so that a test can show what did NOT reach Slack."""
        background = self.handler.background
        assert background is not None
        assert background.wait_idle(timeout), f"listener work still running after {timeout} s"

    @property
    def misslog(self) -> MissLog:
        """The app's miss log, to read what it counted (reading waits for queued writes)."""
        background = self.handler.background
        assert background is not None and background.misslog is not None
        return background.misslog

    def send(
        self,
        body: str,
        content_type: str,
        headers: dict[str, str] | None = None,
        signed: bool = True,
    ) -> Reply:
        all_headers = {**(sign(body) if signed else {}), **(headers or {})}
        return post(self.events_url, body, content_type, all_headers)

    def slash(self, text: str, **kwargs: Any) -> Reply:
        body = slash_body(text, response_url=self.slack.response_url(), **kwargs)
        return self.send(body, "application/x-www-form-urlencoded")

    def event(
        self, event: dict[str, Any], event_id: str = "Ev0001", headers: dict[str, str] | None = None
    ) -> Reply:
        return self.send(event_body(event, event_id), "application/json", headers)

    def shortcut(self, text: str, **kwargs: Any) -> Reply:
        body = shortcut_body(text, response_url=self.slack.response_url(), **kwargs)
        return self.send(body, "application/x-www-form-urlencoded")

    def action(self, action_id: str, value: str, **kwargs: Any) -> Reply:
        body = action_body(action_id, value, response_url=self.slack.response_url(), **kwargs)
        return self.send(body, "application/x-www-form-urlencoded")


_TEMPLATE: list[Path] = []


def migrated_sqlite(folder: Path) -> str:
    """A SQLite URL in `folder` whose schema is already current: a copy of one database
    migrated once per session (each Alembic run costs about as much as ten tests)."""
    if not _TEMPLATE:
        template_dir = Path(tempfile.mkdtemp(prefix="immuno-template-"))
        template = template_dir / "state.sqlite3"
        engine = create_engine(f"sqlite:///{template}")
        upgrade(engine)
        engine.dispose()
        _TEMPLATE.append(template)
    target = folder / "state.sqlite3"
    if not target.exists():
        shutil.copyfile(_TEMPLATE[0], target)
    return f"sqlite:///{target}"


def make_config(slack: FakeSlack, tmp_path: Path, **overrides: Any) -> Config:
    config = Config(
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        api_url=slack.api_url,
        knowledge_path=KNOWLEDGE,
        keyword_channels=frozenset({KEYWORD_CHANNEL}),
        keyword_replies_per_minute=3,
        feedback_channel=FEEDBACK_CHANNEL,
        contributing_url="https://example.org/immuno/CONTRIBUTING.md",
        database_url=migrated_sqlite(tmp_path),
        retry_backoff=0.01,  # retries are real; only the waits between them are short
    )
    return replace(config, **overrides)


@pytest.fixture(scope="session")
def shipped_store() -> KnowledgeStore:
    """The shipped knowledge, loaded and indexed once for the apps that serve it unchanged: a
    store per test cost a load, an index build and a git call each time. Tests that edit or
    reload knowledge make their own store from a copy."""
    return KnowledgeStore(KNOWLEDGE)


@pytest.fixture
def bot(slack: FakeSlack, tmp_path: Path, shipped_store: KnowledgeStore) -> Iterator[Bot]:
    config = make_config(slack, tmp_path)
    handler = create_application(config, shipped_store, watch=False)
    with serve(handler) as url:
        yield Bot(url, handler, slack, config)


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped knowledge, for reload tests."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the whole session, started on first use."""
    try:
        with running_server() as server:
            yield server
    except Unavailable as exc:
        pytest.skip(f"PostgreSQL server cannot start here: {exc}")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An empty database of each kind the shared store supports, fresh for each module."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite')}/state.sqlite3"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database()


@pytest.fixture(scope="module")
def migrated_url(database_url: str) -> str:
    engine = create_engine(normalise_url(database_url))
    upgrade(engine)
    engine.dispose()
    return database_url


@pytest.fixture(params=["sqlite", "postgresql"])
def unreachable_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL of each kind that cannot be opened: a file in a folder that does not
    exist, a PostgreSQL port where nothing listens."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/missing/folder/state.sqlite3"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql://immuno@127.0.0.1:{port}/immuno"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty database of each kind, for tests that migrate it."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/empty.sqlite3"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database()


@pytest.fixture(autouse=True)
def no_thread_outlives_the_test() -> Iterator[None]:
    """Every thread a test starts (servers, lazy listeners, auth.test, watchers) ends with it."""
    import threading
    import time

    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 2.0
    left = [t for t in threading.enumerate() if t not in before]
    while left and time.monotonic() < deadline:
        time.sleep(0.01)
        left = [t for t in threading.enumerate() if t not in before]
    assert not left, f"threads outlived the test: {[t.name for t in left]}"


#: The slowest test files (their own wall time, most of it waiting on servers they start), run
#: first: with one file per worker at a time, a long file handed out last keeps one worker busy
#: while the other idles. scripts/test passes --no-loadscope-reorder so that xdist keeps this
#: order instead of handing out the files with the most tests first.
SLOWEST_FIRST = (
    "test_bench_smoke.py",
    "test_hardening.py",
    "test_store.py",
    "test_scale_out.py",
    "test_serving.py",
    "test_bench_clinical.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slowest files first, every other file after them in collection order (a stable sort, so
    the tests within a file keep their order). The benchmarks' tests are not traced for coverage
    (pytest-cov's no_cover): they test bench/, which coverage does not measure, and tracing bot/
    under their question sets and load runs more than doubled their CPU for no line of bot/ that
    the product's own tests leave uncovered."""

    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return SLOWEST_FIRST.index(name) if name in SLOWEST_FIRST else len(SLOWEST_FIRST)

    items.sort(key=rank)
    for item in items:
        if item.path.name.startswith("test_bench_"):
            item.add_marker(pytest.mark.no_cover)


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """An xdist worker runs two coverage measurements: pytest-cov starts one when its plugin
    loads (it reads -n from the command line the worker inherits) and the worker's own at
    session start, on top. Pausing the top one for a no_cover test resumed the one beneath, so
    the tests meant to run untraced were traced all the same: twice the CPU, and a skewed CPU
    ratio where one of them asserts it. The one beneath is stopped for good; the worker's own
    carries the worker's data to the controller."""
    if not hasattr(session.config, "workerinput"):
        return
    import coverage

    own = coverage.Coverage.current()
    if own is None:
        return
    own.stop()
    while (beneath := coverage.Coverage.current()) is not None:
        beneath.stop()
    own.start()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    """pytest-cov pauses coverage for a no_cover test's call only; its fixtures (the bench smoke
    run is one) are set up untraced too."""
    import coverage

    current = coverage.Coverage.current() if item.get_closest_marker("no_cover") else None
    if current is None:
        return (yield)
    current.stop()
    try:
        return (yield)
    finally:
        current.start()
