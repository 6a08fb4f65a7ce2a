"""`python -m bench [--smoke]`: every benchmark, one summary table, the figures in bench/README.md.

Why one command: numbers are only comparable when they come from the same run on the same
machine, so quality, clinical questions, scale, latency and load run together and the summary
records the command, the date and the machine beside the figures. `--smoke` runs tiny sizes
(under a minute) to prove the machinery works; it never writes bench/README.md, since its figures
mean nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "bench" / "README.md"
START, END = "<!-- figures:start -->", "<!-- figures:end -->"

Log = Callable[[str], None]


@dataclass(frozen=True)
class Row:
    """One line of the summary: a metric, its value, the target (if any) and whether it is met."""

    metric: str
    value: str
    target: str = "-"
    met: bool | None = None

    @property
    def verdict(self) -> str:
        return {True: "yes", False: "NO", None: "-"}[self.met]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _x(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}x"


def _le(value: float | None, target: float) -> bool | None:
    return None if value is None else value <= target


# -- the parts ----------------------------------------------------------------------------------


def quality_part(smoke: bool) -> tuple[dict[str, Any] | None, list[Row], str]:
    """bench.quality, when it exists (it is written separately)."""
    try:
        from bench import quality
    except ImportError as exc:
        return None, [Row("quality", f"skipped: bench.quality not importable ({exc})")], ""
    limit = getattr(quality, "SMOKE_LIMIT", 30) if smoke else None
    figures = quality.run(quality.QUERIES_PATH, quality.KNOWLEDGE_PATH, limit)
    systems = figures.get("systems", {})
    product, exact, fuzzy = (systems.get(n, {}) for n in ("product", "exact", "fuzzy"))
    targets = figures.get("targets", {})
    top1 = getattr(quality, "TARGET_TOP1", 0.97)
    oos = getattr(quality, "TARGET_OOS_PRECISION", 0.95)
    rows = [
        Row(
            f"quality: top-1 accuracy, in scope ({figures.get('in_scope', '?')} queries)",
            _pct(product.get("top1")),
            f">= {top1:.0%}",
            targets.get("top1"),
        ),
        Row(
            f"quality: out-of-scope precision ({figures.get('out_of_scope', '?')} queries)",
            _pct(product.get("oos_precision")),
            f">= {oos:.0%}",
            targets.get("oos_precision"),
        ),
        Row(
            "quality: overall accuracy, product / exact / fuzzy baseline",
            f"{_pct(product.get('overall'))} / {_pct(exact.get('overall'))} / "
            f"{_pct(fuzzy.get('overall'))}",
            "ahead of both",
            None
            if "ahead_of_exact" not in targets
            else bool(targets.get("ahead_of_exact") and targets.get("ahead_of_fuzzy")),
        ),
    ]
    report = (
        quality.format_report(figures, smoke=smoke) if hasattr(quality, "format_report") else ""
    )
    figures.pop("results", None)  # every query's predictions: too long for the summary
    return figures, rows, report


def clinical_part(smoke: bool) -> tuple[dict[str, Any], list[Row], str]:
    """bench.clinical on the development set, and the held-out set as figures only."""
    from bench import clinical

    limit = clinical.SMOKE_LIMIT if smoke else None
    index = clinical.Index.build(clinical.load(clinical.KNOWLEDGE_PATH))
    dev = clinical.run(clinical.SET_PATH, limit=limit, index=index)
    holdout = clinical.run(clinical.HOLDOUT_PATH, limit=limit, index=index)
    overall, t = dev["overall"], dev["targets"]

    def share(key: str) -> str:
        part = overall[key]
        return f"{_pct(part['rate'])} ({part['hits']}/{part['of']})"

    length = overall["length"]
    held = holdout["overall"]
    rows = [
        Row("clinical: right entry, in scope", share("entry"), ">= 95%", t["entry"]),
        Row("clinical: right grade", share("grade"), ">= 95%", t["grade"]),
        Row("clinical: right intent", share("intent")),
        Row(
            "clinical: answer in the first block", share("first_block"), ">= 90%", t["first_block"]
        ),
        Row(
            "clinical: first reply length median / p90 (chars)",
            f"{_num(length['median'], 0)} / {_num(length['p90'], 0)}",
            "median <= 1200",
            t["median_length"],
        ),
        Row("clinical: opposite answers", str(overall["opposite"]), "0", t["opposite"]),
        Row("clinical: out-of-scope precision", share("oos_precision")),
        Row(
            "clinical held-out: entry / grade / first block / median chars / opposite",
            f"{_pct(held['entry']['rate'])} / {_pct(held['grade']['rate'])} / "
            f"{_pct(held['first_block']['rate'])} / {_num(held['length']['median'], 0)} / "
            f"{held['opposite']}",
            "same targets",
            holdout["targets"]["met"],
        ),
    ]
    report = clinical.format_report(dev, smoke=smoke)
    # The held-out set is read for its figures, not its failures: listing them invites tuning.
    holdout.pop("failures")
    return {"set": dev, "holdout": holdout}, rows, report


def _under(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def scale_part(
    smoke: bool, out_dir: Path | None, log: Log
) -> tuple[dict[str, Any], list[Row], str]:
    from bench import scale

    factors = (1, 2) if smoke else (1, 10, 100)
    figures = scale.run(
        factors, rounds=1 if smoke else 5, out_dir=out_dir or scale.OUT_DIR, log=log
    )
    sizes = figures["sizes"]
    names = " / ".join(sizes)

    def each(get: Callable[[dict[str, Any]], float | None], digits: int) -> str:
        return " / ".join(_num(get(s), digits) for s in sizes.values())

    rows = [
        Row(f"scale: entries, {names}", " / ".join(str(s["entries"]) for s in sizes.values())),
        Row(
            f"scale: first load, full validation + index (s), {names}",
            each(lambda s: s["load_total_s"], 2),
        ),
        Row(
            f"scale: restart from the validated snapshot + index (s), {names}",
            each(lambda s: s.get("restart_s"), 2),
            "<= 2 s at the largest",
            _under(list(sizes.values())[-1].get("restart_s"), 2.0),
        ),
        Row(
            f"scale: resident memory before -> after loading (MB), {names}",
            " / ".join(
                f"{s['rss_before_mb']:.0f} -> {s['rss_after_mb']:.0f}" for s in sizes.values()
            ),
        ),
        Row(f"scale: resolve median (ms), {names}", each(lambda s: s["resolve"]["median_ms"], 3)),
        Row(
            f"scale: resolve p99 (ms), {names}",
            each(lambda s: s["resolve"]["p99_ms"], 2),
            "<= 2 ms at the largest",
            _under(list(sizes.values())[-1]["resolve"]["p99_ms"], 2.0),
        ),
        Row(
            f"scale: full answer median (ms), {names}", each(lambda s: s["answer"]["median_ms"], 3)
        ),
        Row(f"scale: full answer p99 (ms), {names}", each(lambda s: s["answer"]["p99_ms"], 2)),
        Row(
            f"scale: exact name/brand/alias resolve median, {names}",
            each(lambda s: s["by_shape"].get("name", {}).get("resolve", {}).get("median_ms"), 3)
            + " ms",
        ),
        Row(
            f"scale: exact-hit median growth {figures['from']} -> {figures['to']} "
            f"(entries x{figures['growth']['entries']:.0f})",
            _x(figures["growth"].get("name_resolve_median")),
            f"<= {figures['target_exact_growth']:g}x",
            figures["exact_target_met"],
        ),
    ]
    return figures, rows, scale.format_report(figures)


def latency_part(
    smoke: bool, scaled: dict[int, Path], log: Log
) -> tuple[dict[str, Any], list[Row], str]:
    from bench import latency

    if smoke:
        figures = latency.run(
            slash_requests=20,
            mention_requests=10,
            scale_requests=10,
            warmup=3,
            factors=tuple(scaled),
            cold_repeats=1,
            scaled=scaled,
            log=log,
        )
    else:
        figures = latency.run(factors=tuple(scaled), scaled=scaled, log=log)
    slash, mention = figures["slash"], figures["mention"]
    rows = [
        Row(
            "latency: slash median product / floor / stock (ms)",
            " / ".join(_num(slash[n]["median_ms"]) for n in ("product", "floor", "stock")),
        ),
        Row(
            "latency: slash p99 product / floor / stock (ms)",
            " / ".join(_num(slash[n]["p99_ms"]) for n in ("product", "floor", "stock")),
        ),
        Row(
            "latency: slash median product/floor, shipped knowledge",
            _x(slash["product_over_floor"]),
            f"<= {latency.TARGET_SLASH}x",
            _le(slash["product_over_floor"], latency.TARGET_SLASH),
        ),
        Row("latency: slash median product/stock", _x(slash["product_over_stock"])),
        Row(
            "latency: mention end-to-end median product / floor / stock (ms)",
            " / ".join(
                _num(mention[n]["end_to_end"]["median_ms"]) for n in ("product", "floor", "stock")
            ),
        ),
        Row(
            "latency: mention end-to-end p99 product / floor / stock (ms)",
            " / ".join(
                _num(mention[n]["end_to_end"]["p99_ms"]) for n in ("product", "floor", "stock")
            ),
        ),
        Row(
            "latency: mention end-to-end median product/floor",
            _x(mention["product_over_floor"]),
            f"<= {latency.TARGET_MENTION}x",
            _le(mention["product_over_floor"], latency.TARGET_MENTION),
        ),
        Row("latency: mention end-to-end median product/stock", _x(mention["product_over_stock"])),
    ]
    last = max(scaled) if scaled else None
    for factor in sorted(scaled):
        s = figures["scale"].get(f"{factor}x", {})
        is_last = factor == last
        value = (
            s["error"]
            if "error" in s
            else (
                f"{_x(s.get('ratio'))} ({_num(s.get('product_median_ms'))} vs "
                f"{_num(s.get('floor_median_ms'))} ms)"
            )
        )
        rows.append(
            Row(
                f"latency: slash median product/floor at {factor}x knowledge",
                value,
                f"<= {latency.TARGET_SCALE}x" if is_last else "-",
                _le(s.get("ratio"), latency.TARGET_SCALE) if is_last else None,
            )
        )
    cold = figures.get("cold")
    if cold:
        rows += [
            Row(
                "latency: cold start to first answer, product / stock (s)",
                f"{cold['product']['median_s']:.2f} / {cold['stock']['median_s']:.2f}",
            ),
            Row(
                "latency: cold start product/stock",
                _x(cold["ratio"]),
                f"<= {latency.TARGET_COLD}x",
                _le(cold["ratio"], latency.TARGET_COLD),
            ),
        ]
        steps = {k: v for k, v in (cold.get("breakdown_s") or {}).items() if "any app" not in k}
        if steps:
            top = sorted(steps.items(), key=lambda kv: -kv[1])[:3]
            rows.append(
                Row(
                    f"latency: product-only start-up steps, largest 3 of "
                    f"{sum(steps.values()):.2f} s",
                    ", ".join(f"{k} {v:.2f} s" for k, v in top),
                )
            )
    return figures, rows, latency.format_report(figures)


def load_part(smoke: bool, log: Log) -> tuple[dict[str, Any], list[Row], str]:
    from bench import load

    # smoke: enough for every kind of request and a few injected faults (about 30 mentions)
    requests, concurrency, slow = (100, 8, 8) if smoke else (10_000, 32, 64)
    figures = load.run(
        requests=requests,
        concurrency=concurrency,
        slow=slow,
        slow_requests=30 if smoke else 1000,
        log=log,
    )
    clean, faults = figures["clean"], figures["faults"]

    def pair(key: str) -> str:
        return f"{clean[key]} / {faults[key]}"

    def zero(key: str) -> bool:
        return clean[key] == 0 and faults[key] == 0

    where = f"{requests} requests at concurrency {concurrency}; clean / with faults"
    rows = [
        Row(f"load: errors ({where})", pair("errors"), "0", zero("errors")),
        Row(
            f"load: lost replies of {clean['mentions']} mentions",
            pair("lost_replies"),
            "0",
            zero("lost_replies"),
        ),
        Row("load: duplicate replies", pair("duplicate_replies"), "0", zero("duplicate_replies")),
        Row("load: responses slower than Slack's 3 s", pair("over_3s"), "0", zero("over_3s")),
        Row(
            "load: HTTP p50 / p99 (ms), clean",
            f"{_num(clean['latency']['median_ms'], 1)} / {_num(clean['latency']['p99_ms'], 1)}",
        ),
        Row(
            "load: HTTP p50 / p99 (ms), with faults",
            f"{_num(faults['latency']['median_ms'], 1)} / {_num(faults['latency']['p99_ms'], 1)}",
        ),
        Row(
            "load: throughput (requests/s), clean / with faults",
            f"{_num(clean['throughput_rps'], 0)} / {_num(faults['throughput_rps'], 0)}",
        ),
        Row(
            "load: chat.postMessage calls failed by the fake Slack (500 / 429 / reset)",
            f"{faults['faults_injected']} of {faults['post_calls']} ({faults['fault_rate']:.1%})",
            "~10%",
        ),
    ]
    held = figures.get("slow")
    if held:
        p99 = held["latency"]["p99_ms"]
        rows.append(
            Row(
                f"load: slash p99 (ms) with {held['slow_connections']} slow or idle connections "
                f"open ({held['ok']} of {held['requests']} answered)",
                _num(p99, 1),
                "< 1000 ms",
                p99 is not None and p99 < 1000 and held["errors"] == 0,
            )
        )
    return figures, rows, load.format_report(figures)


# -- running and reporting ------------------------------------------------------------------------


def collect(smoke: bool, *, out_dir: Path | None = None, log: Log | None = None) -> dict[str, Any]:
    """Run every part; a part that crashes is reported as such and the others still run."""
    log = log or (lambda m: print(m, file=sys.stderr, flush=True))
    results: dict[str, Any] = {}
    rows: list[Row] = []
    reports: dict[str, str] = {}
    failed: list[str] = []
    started = time.perf_counter()
    scaled: dict[int, Path] = {}

    def part(name: str, call: Callable[[], tuple[Any, list[Row], str]]) -> None:
        log(f"== {name}")
        t0 = time.perf_counter()
        try:
            figures, part_rows, report = call()
        except Exception as exc:
            failed.append(name)
            rows.append(Row(name, f"FAILED: {type(exc).__name__}: {exc}"[:200], "runs", False))
            reports[name] = traceback.format_exc()
            return
        results[name] = figures
        rows.extend(part_rows)
        reports[name] = report
        log(f"== {name} done in {time.perf_counter() - t0:.0f} s")

    part("quality", lambda: quality_part(smoke))
    part("clinical", lambda: clinical_part(smoke))

    def scale_call() -> tuple[Any, list[Row], str]:
        figures, part_rows, report = scale_part(smoke, out_dir, log)
        for name, size in figures["sizes"].items():
            if name != "1x" and "path" in size:
                scaled[int(name.rstrip("x"))] = Path(size["path"])
        return figures, part_rows, report

    part("scale", scale_call)
    part("latency", lambda: latency_part(smoke, scaled, log))
    part("load", lambda: load_part(smoke, log))
    return {
        "results": results,
        "rows": rows,
        "reports": reports,
        "failed": failed,
        "seconds": time.perf_counter() - started,
        "smoke": smoke,
    }


def machine() -> str:
    return (
        f"{os.cpu_count()} cores (nproc), Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}"
    )


def table(rows: list[Row]) -> str:
    """The summary as aligned text."""
    header = Row("metric", "value", "target", None)
    cells = [(r.metric, r.value, r.target, r.verdict) for r in rows]
    widths = [
        max(len(c[i]) for c in [(header.metric, "value", "target", "met?"), *cells])
        for i in range(4)
    ]
    lines = [
        "  ".join(
            h.ljust(widths[i]) for i, h in enumerate(("metric", "value", "target", "met?"))
        ).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c[i].ljust(widths[i]) for i in range(4)).rstrip() for c in cells]
    return "\n".join(lines)


def markdown(run: dict[str, Any], command: str, when: dt.datetime) -> str:
    """The figures block for bench/README.md."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [
        f"`{command}` on {when:%Y-%m-%d %H:%M} UTC, {machine()}; took "
        f"{run['seconds'] / 60:.1f} min.",
        "",
        "| Metric | Value | Target | Met? |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {cell(r.metric)} | {cell(r.value)} | {cell(r.target)} | {r.verdict} |"
        for r in run["rows"]
    ]
    lines += ["", "<details><summary>Full reports</summary>", "", "```text"]
    lines += [
        "\n\n".join(text for text in run["reports"].values() if text),
        "```",
        "",
        "</details>",
    ]
    return "\n".join(lines)


def write_readme(block: str, path: Path = README) -> None:
    """Replace what is between the figures markers (adding them if missing)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    section = f"{START}\n{block}\n{END}"
    if START in text and END in text:
        text = re.sub(
            re.escape(START) + r".*?" + re.escape(END), lambda _: section, text, flags=re.S
        )
    else:
        text = text.rstrip("\n") + f"\n\n## Latest figures\n\n{section}\n"
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny sizes (under a minute); does not write bench/README.md",
    )
    args = parser.parse_args(argv)
    command = "python -m bench" + (" --smoke" if args.smoke else "")
    when = dt.datetime.now(dt.UTC)
    run = collect(args.smoke)
    for name, report in run["reports"].items():
        if report:
            print(f"\n=== {name}\n{report}")
    note = " (smoke: tiny sizes, targets are judged on a full run)" if args.smoke else ""
    print(f"\n=== summary{note}")
    print(f"{command}, {when:%Y-%m-%d %H:%M} UTC, {machine()}, {run['seconds']:.0f} s")
    print(table(run["rows"]))
    if not args.smoke:
        write_readme(markdown(run, command, when))
        print(f"\nfigures written to {README.relative_to(ROOT)}")
    if run["failed"]:
        print(f"\nparts that failed: {', '.join(run['failed'])}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
