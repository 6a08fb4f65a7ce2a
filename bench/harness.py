"""What the latency and load benchmarks share: servers started as in production, a fake Slack,
signed requests, and reply tracking.

Why a real gunicorn: the figures must be the ones users get, so each server is started with the
Procfile's own `web:` command (only the bind address becomes 127.0.0.1 and $PORT a free port),
and the bare floor apps get the very same command with their module swapped in. Everything stays
on the loopback interface, every server is stopped in a finally block, and every request loop is
bounded in count and time.
"""

from __future__ import annotations

import http.client
import os
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.scale import load_queries, percentile
from tests.support import BOT_USER, FakeSlack, event_body, sign

ROOT = Path(__file__).resolve().parent.parent
PROCFILE = ROOT / "Procfile"
KNOWLEDGE_PATH = ROOT / "knowledge"
QUERIES_PATH = ROOT / "bench" / "queries.yaml"
EVENTS_PATH = "/slack/events"
PRODUCT_APP = "bot.slack.web:application"
BARE_APP = "bench.bare_app:application"
BOT_TOKEN = "xoxb-bench"
SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
LOOPBACK = "127.0.0.1"

#: Environment variables of the product (and Slack) that must not leak in from the caller.
#: IMMUNO_CACHE_DIR stays: it says where snapshots live, not how the bot behaves, and a server
#: then finds the snapshot an earlier part of the run wrote (as a restarted server would).
_SCRUB = re.compile(r"^(SLACK_|IMMUNO_(?!CACHE_DIR$)|DATABASE_URL$|WEB_CONCURRENCY$|PORT$|BENCH_)")


# -- numbers --------------------------------------------------------------------------------------


def summary_ms(seconds: Sequence[float]) -> dict[str, Any]:
    """Median, p99 and max in milliseconds."""
    if not seconds:
        return {"n": 0, "median_ms": None, "p99_ms": None, "max_ms": None}
    return {
        "n": len(seconds),
        "median_ms": statistics.median(seconds) * 1000,
        "p99_ms": percentile(seconds, 0.99) * 1000,
        "max_ms": max(seconds) * 1000,
    }


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


# -- queries --------------------------------------------------------------------------------------


def query_mix(path: Path | None = QUERIES_PATH) -> list[str]:
    """Realistic texts: every query of bench/queries.yaml (hits, brands, typos, questions,
    out-of-scope misses), or a built-in mix; the same list bench/scale.py times."""
    return load_queries(path)


def stream(texts: Sequence[str], count: int, seed: int = 7) -> list[str]:
    """`count` texts drawn in a fixed shuffled order (cycling), the same on every run."""
    import random

    order = list(texts)
    random.Random(seed).shuffle(order)
    return [order[i % len(order)] for i in range(count)]


# -- signed requests ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    body: str
    content_type: str
    headers: dict[str, str]


def slash(text: str, response_url: str = "", secret: str = SIGNING_SECRET) -> Request:
    """A signed `/immuno <text>` as Slack sends it."""
    body = urlencode(
        {
            "token": "legacy",
            "team_id": "T0001",
            "team_domain": "hospital",
            "channel_id": "C1ONC",
            "channel_name": "oncology",
            "user_id": "U1NURSE",
            "user_name": "nurse",
            "command": "/immuno",
            "text": text,
            "api_app_id": "A0001",
            "response_url": response_url,
            "trigger_id": "123.456.abc",
        }
    )
    return Request(body, "application/x-www-form-urlencoded", sign(body, secret))


def mention(
    text: str, channel: str, event_id: str, seq: int, secret: str = SIGNING_SECRET
) -> Request:
    """A signed app_mention event; `channel` is unique per event so its reply can be found."""
    ts = f"1700000000.{seq % 1_000_000:06d}"
    event = {
        "type": "app_mention",
        "user": "U1NURSE",
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    body = event_body(event, event_id)
    return Request(body, "application/json", sign(body, secret))


class Client:
    """One keep-alive HTTP connection to a server, reopened when the server closed it."""

    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self.port = port
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=self.timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def post(self, request: Request, path: str = EVENTS_PATH) -> tuple[int, str, float]:
        """Send and read the whole response: (status, body, seconds). A connection the server
        closed while idle is reopened and the request re-sent once, timed from the re-send."""
        headers = {"Content-Type": request.content_type, **request.headers}
        for attempt in (1, 2):
            conn = self._connection()
            started = time.perf_counter()
            try:
                conn.request("POST", path, body=request.body.encode(), headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (
                http.client.RemoteDisconnected,
                ConnectionResetError,
                BrokenPipeError,
                http.client.CannotSendRequest,
                http.client.BadStatusLine,
            ):
                self.close()
                if attempt == 2:
                    raise
                continue
            elapsed = time.perf_counter() - started
            if response.will_close:
                self.close()
            return response.status, data.decode("utf-8", "replace"), elapsed
        raise AssertionError("unreachable")


# -- the fake Slack's side ------------------------------------------------------------------------


class PostTracker:
    """Watches the fake Slack's chat.postMessage calls by channel, with arrival times."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self._cursor = 0
        self.arrivals: dict[str, list[float]] = {}

    def _scan(self) -> None:
        now = time.perf_counter()
        received = self.fake.received
        while self._cursor < len(received):
            item = received[self._cursor]
            self._cursor += 1
            if item.path == "/chat.postMessage":
                channel = str(item.body.get("channel", ""))
                self.arrivals.setdefault(channel, []).append(now)

    def wait(self, channel: str, timeout: float) -> float | None:
        """When the first post to `channel` was seen (perf_counter), or None on timeout."""
        deadline = time.perf_counter() + timeout
        with self.fake.cond:
            while True:
                self._scan()
                if channel in self.arrivals:
                    return self.arrivals[channel][0]
                left = deadline - time.perf_counter()
                if left <= 0:
                    return None
                self.fake.cond.wait(left)

    def wait_all(self, channels: Sequence[str], timeout: float) -> None:
        """Wait until every channel has a post, or the timeout passes."""
        deadline = time.perf_counter() + timeout
        with self.fake.cond:
            while True:
                self._scan()
                if all(c in self.arrivals for c in channels):
                    return
                left = deadline - time.perf_counter()
                if left <= 0:
                    return
                self.fake.cond.wait(min(left, 0.5))

    def counts(self) -> dict[str, int]:
        with self.fake.cond:
            self._scan()
            return {c: len(v) for c, v in self.arrivals.items()}


# -- servers --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def procfile_web_command(
    app: str, port: int, *, workers: int = 1, extra: Sequence[str] = ()
) -> list[str]:
    """The Procfile's `web:` command with $PORT and the worker count filled in, the
    bind address on loopback, and `app` as the WSGI target; gunicorn from this venv."""
    line = next(
        (ln for ln in PROCFILE.read_text(encoding="utf-8").splitlines() if ln.startswith("web:")),
        None,
    )
    if line is None:
        raise RuntimeError("Procfile has no web: line")
    command = line.removeprefix("web:").strip()
    command = re.sub(r"\$\{WEB_CONCURRENCY(:-[^}]*)?\}", str(workers), command)
    command = re.sub(r"\$\{?PORT\}?", str(port), command)
    command = command.replace("0.0.0.0", LOOPBACK)
    args = shlex.split(command)
    if args[0] != "gunicorn" or PRODUCT_APP not in args:
        raise RuntimeError(f"unexpected Procfile web command: {line}")
    args[0] = str(Path(sys.executable).parent / "gunicorn")
    args[args.index(PRODUCT_APP)] = app
    bind = args.index("--bind") + 1 if "--bind" in args else -1
    if bind <= 0 or not args[bind].startswith(f"{LOOPBACK}:"):
        raise RuntimeError(f"Procfile web command must bind to $PORT: {line}")
    return [*args, *extra]


@dataclass
class Server:
    """One gunicorn started by the benchmark (and only ever stopped by it)."""

    name: str
    command: list[str]
    port: int
    log_path: Path
    proc: subprocess.Popen[bytes]
    spawned_at: float
    ready_s: float | None = None
    notes: list[str] = field(default_factory=list)

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGKILL to its own process group (its master and workers, nothing else), at once.
        Not gunicorn's graceful SIGTERM: that waits for the gevent worker's once-a-second loop,
        and for any keep-alive connection up to 5 s more; stopping took 9 of the 20 s of a
        `python -m bench --smoke` (SIGQUIT, the quick shutdown, still 0.5 s per server).
        Nothing a benchmark measures happens after its server stops, and what a server logged
        is already in its log file (unbuffered)."""
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self.proc.poll() is None:
            self.proc.wait(timeout=5)


def server_env(
    fake: FakeSlack,
    knowledge: Path,
    workdir: Path,
    *,
    bare_mode: str | None = None,
    secret: str = SIGNING_SECRET,
    database: str = "misses",
) -> dict[str, str]:
    """The environment of a server process: the caller's, minus anything Slack or immuno.
    The miss log goes to a SQLite file in `workdir` (named `database`), never the repo."""
    env = {k: v for k, v in os.environ.items() if not _SCRUB.match(k)}
    env.update(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": secret,
            "SLACK_API_URL": fake.api_url,
            "IMMUNO_KNOWLEDGE": str(knowledge),
            "DATABASE_URL": f"sqlite:///{workdir}/{database}.sqlite3",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if bare_mode:
        env["BENCH_BARE_MODE"] = bare_mode
    return env


def _has_control_socket() -> bool:
    from gunicorn.config import Config

    return "control_socket" in Config().settings


def spawn(
    name: str,
    app: str,
    env: dict[str, str],
    workdir: Path,
    *,
    extra: Sequence[str] = (),
    workers: int = 1,
) -> Server:
    """Start gunicorn (Procfile web command) for `app` on a free loopback port."""
    port = free_port()
    # gunicorn 27 opens a control socket at ~/.gunicorn/gunicorn.ctl by default; servers
    # running side by side would fight over that one path, so each gets its own.
    control = (
        ["--control-socket", str(workdir / f"{name}-{port}.ctl")] if _has_control_socket() else []
    )
    command = procfile_web_command(app, port, workers=workers, extra=[*control, *extra])
    log_path = workdir / f"{name}-{port}.log"
    log = log_path.open("wb")
    spawned_at = time.perf_counter()
    try:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    finally:
        log.close()
    return Server(name, command, port, log_path, proc, spawned_at)


def first_answer(server: Server, text: str, expect: str, timeout: float) -> float:
    """Seconds from spawn to the first 200 answer containing `expect` to a signed slash command.

    Connects every 5 ms until gunicorn has bound its port; the request then waits in the listen
    backlog until the worker has loaded the app."""
    deadline = server.spawned_at + timeout
    while time.perf_counter() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited with {server.proc.returncode}:\n{server.log_tail()}"
            )
        try:
            with socket.create_connection((LOOPBACK, server.port), timeout=1):
                pass
        except OSError:
            time.sleep(0.005)
            continue
        client = Client(server.port, timeout=max(1.0, deadline - time.perf_counter()))
        try:
            status, body, _ = client.post(slash(text))
        except (OSError, http.client.HTTPException):
            time.sleep(0.005)
            continue
        finally:
            client.close()
        if status == 200 and expect in body:
            return time.perf_counter() - server.spawned_at
        time.sleep(0.005)
    raise TimeoutError(f"{server.name} did not answer within {timeout:.0f} s:\n{server.log_tail()}")


@contextmanager
def running(
    name: str,
    app: str,
    env: dict[str, str],
    workdir: Path,
    *,
    expect: str = "",
    ready_timeout: float = 60.0,
    extra: Sequence[str] = (),
    workers: int = 1,
) -> Iterator[Server]:
    """A started, answering server; always stopped on the way out."""
    server = spawn(name, app, env, workdir, extra=extra, workers=workers)
    try:
        server.ready_s = first_answer(server, "help", expect, ready_timeout)
        yield server
    finally:
        server.stop()


def boot_failure_reason(server: Server) -> str:
    """Why a server never answered, read from its log (e.g. gunicorn's WORKER TIMEOUT)."""
    tail = server.log_tail(200)
    for marker in ("WORKER TIMEOUT", "cannot start", "Traceback", "Worker failed to boot"):
        if marker in tail:
            return marker
    return "no answer"
