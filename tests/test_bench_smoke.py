"""The speed benchmarks run end to end at smoke sizes, and their figures are sane.

Why: a benchmark nobody runs rots, and a full `python -m bench` takes minutes. This runs every
part at tiny sizes (quality, scale, latency against real gunicorn servers, load with injected
Slack faults) exactly as `python -m bench --smoke` does, without writing bench/README.md, and
checks that the numbers exist, are positive, and that no request failed or reply was doubled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import __main__ as bench_main
from bench import harness

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return bench_main.collect(True, out_dir=tmp_path_factory.mktemp("scale"), log=lambda _: None)


def test_every_part_ran(smoke: dict[str, Any]) -> None:
    assert smoke["failed"] == [], smoke["reports"]
    assert {"quality", "clinical", "scale", "latency", "load"} <= set(smoke["results"])
    assert all(row.value and "FAILED" not in row.value for row in smoke["rows"])


def test_scale_figures_are_sane(smoke: dict[str, Any]) -> None:
    sizes = smoke["results"]["scale"]["sizes"]
    assert set(sizes) == {"1x", "2x"}
    assert sizes["2x"]["entries"] == 2 * sizes["1x"]["entries"]
    for size in sizes.values():
        assert size["load_total_s"] > 0
        assert size["rss_after_mb"] > size["rss_before_mb"] > 0
        for measure in ("resolve", "answer"):
            assert 0 < size[measure]["median_ms"] <= size[measure]["p99_ms"]
        assert size["by_shape"]["name"]["queries"] > 0
    assert smoke["results"]["scale"]["growth"]["name_resolve_median"] > 0


def test_latency_figures_are_sane(smoke: dict[str, Any]) -> None:
    figures = smoke["results"]["latency"]
    for name in ("product", "floor", "stock"):
        assert figures["slash"][name]["errors"] == 0
        assert 0 < figures["slash"][name]["median_ms"] <= figures["slash"][name]["p99_ms"]
        mention = figures["mention"][name]
        assert mention["errors"] == 0 and mention["lost"] == 0
        assert mention["end_to_end"]["median_ms"] > 0
    assert figures["slash"]["product_over_floor"] > 0
    assert figures["scale"]["2x"]["ratio"] > 0
    assert all(v > 0 for v in figures["cold"]["product"]["runs_s"])
    assert all(v > 0 for v in figures["cold"]["stock"]["runs_s"])
    breakdown = figures["cold"]["breakdown_s"]
    assert breakdown["build index"] > 0 and breakdown["import bot modules"] > 0
    assert any(step.startswith("load knowledge") for step in breakdown)


def test_load_loses_and_doubles_nothing(smoke: dict[str, Any]) -> None:
    figures = smoke["results"]["load"]
    clean, faults = figures["clean"], figures["faults"]
    for phase in (clean, faults):
        assert phase["errors"] == 0, phase["error_kinds"]
        assert phase["ok"] == phase["requests"]
        assert phase["mentions"] > 0
        assert phase["duplicate_replies"] == 0, (phase["phase"], phase["duplicate_examples"])
        assert phase["latency"]["median_ms"] > 0
    assert clean["lost_replies"] == 0, clean["lost_examples"]
    assert faults["faults_injected"] > 0
    # With faults, a reply may only be lost loudly: after retries, with the failure logged.
    assert faults["lost_replies"] == faults["send_failures_logged"], (
        faults["lost_examples"],
        faults["send_failure_lines"],
    )


def test_smoke_mode_does_not_write_the_readme(
    smoke: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = bench_main.README.read_text(encoding="utf-8")
    monkeypatch.setattr(bench_main, "collect", lambda *_a, **_k: smoke)
    assert bench_main.main(["--smoke"]) == 0
    assert bench_main.README.read_text(encoding="utf-8") == before
    out = capsys.readouterr().out
    assert "=== summary" in out and "latency: slash median product/floor" in out


def test_readme_figures_replace_only_the_marked_block(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# B\n\nintro\n\n{bench_main.START}\nold\n{bench_main.END}\n\nafter\n")
    bench_main.write_readme("new figures", readme)
    text = readme.read_text()
    assert "new figures" in text and "old" not in text
    assert text.startswith("# B\n\nintro") and text.rstrip().endswith("after")


def test_servers_use_the_procfile_command_on_loopback() -> None:
    command = harness.procfile_web_command("bench.bare_app:application", 4321)
    assert Path(command[0]).name == "gunicorn"
    assert command[1] == "bench.bare_app:application"
    assert command[command.index("--bind") + 1] == "127.0.0.1:4321"
    assert command[command.index("--workers") + 1] == "1"
    assert command[command.index("--config") + 1] == "python:bot.slack.gunicorn_settings"


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert harness.percentile(values, 0.99) == 99.0
    assert harness.percentile(values, 0.5) == 50.0
    assert harness.percentile([3.0], 0.99) == 3.0
