"""GitHub Actions workflow commands (`::error file=…::message`) for validate and drift.

GitHub parses these lines itself, so a message holding a newline or a `%` would be cut or
garbled, and a file name holding `,` or `:` would break the property list; both are escaped as
the workflow-command spec says. GitHub shows at most 10 annotations of a kind per step and drops
the rest silently, so we emit errors first and end with one summary line when more exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Annotations GitHub shows per step; the rest are dropped without a word.
MAX_PER_STEP = 10
_SEVERITY_ORDER = {"error": 0, "warning": 1, "notice": 2}


def escape_data(text: str) -> str:
    """Escape a message: `%`, CR and LF (GitHub would otherwise end the message there)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (file, title): as data, plus `:` and `,` that separate them."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


@dataclass(frozen=True)
class Annotation:
    """One message GitHub shows on a line of a file in the pull request's diff."""

    severity: str  # "error", "warning" or "notice"
    message: str
    file: str = ""
    line: int = 0
    column: int = 0
    title: str = ""

    def command(self) -> str:
        props = []
        if self.file:
            props.append(f"file={escape_property(self.file)}")
        if self.line:
            props.append(f"line={self.line}")
        if self.column:
            props.append(f"col={self.column}")
        if self.title:
            props.append(f"title={escape_property(self.title)}")
        head = f"::{self.severity} {','.join(props)}" if props else f"::{self.severity}"
        return f"{head}::{escape_data(self.message)}"

    def plain(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}: " if self.file else ""
        return f"{where}{self.severity}: {self.message}"


def capped(annotations: Iterable[Annotation], limit: int = MAX_PER_STEP) -> list[str]:
    """Workflow-command lines, errors first, at most `limit` annotations in all.

    When there are more, the last annotation says how many were left out, and the left-out
    problems follow as plain log lines (the job log still lists every one of them)."""
    ordered = sorted(annotations, key=lambda a: _SEVERITY_ORDER.get(a.severity, 3))
    if len(ordered) <= limit:
        return [a.command() for a in ordered]
    shown, rest = ordered[: limit - 1], ordered[limit - 1 :]
    errors = sum(1 for a in rest if a.severity == "error")
    summary = Annotation(
        "error" if errors else "warning",
        f"{len(rest)} more problem(s) not annotated ({errors} error(s)); "
        "GitHub shows 10 per step: see the job log or run the command locally",
    )
    return [a.command() for a in shown] + [summary.command()] + [a.plain() for a in rest]
