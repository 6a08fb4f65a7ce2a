"""Load: does the production web process stay correct when many requests arrive at once,
and when Slack's Web API misbehaves?

Why: a slow answer is an annoyance, a lost or doubled answer is a bug users notice. Under load,
a thread pool that is too small, a lock held too long, or a retry that fires after a success
would show up here as errors, lost replies or duplicate replies, not as a slower median.

What: N signed requests (about 70 % `/immuno` slash commands over the realistic query mix, 30 %
app_mention events, each with a unique event_id and its own channel so its reply can be found)
from C client threads, against the product started exactly as the Procfile's `web:` command
(gunicorn, 1 gevent worker) with the fake Slack Web API on localhost. Then the same again
with faults: each chat.postMessage call fails with probability 0.1, independently (cycling
HTTP 500, 429 with Retry-After: 0, and a connection reset; see FaultInjector), and the bot's
retries must still deliver every reply.

Counted: errors (non-200 or no response), lost replies (a mention whose chat.postMessage never
arrived within a timeout after the run), duplicate replies (two posts for one event), p50/p99
of the HTTP response times, responses slower than Slack's 3 s limit, and send failures the bot
logged. Bounded in count and time; only 127.0.0.1.

With ``--scale-out``: two web processes of four workers each sharing PostgreSQL, every event
also delivered as Slack's retry to the other process, then the same with PostgreSQL restarted
mid-run, beside one process's figures (bench/scaleout.py).

Usage: ``python -m bench.load [--requests 10000] [--concurrency 32] [--smoke] [--scale-out]``.
"""

from __future__ import annotations

import argparse
import random
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import harness as h
from bench.scale import finish

MENTION_SHARE = 0.3
FAULT_RATE = 0.1
FAULTS = (500, 429, "reset")
POST = "/chat.postMessage"
SLACK_LIMIT_S = 3.0

Log = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclass(frozen=True)
class Planned:
    """One request of the run: a slash command, or a mention with its reply channel."""

    number: int
    kind: str  # "slash" or "mention"
    text: str
    channel: str = ""
    event_id: str = ""


def plan(requests: int, texts: Sequence[str], phase: str, seed: int = 3) -> list[Planned]:
    """The same mix on every run: ~70 % slash, ~30 % mentions with unique ids and channels."""
    rng = random.Random(seed)
    stream = h.stream(texts, requests, seed=seed)
    out = []
    for i, text in enumerate(stream):
        if rng.random() < MENTION_SHARE:
            out.append(Planned(i, "mention", text, f"CLD{phase}{i:07d}", f"EvLD{phase}{i:08d}"))
        else:
            out.append(Planned(i, "slash", text))
    return out


class FaultInjector:
    """Makes each chat.postMessage call fail with probability `rate`, independently.

    The fake Slack only has a queue of faults for the next calls to a path, and queued faults
    pile up under concurrency, so that one message's immediate retries draw them all in a row.
    So this thread keeps at most one fault pending: each time it sees calls arrive (a recorded
    post, or a pending fault consumed), it draws for each and queues one fault if any draw hits.
    The resulting rate is counted, not assumed (`calls`, `injected`)."""

    def __init__(self, fake: Any, rate: float = FAULT_RATE, seed: int = 5) -> None:
        self.fake = fake
        self.rate = rate
        self.rng = random.Random(seed)
        self.injected = 0
        self.calls = 0
        self._cursor = len(fake.received)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="faults", daemon=True)

    def __enter__(self) -> FaultInjector:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        with self.fake.cond:
            self.injected -= len(self.fake.faults.pop(POST, None) or ())  # never consumed

    def _run(self) -> None:
        posts = 0
        while not self._stop.wait(0.001):
            with self.fake.cond:
                received = self.fake.received
                while self._cursor < len(received):
                    posts += received[self._cursor].path == POST
                    self._cursor += 1
                pending = len(self.fake.faults.get(POST) or ())
                calls = posts + self.injected - pending
                new, self.calls = calls - self.calls, calls
                if new and not pending and any(self.rng.random() < self.rate for _ in range(new)):
                    self.fake.fail(POST, FAULTS[self.injected % len(FAULTS)])
                    self.injected += 1


def _phase(
    name: str,
    fake: Any,
    server: h.Server,
    items: list[Planned],
    concurrency: int,
    faults: bool,
    budget_s: float,
    reply_timeout: float,
) -> dict[str, Any]:
    """Send `items` from `concurrency` threads; then count replies at the fake Slack."""
    tracker = h.PostTracker(fake)
    local = threading.local()
    clients: list[h.Client] = []
    lock = threading.Lock()
    times: dict[str, list[float]] = {"slash": [], "mention": []}
    errors: dict[str, int] = {}
    sent_mentions: list[str] = []
    deadline = time.perf_counter() + budget_s

    def client() -> h.Client:
        if not hasattr(local, "client"):
            local.client = h.Client(server.port, timeout=30)
            with lock:
                clients.append(local.client)
        return local.client

    def send(item: Planned) -> None:
        if time.perf_counter() > deadline:
            with lock:
                errors["not sent (time budget)"] = errors.get("not sent (time budget)", 0) + 1
            return
        if item.kind == "mention":
            request = h.mention(item.text, item.channel, item.event_id, item.number)
        else:
            request = h.slash(item.text)
        try:
            status, _, seconds = client().post(request)
        except Exception as exc:  # any failure to get a response is an error, by type
            key = f"no response ({type(exc).__name__})"
            with lock:
                errors[key] = errors.get(key, 0) + 1
            return
        with lock:
            if status != 200:
                errors[f"HTTP {status}"] = errors.get(f"HTTP {status}", 0) + 1
            else:
                times[item.kind].append(seconds)
                if item.kind == "mention":
                    sent_mentions.append(item.channel)

    injector = FaultInjector(fake, FAULT_RATE if faults else 0.0)
    with injector:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="load") as pool:
            list(pool.map(send, items))
        wall = time.perf_counter() - started
        for c in clients:
            c.close()
        tracker.wait_all(sent_mentions, reply_timeout)  # retries still meet faults meanwhile
    fake.settle(quiet=0.5, timeout=5.0)  # let any late duplicate arrive before counting
    counts = tracker.counts()
    lost = [c for c in sent_mentions if counts.get(c, 0) == 0]
    duplicates = [c for c in sent_mentions if counts.get(c, 0) > 1]
    log_text = server.log_path.read_text(encoding="utf-8", errors="replace")
    all_times = times["slash"] + times["mention"]
    return {
        "phase": name,
        "requests": len(items),
        "concurrency": concurrency,
        "wall_s": wall,
        "throughput_rps": len(all_times) / wall if wall else None,
        "ok": len(all_times),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "mentions": len(sent_mentions),
        "slash": len(times["slash"]),
        "lost_replies": len(lost),
        "lost_examples": lost[:5],
        "duplicate_replies": len(duplicates),
        "duplicate_examples": duplicates[:5],
        "faults_injected": injector.injected,
        "post_calls": injector.calls,
        "fault_rate": injector.injected / injector.calls if injector.calls else 0.0,
        "latency": h.summary_ms(all_times),
        "latency_slash": h.summary_ms(times["slash"]),
        "latency_mention_ack": h.summary_ms(times["mention"]),
        "over_3s": sum(t > SLACK_LIMIT_S for t in all_times),
        "send_failures_logged": log_text.count("Slack API chat_postMessage failed"),
        "send_failure_lines": [
            line for line in log_text.splitlines() if "Slack API chat_postMessage failed" in line
        ][:5],
        "listener_failures_logged": log_text.count("listener failed"),
    }


# -- slow and idle clients ------------------------------------------------------------------------

SLOW_KINDS = ("slow-headers", "slow-body", "idle")


class SlowClients:
    """`count` connections that hold the server without finishing a request: a third send
    their headers one byte at a time, a third send a complete header block and then the body
    one byte at a time, a third connect and send nothing (reopened when the server closes them).
    One byte per connection every `interval` seconds; stopped (and every socket closed) on exit.
    """

    def __init__(self, port: int, count: int, interval: float = 2.0) -> None:
        self.port = port
        self.count = count
        self.interval = interval
        self.reopened = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slow-clients", daemon=True)
        self._socks: list[tuple[str, socket.socket | None, bytes]] = []

    def _open(self, kind: str) -> tuple[str, socket.socket | None, bytes]:
        try:
            sock = socket.create_connection((h.LOOPBACK, self.port), timeout=2)
        except OSError:
            return kind, None, b""
        sock.setblocking(False)
        head = f"POST {h.EVENTS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if kind == "slow-headers":
            return kind, sock, (head + "Content-Type: text/plain\r\n" * 500).encode()
        if kind == "slow-body":
            ctype = "Content-Type: application/x-www-form-urlencoded\r\n"
            with suppress(OSError):
                sock.send((head + ctype + "Content-Length: 100000\r\n\r\n").encode())
            return kind, sock, b"a" * 100_000
        return kind, sock, b""

    def __enter__(self) -> SlowClients:
        self._socks = [self._open(SLOW_KINDS[i % 3]) for i in range(self.count)]
        for i in range(self.count):  # every slow client begins its request at once
            self._tick(i)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        for _, sock, _ in self._socks:
            if sock is not None:
                sock.close()

    def _tick(self, i: int) -> None:
        kind, sock, rest = self._socks[i]
        if sock is not None:
            try:
                if kind == "idle":
                    if sock.recv(1, socket.MSG_PEEK) == b"":  # closed by the server
                        raise ConnectionResetError
                    return
                if rest:
                    sock.send(rest[:1])
                    self._socks[i] = (kind, sock, rest[1:])
                return
            except BlockingIOError:
                return
            except OSError:
                sock.close()
        self.reopened += 1
        self._socks[i] = self._open(kind)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for i in range(len(self._socks)):
                self._tick(i)


def slow_client_phase(
    server: h.Server,
    texts: Sequence[str],
    *,
    slow: int = 64,
    requests: int = 300,
    concurrency: int = 4,
    timeout: float = 10.0,
) -> dict[str, Any]:
    """Ordinary signed slash commands while `slow` slow or idle connections are held open."""
    items = h.stream(texts, requests, seed=11)
    times: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()

    def send(text: str) -> None:
        client = h.Client(server.port, timeout=timeout)
        try:
            status, _, seconds = client.post(h.slash(text))
        except Exception as exc:  # a timeout or reset is the failure being measured
            key = f"no response ({type(exc).__name__})"
            with lock:
                errors[key] = errors.get(key, 0) + 1
            return
        finally:
            client.close()
        with lock:
            if status == 200:
                times.append(seconds)
            else:
                errors[f"HTTP {status}"] = errors.get(f"HTTP {status}", 0) + 1

    with SlowClients(server.port, slow) as holders:
        time.sleep(0.5)  # the server has accepted and started reading every connection
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="slow") as pool:
            list(pool.map(send, items))
        wall = time.perf_counter() - started
        reopened = holders.reopened
    return {
        "slow_connections": slow,
        "requests": requests,
        "concurrency": concurrency,
        "wall_s": wall,
        "ok": len(times),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "idle_reopened": reopened,
        "latency": h.summary_ms(times),
        "over_1s": sum(t > 1.0 for t in times),
    }


def run(
    *,
    requests: int = 10_000,
    concurrency: int = 32,
    knowledge: Path = h.KNOWLEDGE_PATH,
    queries_path: Path | None = h.QUERIES_PATH,
    budget_s: float = 300.0,
    reply_timeout: float = 30.0,
    faults: bool = True,
    slow: int = 64,
    slow_requests: int = 1000,
    log: Log = _quiet,
) -> dict[str, Any]:
    """Both phases (clean, then with faults), each against a freshly started product; after
    the clean phase, slash commands while `slow` slow or idle connections are held open."""
    from tests.support import fake_slack

    texts = h.query_mix(queries_path)
    figures: dict[str, Any] = {"requests": requests, "concurrency": concurrency}
    phases = [("clean", False), ("faults", True)] if faults else [("clean", False)]
    with fake_slack() as fake, tempfile.TemporaryDirectory(prefix="immuno-load-") as tmp:
        workdir = Path(tmp)
        for name, with_faults in phases:
            env = h.server_env(fake, knowledge, workdir, database=f"load-{name}")
            with h.running(f"load-{name}", h.PRODUCT_APP, env, workdir) as server:
                log(f"load: {name}: {requests} requests at concurrency {concurrency}")
                items = plan(requests, texts, name[0].upper())
                figures[name] = _phase(
                    name, fake, server, items, concurrency, with_faults, budget_s, reply_timeout
                )
                if name == "clean" and slow:
                    log(f"load: {slow} slow or idle connections held open")
                    figures["slow"] = slow_client_phase(
                        server, texts, slow=slow, requests=slow_requests
                    )
    return figures


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def format_report(figures: dict[str, Any]) -> str:
    lines = [
        f"Load: {figures['requests']} requests at concurrency {figures['concurrency']} "
        "against the product (gunicorn per Procfile, 1 gevent worker)",
        "",
    ]
    for name in ("clean", "faults"):
        p = figures.get(name)
        if not p:
            continue
        title = (
            "no faults"
            if name == "clean"
            else (
                f"chat.postMessage faults: {p['faults_injected']} of {p['post_calls']} calls "
                f"({p['fault_rate']:.1%}; 500 / 429 / reset)"
            )
        )
        lines += [
            f"{title}:",
            f"  {p['ok']} ok in {p['wall_s']:.1f} s ({p['throughput_rps']:.0f} req/s); errors "
            f"{p['errors']} {p['error_kinds'] or ''}".rstrip(),
            f"  HTTP p50 {_ms(p['latency']['median_ms'])} ms, p99 {_ms(p['latency']['p99_ms'])}"
            f" ms, max {_ms(p['latency']['max_ms'])} ms (slash p50 "
            f"{_ms(p['latency_slash']['median_ms'])}, mention ack p50 "
            f"{_ms(p['latency_mention_ack']['median_ms'])}); over 3 s: {p['over_3s']}",
            f"  mentions {p['mentions']}: lost replies {p['lost_replies']}, duplicate replies "
            f"{p['duplicate_replies']}; sends the bot logged as failed "
            f"{p['send_failures_logged']}",
        ]
        lines += [f"    bot log: {line}" for line in p.get("send_failure_lines", ())]
    slow = figures.get("slow")
    if slow:
        lines += [
            f"{slow['slow_connections']} slow or idle connections held open (slow headers, slow "
            "body, idle; one byte per connection every 2 s):",
            f"  {slow['ok']} of {slow['requests']} slash commands ok at concurrency "
            f"{slow['concurrency']}; errors {slow['errors']} {slow['error_kinds'] or ''}".rstrip(),
            f"  HTTP p50 {_ms(slow['latency']['median_ms'])} ms, p99 "
            f"{_ms(slow['latency']['p99_ms'])} ms, max {_ms(slow['latency']['max_ms'])} ms; "
            f"over 1 s: {slow['over_1s']}",
        ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n", 1)[0]
    )
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--no-faults", action="store_true", help="skip the fault phase")
    parser.add_argument(
        "--slow", type=int, default=64, help="slow or idle connections held open (0: skip)"
    )
    parser.add_argument("--smoke", action="store_true", help="300 requests at concurrency 8")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    parser.add_argument(
        "--scale-out", action="store_true", help="2 processes x 4 workers on PostgreSQL"
    )
    args = parser.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1:
        parser.error("--requests and --concurrency must be at least 1")
    requests, concurrency = (300, 8) if args.smoke else (args.requests, args.concurrency)
    if args.scale_out:
        from bench import scaleout

        figures = scaleout.run(
            requests=requests,
            concurrency=concurrency,
            log=lambda m: print(m, file=sys.stderr, flush=True),
        )
        return finish(scaleout.format_report(figures), figures, args.json)
    figures = run(
        requests=requests,
        concurrency=concurrency,
        faults=not args.no_faults,
        slow=16 if args.smoke else args.slow,
        slow_requests=60 if args.smoke else 1000,
        log=lambda m: print(m, file=sys.stderr, flush=True),
    )
    return finish(format_report(figures), figures, args.json)


if __name__ == "__main__":
    sys.exit(main())
