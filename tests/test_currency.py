"""`/immuno about` and the App Home say how current the knowledge is: drugs pinned to their
labels, drift at the last `python -m bot drift`, and what changed in the last 30 days."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

from bot import render, views
from bot.knowledge import Knowledge
from bot.loading import load_knowledge
from tests.test_validate import CLASS, DRUG, write

TODAY = dt.date.today()


def knowledge_in(root: Path, unpinned: bool = False) -> Path:
    folder = root / "knowledge"
    drug = DRUG.split("    label:")[0] if unpinned else DRUG
    write(folder, "a.yaml", drug.replace("2026-01-01", TODAY.isoformat()))
    write(folder, "b.yaml", CLASS.replace("2026-01-01", TODAY.isoformat()))
    return folder


def load(folder: Path) -> Knowledge:
    result = load_knowledge(folder, with_version=False)
    assert result.knowledge is not None
    return result.knowledge


def about_text(knowledge: Knowledge) -> str:
    return json.dumps(render.about(knowledge).blocks, ensure_ascii=False)


def record_check(root: Path, drifted: list[str]) -> None:
    state = {"checked_at": "2026-12-01 06:00 UTC", "checked": 1, "unreadable": 0}
    write(root / ".immuno-cache", "drift.json", json.dumps({**state, "drifted": drifted}))


def test_about_counts_pinned_drugs_and_the_last_drift(tmp_path: Path) -> None:
    record_check(tmp_path, ["testumab"])
    text = about_text(load(knowledge_in(tmp_path)))
    assert "*Pinned to labels*\\n1 of 1 drugs" in text
    assert "*Label drift*\\n1 drifted at the last check (2026-12-01 06:00 UTC): testumab" in text


def test_about_without_a_drift_check_says_so(tmp_path: Path) -> None:
    text = about_text(load(knowledge_in(tmp_path, unpinned=True)))
    assert "*Pinned to labels*\\n0 of 1 drugs" in text
    assert "not checked on this server yet (python -m bot drift)" in text


def test_home_shows_pinned_and_drifted(tmp_path: Path) -> None:
    record_check(tmp_path, [])
    home = json.dumps(views.home(load(knowledge_in(tmp_path)))["blocks"])
    assert "Labels: *1 of 1* drugs pinned to their US label; 0 drifted at the last check" in home


def git(root: Path, *args: str, days_ago: int = 0) -> None:
    when = (dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%S")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
    }
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def test_what_changed_comes_from_git(tmp_path: Path) -> None:
    folder = knowledge_in(tmp_path)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "Add testumab <!channel>", days_ago=40)
    (folder / "b.yaml").write_text(
        (folder / "b.yaml").read_text().replace("A test class.", "A tested class.")
    )
    git(tmp_path, "commit", "-qam", "Reword the test class", days_ago=3)
    text = about_text(load(folder))
    day = (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).date().isoformat()
    assert f"*What changed in the last 30 days*\\n• {day} — Reword the test class" in text
    assert "Add testumab" not in text


def test_what_changed_falls_back_to_the_changelog(tmp_path: Path) -> None:
    recent, old = TODAY - dt.timedelta(days=2), TODAY - dt.timedelta(days=45)
    write(
        tmp_path,
        "CHANGELOG.md",
        "# Changelog\n\n## Unreleased\n\n### Added\n- Label drift watch, wrapped\n  over two"
        f" lines\n  - a nested detail\n\n## 1.1 ({recent})\n- Pinned drugs to labels\n"
        f"* Added reviewed_by\n\n## [1.0] - {old}\n- Something older\n",
    )
    text = about_text(load(knowledge_in(tmp_path)))
    assert (
        "• unreleased — Label drift watch, wrapped over two lines\\n"
        f"• {recent} — Pinned drugs to labels\\n• {recent} — Added reviewed_by"
    ) in text
    assert "Something older" not in text and "nested" not in text


def test_no_history_at_all_is_said_not_failed(tmp_path: Path) -> None:
    text = about_text(load(knowledge_in(tmp_path)))
    assert "No change history here (not a git checkout, no CHANGELOG.md)." in text
