"""The local shell: lines in, readable replies out, through the same routing as Slack."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from conftest import KNOWLEDGE, ROOT

from bot.shell import Shell
from bot.store import KnowledgeStore


def run_shell(*lines: str) -> str:
    out = io.StringIO()
    Shell(KnowledgeStore(KNOWLEDGE), out).run(io.StringIO("\n".join(lines) + "\n"))
    return out.getvalue()


def test_slash_and_mention_lines_get_readable_cards() -> None:
    out = run_shell("/immuno keytruda", "@immuno what are the side effects of nivolumab?")
    assert "Pembrolizumab (Keytruda" in out
    assert "Nivolumab (Opdivo" in out and "Serious:" in out
    assert "not medical advice" in out
    assert "<http" not in out and "*" not in out.split("Buttons")[0].split("\n")[2]


def test_numbers_press_buttons() -> None:
    out = run_shell("colitis", "1")
    assert out.count("Immune-related colitis / diarrhea\n====") == 2
    assert "Management by grade" in out


def test_choices_can_be_pressed() -> None:
    out = run_shell("lung cancer", "2")
    assert "could mean several entries" in out
    assert "Small cell lung cancer\n=====" in out


def test_miss_and_quit() -> None:
    out = run_shell("aspirin", "quit", "keytruda")
    assert "No entry for “aspirin”" in out
    assert "Keytruda" not in out.split("quit")[1]


def test_run_command_starts_the_shell_without_tokens(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        input="/immuno crs\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Cytokine release syndrome (CRS)" in result.stdout


def test_bad_configuration_fails_at_start_with_one_line(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": "xoxb-1",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "immuno: configuration error: SLACK_SIGNING_SECRET is not set: copy it from Slack app > "
        "Basic Information > Signing Secret (needed for HTTP mode)"
    ]


def test_preview_prints_text_json_and_builder_link(capsys) -> None:
    from bot.cli import main

    assert main(["preview", "crs", "--section", "management", "--path", str(KNOWLEDGE)]) == 0
    out = capsys.readouterr().out
    assert "Cytokine release syndrome (CRS)" in out
    assert "--- Block Kit JSON ---" in out and '"type": "header"' in out
    assert "https://app.slack.com/block-kit-builder/#" in out


def test_list_pages_turn_with_numbers() -> None:
    out = run_shell("list drugs", "1")
    first, second = out.split("immuno> 1")
    assert "page 1 of" in first and "[Next ›]" in first
    assert "page 2 of" in second and "[‹ Previous]" in second


def test_compare_prints_its_table_from_the_attachment() -> None:
    out = run_shell("compare pembro nivo")
    assert "pembrolizumab vs nivolumab" in out
    assert any(line.startswith("Target") and "PD-1" in line for line in out.splitlines())


def test_grade_asks_each_field_and_shows_the_grade_with_its_rule() -> None:
    out = run_shell("grade colitis", "8", "", "quit")
    assert "Stools per day over baseline" in out
    assert "Grade 3 Immune-related colitis" in out and "≥7/day" in out


def test_grade_asks_again_after_a_bad_value() -> None:
    out = run_shell("grade colitis", "lots", "8", "", "quit")
    assert "Enter a number" in out and "Grade 3 Immune-related colitis" in out


def test_a_question_starting_with_grade_stays_a_question() -> None:
    out = run_shell("grade 3 colitis what to do", "quit")
    assert "Leave a field blank" not in out


def test_the_readme_transcript_is_what_the_shell_prints() -> None:
    """The README shows three clinical questions and their replies: they must be the replies
    the bot gives today (the transcript is replayed line by line through the shell)."""
    readme = (KNOWLEDGE.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("immuno> 8 watery stools")
    shown = readme[start : readme.index("immuno> quit", start) + len("immuno> quit")]
    asked = [
        line.removeprefix("immuno> ") for line in shown.splitlines() if line.startswith("immuno> ")
    ]
    printed = run_shell(*asked)
    assert printed.rstrip("\n").endswith("immuno> quit")
    assert shown in printed
