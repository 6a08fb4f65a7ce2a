"""Check parsed knowledge files, reporting every problem at once.

A pull-request author should see all their mistakes in one run, each as `file:line:column:
message`, so this module never stops at the first problem. Shape is checked by the JSON Schema
(through the jsonschema library); Slack markup is checked here too. The rules that need every
file's entries at once (unique ids and names, links, https sources, review dates, label pins, lab
vocabulary) are in bot/entry_checks.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import paths
from bot.annotations import Annotation
from bot.knowledge import OUTSIDE_KEY, Kind

if TYPE_CHECKING:  # imported when a file is actually validated: a start from a snapshot
    from jsonschema import Draft202012Validator  # skips YAML parsing and jsonschema alike
    from jsonschema.exceptions import ValidationError

    from bot import loader

SCHEMA_PATH = paths.SCHEMA_PATH

# What Slack would turn into a ping or a link: <!channel>, <@U123>, <#C123>, <https://x|y>.
#: Where a value sits in a file: the keys and list positions that lead to it.
At = tuple[str | int, ...]

_SLACK_MARKUP_RE = re.compile(r"<\s*[!@#]|<\s*(https?|mailto|tel):|<[^<>\n]*\|[^<>\n]*>", re.I)

_KIND_BY_KEY = {kind.yaml_key: kind for kind in Kind}


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a knowledge file, at a place in it."""

    file: str
    line: int
    column: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}"

    def annotation(self) -> Annotation:
        """The same problem as a GitHub Actions annotation, shown on the PR's diff line."""
        return Annotation(self.severity, self.message, self.file, self.line, self.column)

    def github(self) -> str:
        return self.annotation().command()


@dataclass
class Located:
    """An entry's raw data with the document it came from."""

    kind: Kind | None  # None: an outside-scope drug (not an entry; see bot.concepts)
    raw: dict[str, Any]
    doc: loader.Document
    at: tuple[str | int, ...]

    @property
    def label(self) -> str:
        """What the entry is, in a message: "drug", "concept", "outside-scope drug"."""
        return self.kind.value if self.kind else "outside-scope drug"

    @property
    def id(self) -> str:
        value = self.raw.get("id")
        return value if isinstance(value, str) else ""

    def problem(self, sub: Iterable[str | int], message: str, severity: str = "error") -> Problem:
        position = self.doc.position((*self.at, *sub))
        return Problem(display(self.doc.path), position.line, position.column, message, severity)


def display(path: Path) -> str:
    """A path as a contributor reads it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


_validator: Draft202012Validator | None = None


def schema_validator() -> Draft202012Validator:
    global _validator
    if _validator is None:
        from jsonschema import Draft202012Validator, FormatChecker

        schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
        _validator = Draft202012Validator(schema, format_checker=FormatChecker())
    return _validator


def _schema_message(error: ValidationError) -> str:
    """Say what is wrong in the words a contributor needs, not the validator's internals."""
    path = list(error.absolute_path)
    if error.validator == "required" and "'sources'" in error.message:
        return "entry has no source: add at least one (title + https URL)"
    if error.validator == "minItems" and path and path[-1] == "sources":
        return "entry has no source: add at least one (title + https URL)"
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        return error.message.replace(
            "Unevaluated properties are not allowed", "unknown field"
        ).replace("Additional properties are not allowed", "unknown field")
    if error.validator == "pattern" and path and path[-1] == "id":
        return (
            f"id {error.instance!r} must be a slug: lower-case letters, digits and single hyphens"
        )
    if error.validator == "pattern" and len(path) > 1 and path[-2] == "setids":
        return (
            f"set id {error.instance!r} is not a DailyMed set id (a lower-case UUID, as in "
            "drugInfo.cfm?setid=…)"
        )
    if error.validator == "format" and path and path[-1] == "last_reviewed":
        return f"last_reviewed {error.instance!r} is not a real date (YYYY-MM-DD)"
    where = ".".join(str(p) for p in path[-2:]) if path else "file"
    return f"{where}: {error.message}"


def _unknown_key_path(error: ValidationError) -> list[str | int]:
    """Point an unknown-field error at the field itself rather than its entry."""
    path = list(error.absolute_path)
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        found = re.findall(r"'([^']+)'", error.message)
        if found and isinstance(error.instance, dict) and found[0] in error.instance:
            path.append(found[0])
    return path


def _schema_problems(doc: loader.Document) -> list[Problem]:
    problems = []
    for error in schema_validator().iter_errors(doc.data):
        # jsonschema reports a failed allOf once and then its causes; we want the causes
        causes = list(error.context) if error.validator in ("allOf",) and error.context else [error]
        for cause in causes:
            at = _unknown_key_path(cause)
            position = doc.key_positions.get(tuple(at)) or doc.position(tuple(at))
            problems.append(
                Problem(display(doc.path), position.line, position.column, _schema_message(cause))
            )
    return problems


def _strings(value: Any, at: tuple[str | int, ...] = ()) -> Iterator[tuple[At, str]]:
    if isinstance(value, str):
        yield at, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, (*at, i))


_TOP_KEY_RE = re.compile(r"^([a-z_]+)\s*:", re.M)


def kinds_in_text(text: str) -> frozenset[Kind]:
    """The kinds an unparsable file appears to hold (its top-level keys), or every kind."""
    found = {_KIND_BY_KEY[k] for k in _TOP_KEY_RE.findall(text) if k in _KIND_BY_KEY}
    return frozenset(found) if found else frozenset(Kind)


def _check_markup(doc: loader.Document) -> Iterator[Problem]:
    for at, text in _strings(doc.data):
        match = _SLACK_MARKUP_RE.search(text)
        if match:
            position = doc.position(at)
            yield Problem(
                display(doc.path),
                position.line,
                position.column,
                f"text contains Slack markup {match.group(0)!r}: Slack would turn it "
                "into a ping or a link; write it without angle brackets",
            )


def _entries(doc: loader.Document) -> Iterator[Located]:
    if not isinstance(doc.data, dict):
        return
    for yaml_key, items in doc.data.items():
        kind = _KIND_BY_KEY.get(yaml_key)
        if (kind is None and yaml_key != OUTSIDE_KEY) or not isinstance(items, list):
            continue
        for i, raw in enumerate(items):
            if isinstance(raw, dict):
                yield Located(kind, raw, doc, (yaml_key, i))


def document_problems(doc: loader.Document) -> list[Problem]:
    """What is wrong inside one file: its shape (the schema) and any Slack markup."""
    return [*_schema_problems(doc), *_check_markup(doc)]


def entries_of(doc: loader.Document) -> list[Located]:
    """The entries of one parsed file, each with where it sits."""
    return list(_entries(doc))


def labs_of(doc: loader.Document) -> list[Located]:
    """The lab vocabulary's items of one parsed file (kind is a placeholder: labs are not
    entries)."""
    items = doc.data.get("labs") if isinstance(doc.data, dict) else None
    return [
        Located(Kind.SIDE_EFFECT, raw, doc, ("labs", i))
        for i, raw in enumerate(items if isinstance(items, list) else ())
        if isinstance(raw, dict)
    ]
