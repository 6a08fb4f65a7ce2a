"""Latency: what immuno adds on top of the cheapest possible Slack app, under the same server.

Why: users feel the time from pressing Enter to seeing the answer. Most of a slash command's
round trip is gunicorn, Bolt's signature check and routing, which any Slack app pays. So the
product is measured against two bare Bolt apps (bench/bare_app.py) served by the very same
Procfile `web:` command, with the same signed requests:

- floor: process_before_response=True, fixed replies (a lazy listener says the mention reply);
  what an app that does no work at all costs, configured as the product is;
- stock: Bolt's defaults (process_before_response=False), fixed replies; what a typical
  tutorial-style app costs.

Measured (sequential, one request at a time, interleaved request by request across the servers
so drift and noise hit all alike, after a warm-up):

- slash: time to the full HTTP response of a signed `/immuno <text>`, over a realistic mix of
  texts (bench/queries.yaml: names, brands, typos, questions, misses);
- mention: time from POSTing a signed app_mention event until the fake Slack receives the
  chat.postMessage for it (end to end; each event has its own channel so replies are matched);
- scale: the product's slash median at 10x and 100x knowledge against the floor;
- cold start: spawn to first answered slash command, product vs stock (median of 3).

Targets: slash median product/floor <= 1.5 at the shipped size; <= 2 at 100x; cold start
product/stock <= 1.5. The mention median is held to the same 1.5 against the floor.

Usage: ``python -m bench.latency [--requests N] [--smoke]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench import harness as h
from bench.bare_app import REPLY
from bench.scale import finish

TARGET_SLASH = 1.5
TARGET_MENTION = 1.5
TARGET_SCALE = 2.0
TARGET_COLD = 1.5
PRODUCT_EXPECT = "Pembrolizumab"  # the card for the cold-start query "pembrolizumab"

Log = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def _slash_round(
    servers: dict[str, h.Server],
    clients: dict[str, h.Client],
    texts: Sequence[str],
    times: dict[str, list[float]],
    errors: dict[str, int],
    deadline: float,
) -> None:
    """Each text to every server in turn (rotating who goes first), timing full responses."""
    names = list(servers)
    for i, text in enumerate(texts):
        if time.perf_counter() > deadline:
            break
        for name in names[i % len(names) :] + names[: i % len(names)]:
            status, _, seconds = clients[name].post(h.slash(text))
            if status == 200:
                times[name].append(seconds)
            else:
                errors[name] += 1


def measure_slash(
    servers: dict[str, h.Server], texts: Sequence[str], warmup: int, budget_s: float
) -> dict[str, Any]:
    """Interleaved slash commands; per server the response-time summary and error count."""
    clients = {name: h.Client(s.port) for name, s in servers.items()}
    try:
        scratch = {name: [] for name in servers}
        _slash_round(
            servers,
            clients,
            texts[:warmup],
            scratch,
            dict.fromkeys(servers, 0),
            time.perf_counter() + budget_s,
        )
        times: dict[str, list[float]] = {name: [] for name in servers}
        errors = dict.fromkeys(servers, 0)
        _slash_round(servers, clients, texts, times, errors, time.perf_counter() + budget_s)
    finally:
        for client in clients.values():
            client.close()
    return {name: {**h.summary_ms(times[name]), "errors": errors[name]} for name in servers}


def measure_mentions(
    servers: dict[str, h.Server],
    fake: Any,
    texts: Sequence[str],
    warmup: int,
    budget_s: float,
    reply_timeout: float = 10.0,
) -> dict[str, Any]:
    """Interleaved app_mention events; per server the HTTP ack time and the end-to-end time
    until the fake Slack received the reply, plus lost replies and errors."""
    tracker = h.PostTracker(fake)
    clients = {name: h.Client(s.port) for name, s in servers.items()}
    names = list(servers)
    seq = [0]

    def one(name: str, text: str) -> tuple[int, float, float | None]:
        seq[0] += 1
        channel = f"CLAT{seq[0]:07d}"
        request = h.mention(text, channel, f"EvLAT{seq[0]:08d}", seq[0])
        started = time.perf_counter()
        status, _, ack = clients[name].post(request)
        arrived = tracker.wait(channel, reply_timeout) if status == 200 else None
        return status, ack, (arrived - started) if arrived is not None else None

    acks: dict[str, list[float]] = {n: [] for n in names}
    ends: dict[str, list[float]] = {n: [] for n in names}
    lost = dict.fromkeys(names, 0)
    errors = dict.fromkeys(names, 0)
    deadline = time.perf_counter() + budget_s
    try:
        for text in texts[:warmup]:
            for name in names:
                one(name, text)
        for i, text in enumerate(texts):
            if time.perf_counter() > deadline:
                break
            for name in names[i % len(names) :] + names[: i % len(names)]:
                status, ack, end = one(name, text)
                if status != 200:
                    errors[name] += 1
                    continue
                acks[name].append(ack)
                if end is None:
                    lost[name] += 1
                else:
                    ends[name].append(end)
    finally:
        for client in clients.values():
            client.close()
    return {
        name: {
            "ack": h.summary_ms(acks[name]),
            "end_to_end": h.summary_ms(ends[name]),
            "lost": lost[name],
            "errors": errors[name],
        }
        for name in names
    }


def cold_starts(
    fake: Any, knowledge: Path, workdir: Path, repeats: int, timeout: float
) -> dict[str, Any]:
    """Spawn-to-first-answer for the product and the stock app, alternating, `repeats` each."""
    runs: dict[str, list[float]] = {"product": [], "stock": []}
    for rep in range(repeats):
        for name in ("product", "stock"):
            bare = name == "stock"
            env = h.server_env(
                fake,
                knowledge,
                workdir,
                bare_mode="default" if bare else None,
                database=f"cold-{name}-{rep}",
            )
            server = h.spawn(f"cold-{name}", h.BARE_APP if bare else h.PRODUCT_APP, env, workdir)
            try:
                runs[name].append(
                    h.first_answer(
                        server, "pembrolizumab", REPLY if bare else PRODUCT_EXPECT, timeout
                    )
                )
            finally:
                server.stop()
    out: dict[str, Any] = {}
    for name, values in runs.items():
        ordered = sorted(values)
        out[name] = {"runs_s": values, "median_s": ordered[len(ordered) // 2]}
    out["ratio"] = h.ratio(out["product"]["median_s"], out["stock"]["median_s"])
    return out


def cold_breakdown(knowledge: Path, workdir: Path, repeats: int) -> dict[str, float]:
    """Median seconds per start-up step over `repeats` fresh interpreters."""
    import statistics
    import subprocess

    runs: list[dict[str, float]] = []
    for rep in range(repeats):
        spec = json.dumps(
            {
                "knowledge": str(knowledge),
                "database": f"sqlite:///{workdir}/breakdown-{rep}.sqlite3",
            }
        )
        proc = subprocess.run(
            [sys.executable, "-m", "bench.cold_probe"],
            input=spec,
            capture_output=True,
            text=True,
            cwd=h.ROOT,
            timeout=120,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"cold probe failed:\n{proc.stderr[-1500:]}")
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return {name: statistics.median(r[name] for r in runs) for name in runs[0]}


def _scaled_path(factor: int, scaled: dict[int, Path] | None) -> Path:
    if scaled and factor in scaled:
        return scaled[factor]
    from bench.scale import OUT_DIR, generate

    return generate(factor, OUT_DIR / f"knowledge-{factor}x").path


def run(
    *,
    slash_requests: int = 1000,
    mention_requests: int = 300,
    scale_requests: int = 500,
    warmup: int = 30,
    factors: Sequence[int] = (10, 100),
    cold_repeats: int = 3,
    knowledge: Path = h.KNOWLEDGE_PATH,
    queries_path: Path | None = h.QUERIES_PATH,
    scaled: dict[int, Path] | None = None,
    budget_s: float = 240.0,
    boot_timeout: float = 300.0,
    log: Log = _quiet,
) -> dict[str, Any]:
    """All latency figures as a plain dict (see the module docstring for what each is)."""
    from tests.support import fake_slack

    texts = h.query_mix(queries_path)
    slash_stream = h.stream(texts, slash_requests)
    mention_stream = h.stream(texts, mention_requests, seed=11)
    scale_stream = h.stream(texts, scale_requests, seed=13)
    figures: dict[str, Any] = {
        "server": " ".join(h.procfile_web_command("<app>", 0)[1:]).replace(":0 ", ":<port> "),
        "requests": {
            "slash": slash_requests,
            "mention": mention_requests,
            "scale": scale_requests,
            "warmup": warmup,
        },
        "queries": len(texts),
    }
    with (
        fake_slack() as fake,
        tempfile.TemporaryDirectory(prefix="immuno-bench-") as tmp,
        ExitStack() as stack,
    ):
        workdir = Path(tmp)

        def start(name: str, path: Path, bare: str | None, timeout: float = 60.0) -> h.Server:
            env = h.server_env(fake, path, workdir, bare_mode=bare, database=name)
            app = h.BARE_APP if bare else h.PRODUCT_APP
            return stack.enter_context(h.running(name, app, env, workdir, ready_timeout=timeout))

        log("latency: starting product, stock and floor servers")
        product = start("product", knowledge, None)
        stock = start("stock", knowledge, "default")
        floor = start("floor", knowledge, "pbr")
        servers = {"product": product, "stock": stock, "floor": floor}
        log(f"latency: {slash_requests} slash commands x 3 servers")
        slash = measure_slash(servers, slash_stream, warmup, budget_s)
        log(f"latency: {mention_requests} mentions x 3 servers")
        mentions = measure_mentions(servers, fake, mention_stream, min(warmup, 10), budget_s)
        stock.stop()
        product.stop()
        p, f, s = (slash[n]["median_ms"] for n in ("product", "floor", "stock"))
        figures["slash"] = {
            **slash,
            "product_over_floor": h.ratio(p, f),
            "product_over_stock": h.ratio(p, s),
            "p99_product_over_floor": h.ratio(slash["product"]["p99_ms"], slash["floor"]["p99_ms"]),
        }
        e2e = {n: mentions[n]["end_to_end"]["median_ms"] for n in mentions}
        figures["mention"] = {
            **mentions,
            "product_over_floor": h.ratio(e2e["product"], e2e["floor"]),
            "product_over_stock": h.ratio(e2e["product"], e2e["stock"]),
        }

        figures["scale"] = {
            "1x": {"product_median_ms": p, "floor_median_ms": f, "ratio": h.ratio(p, f)}
        }
        for factor in factors:
            path = _scaled_path(factor, scaled)
            log(f"latency: product at {factor}x knowledge ({path})")
            started = time.perf_counter()
            big = h.spawn(
                f"product-{factor}x",
                h.PRODUCT_APP,
                h.server_env(fake, path, workdir, database=f"product-{factor}x"),
                workdir,
            )
            try:
                try:
                    big.ready_s = h.first_answer(big, "help", "", boot_timeout)
                except (TimeoutError, RuntimeError) as exc:
                    figures["scale"][f"{factor}x"] = {
                        "error": f"did not start: {h.boot_failure_reason(big)}",
                        "detail": str(exc)[-600:],
                    }
                    continue
                pair = {"product": big, "floor": floor}
                result = measure_slash(pair, scale_stream, warmup, budget_s)
                figures["scale"][f"{factor}x"] = {
                    "product_median_ms": result["product"]["median_ms"],
                    "product_p99_ms": result["product"]["p99_ms"],
                    "floor_median_ms": result["floor"]["median_ms"],
                    "ratio": h.ratio(result["product"]["median_ms"], result["floor"]["median_ms"]),
                    "errors": result["product"]["errors"],
                    "boot_s": big.ready_s,
                    "wall_s": time.perf_counter() - started,
                }
            finally:
                big.stop()
        floor.stop()

        if cold_repeats:
            log(f"latency: cold starts, {cold_repeats} each")
            figures["cold"] = cold_starts(fake, knowledge, workdir, cold_repeats, 120.0)
            figures["cold"]["breakdown_s"] = cold_breakdown(knowledge, workdir, cold_repeats)
    last = f"{factors[-1]}x" if factors else "1x"
    figures["targets"] = {
        "slash": {"value": figures["slash"]["product_over_floor"], "target": TARGET_SLASH},
        "mention": {"value": figures["mention"]["product_over_floor"], "target": TARGET_MENTION},
        "scale": {
            "value": figures["scale"].get(last, {}).get("ratio"),
            "target": TARGET_SCALE,
            "at": last,
        },
        "cold": {"value": (figures.get("cold") or {}).get("ratio"), "target": TARGET_COLD},
    }
    for check in figures["targets"].values():
        check["met"] = check["value"] is not None and check["value"] <= check["target"]
    return figures


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _x(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}x"


def format_report(figures: dict[str, Any]) -> str:
    """Tables of the latency figures, with the targets."""
    lines = [
        f"Latency (gunicorn: {figures['server']})",
        "",
        "slash command, full HTTP response (ms):",
    ]
    slash = figures["slash"]
    for name in ("product", "floor", "stock"):
        s = slash[name]
        lines.append(
            f"  {name:<8} median {_ms(s['median_ms']):>7}  p99 {_ms(s['p99_ms']):>7}"
            f"  n={s['n']}  errors={s['errors']}"
        )
    lines.append(
        f"  product/floor {_x(slash['product_over_floor'])} (target <= "
        f"{TARGET_SLASH}x), product/stock {_x(slash['product_over_stock'])}"
    )
    lines += ["", "app_mention, POST to chat.postMessage received (ms):"]
    mention = figures["mention"]
    for name in ("product", "floor", "stock"):
        m = mention[name]
        lines.append(
            f"  {name:<8} median {_ms(m['end_to_end']['median_ms']):>7}  p99 "
            f"{_ms(m['end_to_end']['p99_ms']):>7}  (ack median "
            f"{_ms(m['ack']['median_ms'])})  lost={m['lost']}  errors={m['errors']}"
        )
    lines.append(
        f"  product/floor {_x(mention['product_over_floor'])} (target <= "
        f"{TARGET_MENTION}x), product/stock {_x(mention['product_over_stock'])}"
    )
    lines += ["", "knowledge size, slash median product vs floor:"]
    for size, s in figures["scale"].items():
        if "error" in s:
            lines.append(f"  {size:<5} {s['error']}")
            continue
        boot = f", product boot {s['boot_s']:.1f} s" if s.get("boot_s") else ""
        lines.append(
            f"  {size:<5} product {_ms(s['product_median_ms'])} ms, floor "
            f"{_ms(s['floor_median_ms'])} ms: {_x(s['ratio'])}{boot}"
        )
    cold = figures.get("cold")
    if cold:
        lines += [
            "",
            "cold start, spawn to first answered slash command (s, median of "
            f"{len(cold['product']['runs_s'])}):",
            f"  product {cold['product']['median_s']:.2f} "
            f"(runs {', '.join(f'{v:.2f}' for v in cold['product']['runs_s'])})",
            f"  stock   {cold['stock']['median_s']:.2f} "
            f"(runs {', '.join(f'{v:.2f}' for v in cold['stock']['runs_s'])})",
            f"  product/stock {_x(cold['ratio'])} (target <= {TARGET_COLD}x)",
        ]
        breakdown = cold.get("breakdown_s") or {}
        if breakdown:
            lines.append(
                "  product start-up steps in a fresh interpreter (s, median): "
                + ", ".join(f"{k} {v:.3f}" for k, v in breakdown.items())
            )
    lines += [
        "",
        "targets: "
        + "; ".join(
            f"{name} {_x(t['value'])} <= {t['target']}x: {'met' if t['met'] else 'NOT met'}"
            for name, t in figures["targets"].items()
        ),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.latency", description=__doc__.split("\n", 1)[0]
    )
    parser.add_argument("--requests", type=int, default=1000, help="slash commands per server")
    parser.add_argument("--mentions", type=int, default=300, help="mentions per server")
    parser.add_argument(
        "--factors",
        default="10,100",
        help="knowledge sizes for the scale ratio (comma-separated; empty for none)",
    )
    parser.add_argument("--smoke", action="store_true", help="50 requests, 2x, one cold start")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if args.smoke:
        figures = run(
            slash_requests=50,
            mention_requests=20,
            scale_requests=30,
            warmup=5,
            factors=(2,),
            cold_repeats=1,
            log=log,
        )
    else:
        factors = tuple(int(f) for f in args.factors.split(",") if f.strip())
        figures = run(
            slash_requests=args.requests, mention_requests=args.mentions, factors=factors, log=log
        )
    return finish(format_report(figures), figures, args.json)


if __name__ == "__main__":
    sys.exit(main())
