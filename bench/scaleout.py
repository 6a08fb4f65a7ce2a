"""Scale-out: two web processes of four gunicorn workers each, sharing one PostgreSQL, and every
event delivered twice, the second time as Slack's retry to the *other* process.

Why: Heroku runs several workers per dyno and several dynos; a retry that lands on a process
that did not see the first delivery must still not be answered twice, and a database restart
must not stop slash commands. Counted per phase: errors (for slash commands: anything but a 200
with the answer), events answered more than once (must be 0), events never answered (must be 0
without the restart; with it, events that arrived while the database was down may be lost, never
doubled), the 503s the bot sent while the database was down, and p50/p99 response times beside
one process of the Procfile's defaults (1 gevent worker, embedded SQLite) running the same
requests and retries.

Usage: ``python -m bench.load --scale-out [--requests 10000] [--concurrency 32] [--smoke]``.
Everything is on 127.0.0.1; the PostgreSQL cluster is the tests' throwaway one
(tests/postgres.py) and is removed at the end.
"""

from __future__ import annotations

import random
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import harness as h

MENTION_SHARE = 0.3
RETRY_HEADERS = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}

Log = Callable[[str], None]


@dataclass(frozen=True)
class Send:
    """One HTTP request of a run: to which server, what, and whether it is a retry."""

    number: int
    kind: str  # "slash", "event" or "retry"
    server: int  # index into the phase's servers
    request: h.Request
    channel: str = ""


def plan(requests: int, texts: list[str], phase: str, servers: int, seed: int = 11) -> list[Send]:
    """`requests` originals (~70 % slash, ~30 % mentions, alternating servers), each mention
    followed at once by its retry to the next server (the same server when there is one)."""
    rng = random.Random(seed)
    out: list[Send] = []
    for i, text in enumerate(h.stream(texts, requests, seed=seed)):
        target = i % servers
        if rng.random() >= MENTION_SHARE:
            out.append(Send(i, "slash", target, h.slash(text)))
            continue
        channel, event_id = f"CSO{phase}{i:07d}", f"EvSO{phase}{i:08d}"
        event = h.mention(text, channel, event_id, i)
        retry = h.Request(event.body, event.content_type, {**event.headers, **RETRY_HEADERS})
        out.append(Send(i, "event", target, event, channel))
        out.append(Send(i, "retry", (target + 1) % servers, retry, channel))
    return out


def run_phase(
    name: str,
    fake: Any,
    servers: list[h.Server],
    sends: list[Send],
    concurrency: int,
    *,
    midway: Callable[[], None] | None = None,
    reply_timeout: float = 30.0,
) -> dict[str, Any]:
    """Send everything from `concurrency` threads (calling `midway` once, at 40 %), then count
    the replies at the fake Slack."""
    tracker = h.PostTracker(fake)
    local = threading.local()
    lock = threading.Lock()
    clients: list[h.Client] = []
    times: dict[str, list[float]] = {"slash": [], "event": [], "retry": []}
    statuses: dict[str, dict[int, int]] = {"slash": {}, "event": {}, "retry": {}}
    errors: dict[str, int] = {}
    events: set[str] = set()
    accepted: set[str] = set()  # events with at least one 200 (a claim was recorded)
    refused: dict[str, h.Request] = {}  # events only ever refused: Slack retries them later
    done = [0]
    trigger = int(len(sends) * 0.4) if midway else -1
    midway_at: list[float] = []

    def client(index: int) -> h.Client:
        if not hasattr(local, "clients"):
            local.clients = [h.Client(s.port, timeout=30) for s in servers]
            with lock:
                clients.extend(local.clients)
        return local.clients[index]

    def send(item: Send) -> None:
        try:
            status, body, seconds = client(item.server).post(item.request)
        except Exception as exc:  # no response at all: an error, by type
            with lock:
                key = f"{item.kind}: no response ({type(exc).__name__})"
                errors[key] = errors.get(key, 0) + 1
            return
        with lock:
            statuses[item.kind][status] = statuses[item.kind].get(status, 0) + 1
            if status == 200:
                times[item.kind].append(seconds)
            if item.kind == "slash" and (status != 200 or "blocks" not in body):
                errors[f"slash: HTTP {status}"] = errors.get(f"slash: HTTP {status}", 0) + 1
            if item.kind != "slash":
                events.add(item.channel)
                if status == 200:
                    accepted.add(item.channel)
                    refused.pop(item.channel, None)
                elif item.channel not in accepted:
                    refused[item.channel] = item.request
                if status not in (200, 503):
                    key = f"{item.kind}: HTTP {status}"
                    errors[key] = errors.get(key, 0) + 1
            done[0] += 1
            fire = done[0] == trigger
        if fire and midway is not None:
            midway_at.append(time.perf_counter())
            threading.Thread(target=midway, name="midway", daemon=True).start()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="scaleout") as pool:
        list(pool.map(send, sends))
    wall = time.perf_counter() - started
    for c in clients:
        c.close()
    later = _slacks_later_retry(servers, refused)
    tracker.wait_all(sorted(events), reply_timeout if not midway else 10.0)
    fake.settle(quiet=0.5, timeout=10.0)
    counts = tracker.counts()
    duplicates = [c for c in events if counts.get(c, 0) > 1]
    lost = [c for c in events if counts.get(c, 0) == 0]
    requests = sum(1 for s in sends if s.kind != "retry")
    return {
        "phase": name,
        "servers": len(servers),
        "requests": requests,
        "retries": len(sends) - requests,
        "wall_s": wall,
        "throughput_rps": len(sends) / wall if wall else None,
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "statuses": {k: dict(sorted(v.items())) for k, v in statuses.items()},
        "slash_answered": statuses["slash"].get(200, 0),
        "slash_sent": sum(1 for s in sends if s.kind == "slash"),
        "events": len(events),
        "answered_once": sum(1 for c in events if counts.get(c, 0) == 1),
        "duplicate_replies": len(duplicates),
        "duplicate_examples": duplicates[:5],
        "lost": len(lost),
        "refused_503": statuses["event"].get(503, 0) + statuses["retry"].get(503, 0),
        "later_retries": len(refused),
        "later_retry_statuses": later,
        "latency": h.summary_ms(times["slash"] + times["event"] + times["retry"]),
        "latency_slash": h.summary_ms(times["slash"]),
        "latency_event": h.summary_ms(times["event"] + times["retry"]),
        "midway_s": (midway_at[0] - started) if midway_at else None,
    }


def _slacks_later_retry(servers: list[h.Server], refused: dict[str, h.Request]) -> dict:
    """Slack delivers an event it got no 200 for again a minute later; do that now, once, for
    every event only ever refused (the database is back by then)."""
    statuses: dict[int, int] = {}
    if not refused:
        return statuses
    time.sleep(2.5)  # past the store's retry window
    clients = [h.Client(s.port, timeout=30) for s in servers]
    for n, request in enumerate(refused.values()):
        headers = {**request.headers, "X-Slack-Retry-Num": "2"}
        later = h.Request(request.body, request.content_type, headers)
        status, _, _ = clients[n % len(clients)].post(later)
        statuses[status] = statuses.get(status, 0) + 1
    for c in clients:
        c.close()
    return statuses


def run(
    *,
    requests: int = 10_000,
    concurrency: int = 32,
    workers: int = 4,
    log: Log = lambda _: None,
) -> dict[str, Any]:
    """The single-process baseline, then 2 x `workers` on PostgreSQL, then the same with a
    PostgreSQL restart at 40 % of the run."""
    from bot.state.engine import create, normalise_url
    from bot.state.migrate import upgrade
    from tests.postgres import running_server
    from tests.support import fake_slack

    texts = h.query_mix(h.QUERIES_PATH)
    figures: dict[str, Any] = {"requests": requests, "concurrency": concurrency}
    with (
        fake_slack() as fake,
        tempfile.TemporaryDirectory(prefix="immuno-scaleout-") as tmp,
        running_server() as pg,
    ):
        workdir = Path(tmp)
        env = h.server_env(fake, h.KNOWLEDGE_PATH, workdir, database="single")
        with h.running("single", h.PRODUCT_APP, env, workdir) as single:
            log(f"scale-out: single process, {requests} requests at concurrency {concurrency}")
            sends = plan(requests, texts, "1", 1)
            figures["single"] = run_phase("single", fake, [single], sends, concurrency)
        url = pg.create_database()
        engine = create(normalise_url(url))
        upgrade(engine)
        engine.dispose()
        env = {**h.server_env(fake, h.KNOWLEDGE_PATH, workdir), "DATABASE_URL": url}
        with (
            h.running("web1", h.PRODUCT_APP, env, workdir, workers=workers) as one,
            h.running("web2", h.PRODUCT_APP, env, workdir, workers=workers) as two,
        ):
            for name, tag, midway in (("shared", "2", None), ("restart", "3", pg.restart)):
                log(f"scale-out: 2 x {workers} workers on PostgreSQL, phase {name}")
                sends = plan(requests, texts, tag, 2)
                figures[name] = run_phase(name, fake, [one, two], sends, concurrency, midway=midway)
            figures["log_lines"] = _outage_lines([one, two])
    return figures


def _outage_lines(servers: list[h.Server]) -> list[str]:
    """The store's outage log lines: one per worker that met the outage, not one per request."""
    out = []
    for server in servers:
        text = server.log_path.read_text(encoding="utf-8", errors="replace")
        out += [ln for ln in text.splitlines() if "shared state" in ln]
    return out


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def format_report(figures: dict[str, Any]) -> str:
    rows = [
        "| Phase | Requests (+ retries) | Errors | Slash answered | Events answered once "
        "| Duplicate replies | Lost | 503 (db down) | Slack's later retry | p50 ms | p99 ms "
        "| slash p50 / p99 ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    titles = {
        "single": "1 process (the Procfile default: 1 worker), SQLite",
        "shared": "2 processes x 4 workers, PostgreSQL",
        "restart": "same, PostgreSQL restarted at 40 %",
    }
    for name in ("single", "shared", "restart"):
        p = figures.get(name)
        if not p:
            continue
        rows.append(
            f"| {titles[name]} | {p['requests']} (+{p['retries']}) | {p['errors']} | "
            f"{p['slash_answered']}/{p['slash_sent']} | {p['answered_once']}/{p['events']} | "
            f"{p['duplicate_replies']} | {p['lost']} | {p['refused_503']} | "
            f"{p['later_retries']} sent {p['later_retry_statuses'] or ''} | "
            f"{_ms(p['latency']['median_ms'])} | {_ms(p['latency']['p99_ms'])} | "
            f"{_ms(p['latency_slash']['median_ms'])} / {_ms(p['latency_slash']['p99_ms'])} |"
        )
    lines = [
        f"Scale-out: {figures['requests']} requests at concurrency {figures['concurrency']}, "
        "every event also delivered as a Slack retry to the other process",
        "",
        *rows,
    ]
    outage = figures.get("log_lines") or []
    lines += ["", f"Outage log lines from the bot (all workers): {len(outage)}"]
    lines += [f"    {line[:200]}" for line in outage[:10]]
    return "\n".join(lines)
