"""`python -m bot drift`: which drug entries' US labels changed after they were reviewed.

Each pinned drug (label.setids) is compared with DailyMed's version history. A label version
counts as newer than the entry when:
  - `label.version` is set: its SPL version number is higher;
  - else `label.published` is set: it was published after that date;
  - else: it was published after the entry's `last_reviewed` (the reviewer read the label that
    was current that day).
The result is printed (table, JSON or GitHub annotations) and written to a small state file that
`/immuno about` and the App Home read, so the bot never calls DailyMed while answering.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import dailymed
from bot.annotations import Annotation, capped
from bot.dailymed import LabelVersion, RecentChanges, ServiceError
from bot.knowledge import Knowledge

EXIT_CURRENT, EXIT_DRIFTED, EXIT_UNREADABLE = 0, 1, 2
_WORKERS = 4  # a handful of requests at once: polite to DailyMed, quick enough for ~50 labels


@dataclass(frozen=True)
class Pin:
    """One drug entry's set id, with what was reviewed and where the entry sits."""

    entry_id: str
    setid: str
    reviewed: str
    version: int | None = None
    published: str = ""
    file: str = ""
    line: int = 0

    def is_newer(self, candidate: LabelVersion) -> bool:
        if self.version is not None:
            return candidate.version > self.version
        since = self.published or self.reviewed
        return candidate.published > dt.date.fromisoformat(since)


@dataclass
class Finding:
    """What DailyMed says about one pin: newer versions, or why it could not be read."""

    pin: Pin
    versions: list[LabelVersion] = field(default_factory=list)
    error: str = ""
    recent: RecentChanges | None = None

    @property
    def newer(self) -> list[LabelVersion]:
        return [v for v in self.versions if self.pin.is_newer(v)]

    @property
    def drifted(self) -> bool:
        return not self.error and bool(self.newer)

    @property
    def latest(self) -> LabelVersion | None:
        return max(self.versions, default=None)


def _entry_lines(files: Iterable[str]) -> dict[str, tuple[str, int]]:
    """Where each entry's `id:` line is, read from the files as text (no YAML needed)."""
    where: dict[str, tuple[str, int]] = {}
    pattern = re.compile(r"^\s*-?\s*id:\s*[\"']?([a-z0-9-]+)[\"']?\s*$")
    for file in files:
        try:
            lines = Path(file).read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        for number, text in enumerate(lines, start=1):
            match = pattern.match(text)
            if match:
                where.setdefault(match.group(1), (file, number))
    return where


def pins(knowledge: Knowledge) -> list[Pin]:
    """Every (drug, set id) pair of the knowledge, in file order."""
    where = _entry_lines(knowledge.info.files)
    out: list[Pin] = []
    for drug in knowledge.drugs:
        if drug.label is None:
            continue
        file, line = where.get(drug.id, ("", 0))
        for setid in drug.label.setids:
            out.append(
                Pin(
                    drug.id,
                    setid,
                    drug.last_reviewed,
                    drug.label.version,
                    drug.label.published,
                    file,
                    line,
                )
            )
    return out


def check(
    found: list[Pin], dailymed_url: str, timeout: float, openfda_url: str = ""
) -> list[Finding]:
    """Read every pin's history (a few at a time); with `openfda_url`, recent changes too."""

    def one(pin: Pin) -> Finding:
        try:
            finding = Finding(pin, dailymed.history(dailymed_url, pin.setid, timeout))
        except ServiceError as exc:
            return Finding(pin, error=f"DailyMed: {exc}")
        if openfda_url and finding.drifted:
            try:
                finding.recent = dailymed.recent_changes(openfda_url, pin.setid, timeout)
            except ServiceError as exc:
                finding.recent = RecentChanges(changes=f"(openFDA: {exc})")
        return finding

    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        return list(pool.map(one, found))


def exit_status(findings: list[Finding]) -> int:
    """2 when any label could not be read, else 1 when any drifted, else 0."""
    if any(f.error for f in findings):
        return EXIT_UNREADABLE
    return EXIT_DRIFTED if any(f.drifted for f in findings) else EXIT_CURRENT


def as_json(findings: list[Finding]) -> list[dict[str, Any]]:
    """The drifted entries as plain data (the scheduled workflow builds its issue from this)."""
    out = []
    for f in findings:
        if not f.drifted:
            continue
        latest = f.latest
        item: dict[str, Any] = {
            "id": f.pin.entry_id,
            "setid": f.pin.setid,
            "reviewed": f.pin.reviewed,
            "label_published": latest.published.isoformat() if latest else "",
            "label_version": latest.version if latest else None,
            "pinned_version": f.pin.version,
            "pinned_published": f.pin.published or None,
            "newer": [
                {"version": v.version, "published": v.published.isoformat()} for v in f.newer
            ],
            "file": f.pin.file,
            "line": f.pin.line,
        }
        if f.recent is not None:
            item["effective_time"] = f.recent.effective
            item["recent_major_changes"] = f.recent.changes
        out.append(item)
    return out


def _newer_text(finding: Finding) -> str:
    return ", ".join(f"v{v.version} ({v.published.isoformat()})" for v in finding.newer)


def _baseline(pin: Pin) -> str:
    if pin.version is not None:
        return f"v{pin.version}"
    return f"published {pin.published}" if pin.published else f"reviewed {pin.reviewed}"


def table(findings: list[Finding]) -> str:
    """A table of the drifted entries, then one line per label that could not be read."""
    drifted = [f for f in findings if f.drifted]
    rows = [("Entry", "Set id", "Baseline", "Newer label versions")]
    rows += [(f.pin.entry_id, f.pin.setid, _baseline(f.pin), _newer_text(f)) for f in drifted]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3] for r in rows]
    for f in drifted:
        if f.recent is not None and (f.recent.changes or f.recent.effective):
            lines.append(f"  {f.pin.entry_id}: openFDA {f.recent.effective} {f.recent.changes}")
    read = sum(1 for f in findings if not f.error)
    summary = f"{len(drifted)} of {read} pinned label(s) changed after review"
    lines = ([*lines, summary] if drifted else [summary]) + [
        f"cannot check {f.pin.entry_id} ({f.pin.setid}): {f.error}" for f in findings if f.error
    ]
    return "\n".join(lines)


def github_annotations(findings: list[Finding]) -> list[str]:
    """GitHub annotations on each drifted entry's `id:` line (and one per unreadable label)."""
    notes = [
        Annotation(
            "warning",
            f"label drift: {f.pin.entry_id} ({f.pin.setid}) has newer DailyMed label "
            f"version(s) than its {_baseline(f.pin)}: {_newer_text(f)}; re-review the entry",
            f.pin.file,
            f.pin.line,
            title="Label changed after review",
        )
        for f in findings
        if f.drifted
    ]
    notes += [
        Annotation("error", f"cannot check {f.pin.entry_id} ({f.pin.setid}): {f.error}")
        for f in findings
        if f.error
    ]
    return capped(notes)


def write_state(
    path: Path, findings: list[Finding], now: Callable[[], dt.datetime] | None = None
) -> None:
    """Record the check for the bot: when, how many labels were read, which entries drifted."""
    moment = (now or (lambda: dt.datetime.now(dt.UTC)))()
    state = {
        "checked_at": moment.strftime("%Y-%m-%d %H:%M UTC"),
        "checked": sum(1 for f in findings if not f.error),
        "unreadable": sum(1 for f in findings if f.error),
        "drifted": sorted({f.pin.entry_id for f in findings if f.drifted}),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)


def markdown(findings: list[Finding]) -> str:
    """An issue body listing the drifted entries, with links to their DailyMed pages."""
    drifted = [f for f in findings if f.drifted]
    out = [
        f"{len(drifted)} drug entr{'y has' if len(drifted) == 1 else 'ies have'} a US label "
        "version published after the review. Re-review each entry against the current label, "
        "then update `last_reviewed` (and `label.version` / `label.published`).",
        "",
    ]
    if drifted:
        out += ["| Entry | Set id | Baseline | Newer label versions |", "|---|---|---|---|"]
        for f in drifted:
            where = f" ({f.pin.file}:{f.pin.line})" if f.pin.file else ""
            page = f"https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={f.pin.setid}"
            out.append(
                f"| `{f.pin.entry_id}`{where} | [{f.pin.setid}]({page}) | {_baseline(f.pin)} "
                f"| {_newer_text(f)} |"
            )
            if f.recent is not None and f.recent.changes:
                out.append(f"| | | openFDA recent major changes | {f.recent.changes} |")
    errors = [f for f in findings if f.error]
    if errors:
        out += ["", "### Could not be checked", ""]
        out += [f"- `{f.pin.entry_id}` ({f.pin.setid}): {f.error}" for f in errors]
    out += ["", "_Written by `python -m bot drift --markdown`._"]
    return "\n".join(out)
