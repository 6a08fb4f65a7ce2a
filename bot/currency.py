"""How current the knowledge is: labels pinned, drift at the last check, and recent changes.

`/immuno about` and the App Home show this so a reader can judge how far to trust an answer.
Everything here is read locally (the drift state file written by `python -m bot drift`, the git
history of knowledge/ or a CHANGELOG.md) and any of it may be missing: then we say so, and never
fail the reply.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.knowledge import Knowledge

RECENT_DAYS = 30
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_BULLET_RE = re.compile(r"^\s*[-*]\s+(.+?)\s*$")


@dataclass(frozen=True)
class Change:
    """One change to the knowledge: the day it landed and what it was."""

    date: str
    subject: str


@dataclass(frozen=True)
class DriftCheck:
    """The last `python -m bot drift` run, as recorded in its state file."""

    checked_at: str
    checked: int
    unreadable: int
    drifted: tuple[str, ...]


@dataclass(frozen=True)
class Currency:
    drugs: int
    pinned: int
    last_check: DriftCheck | None
    changes: tuple[Change, ...]
    changes_from: str  # "git", "CHANGELOG.md", or "" when neither exists


def of(knowledge: Knowledge, today: dt.date | None = None) -> Currency:
    """The currency of a loaded knowledge base, from what is on this machine."""
    today = today or dt.date.today()
    drugs = knowledge.drugs
    pinned = sum(1 for d in drugs if d.label is not None and d.label.setids)
    folder = _folder(knowledge)
    state = state_path(knowledge)
    changes, source = (
        recent_changes(folder, today, knowledge.info.content_hash) if folder else ((), "")
    )
    return Currency(len(drugs), pinned, read_check(state) if state else None, changes, source)


def state_path(knowledge: Knowledge) -> Path | None:
    """Where `python -m bot drift` records its check: `.immuno-cache/drift.json` beside the
    knowledge folder (so a test's knowledge folder keeps its own)."""
    folder = _folder(knowledge)
    return folder.parent / ".immuno-cache" / "drift.json" if folder else None


def _folder(knowledge: Knowledge) -> Path | None:
    files = knowledge.info.files
    return Path(files[0]).resolve().parent if files else None


def read_check(path: Path) -> DriftCheck | None:
    """The recorded drift check, or None when there is none (or it cannot be read)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return DriftCheck(
            checked_at=str(data["checked_at"]),
            checked=int(data["checked"]),
            unreadable=int(data.get("unreadable", 0)),
            drifted=tuple(str(i) for i in data["drifted"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


@lru_cache(maxsize=8)
def recent_changes(
    folder: Path, today: dt.date, version_key: str = ""
) -> tuple[tuple[Change, ...], str]:
    """Changes of the last 30 days, newest first: from git when the knowledge is a checkout,
    else from CHANGELOG.md beside it. Cached per day and knowledge content (`version_key`)."""
    since = today - dt.timedelta(days=RECENT_DAYS)
    from_git = _git_changes(folder, since)
    if from_git is not None:
        return from_git, "git"
    changelog = folder.parent / "CHANGELOG.md"
    if changelog.is_file():
        return _changelog_changes(changelog, since), "CHANGELOG.md"
    return (), ""


def _git_changes(folder: Path, since: dt.date) -> tuple[Change, ...] | None:
    try:
        since_arg = f"--since={since.isoformat()}T00:00:00"
        out = subprocess.run(
            ["git", "-C", str(folder), "log", since_arg, "--format=%cs%x09%s", "--", "."],
            capture_output=True,
            text=True,
            timeout=2,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    rows = (line.split("\t", 1) for line in out.stdout.splitlines() if "\t" in line)
    return tuple(Change(date, subject) for date, subject in rows)


def _changelog_changes(path: Path, since: dt.date) -> tuple[Change, ...]:
    """Top-level bullets (with their wrapped lines) under `## Unreleased` and under dated
    release headings (`## 2026-11-29`, `## 0.1.0 (2026-11-29)`) no older than `since`."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return ()
    out: list[Change] = []
    when: str | None = None  # the date of the current release section, or "unreleased"
    for line in lines:
        if line.startswith("## "):
            when = _section_date(line, since)
            continue
        bullet = _BULLET_RE.match(line)
        if when is None:
            continue
        if bullet and not line[:1].isspace():
            out.append(Change(when, bullet.group(1)))
        elif out and out[-1].date == when and line.startswith("  ") and not bullet:
            out[-1] = Change(when, f"{out[-1].subject} {line.strip()}")
    return tuple(sorted(out, key=lambda c: c.date, reverse=True))


def _section_date(heading: str, since: dt.date) -> str | None:
    """ "unreleased", or the ISO date of a release heading from `since` on; else None."""
    if heading[3:].strip().lower().startswith("unreleased"):
        return "unreleased"
    match = _DATE_RE.search(heading)
    try:
        day = dt.date.fromisoformat(match.group(0)) if match else None
    except ValueError:
        return None
    return day.isoformat() if day is not None and day >= since else None


def drift_summary(currency: Currency, knowledge: Knowledge) -> str:
    """One plain sentence about the last drift check (no markup: callers escape it)."""
    check = currency.last_check
    if check is None:
        return "not checked on this server yet (python -m bot drift)"
    names = knowledge.names_of(check.drifted[:5])
    more = len(check.drifted) - len(names)
    listed = f": {', '.join(names)}" + (f" and {more} more" if more > 0 else "") if names else ""
    unreadable = f"; {check.unreadable} label(s) could not be read" if check.unreadable else ""
    return (
        f"{len(check.drifted)} drifted at the last check ({check.checked_at}){listed}{unreadable}"
    )
