"""Check parsed knowledge files, reporting every problem at once.

A pull-request author should see all their mistakes in one run, each as `file:line:column:
message`, so this module never stops at the first problem. Shape is checked by the JSON Schema
(through the jsonschema library); the rules a schema cannot express (unique ids and names, links
between entries, https sources, review dates, Slack markup) are named checks below.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import measure_checks, paths, words
from bot.annotations import Annotation
from bot.knowledge import OUTSIDE_KEY, Kind

if TYPE_CHECKING:  # imported when a file is actually validated: a start from a snapshot
    from jsonschema import Draft202012Validator  # skips YAML parsing and jsonschema alike
    from jsonschema.exceptions import ValidationError

    from bot import loader

SCHEMA_PATH = paths.SCHEMA_PATH
STALE_AFTER_DAYS = 548  # 18 months: older reviews are flagged for a re-check

# What Slack would turn into a ping or a link: <!channel>, <@U123>, <#C123>, <https://x|y>.
#: Where a value sits in a file: the keys and list positions that lead to it.
At = tuple[str | int, ...]

_SLACK_MARKUP_RE = re.compile(r"<\s*[!@#]|<\s*(https?|mailto|tel):|<[^<>\n]*\|[^<>\n]*>", re.I)

# Which field of which kind links to which kind of entry.
_LINKS: dict[Kind, dict[str, Kind]] = {
    Kind.CLASS: {"parent": Kind.CLASS, "hallmark_toxicities": Kind.SIDE_EFFECT},
    Kind.DRUG: {
        "classes": Kind.CLASS,
        "indications.cancer": Kind.CANCER,
        "common_side_effects": Kind.SIDE_EFFECT,
        "serious_side_effects": Kind.SIDE_EFFECT,
    },
    Kind.SIDE_EFFECT: {"caused_by": Kind.CLASS},
    Kind.CANCER: {},
    Kind.CONCEPT: {
        "related.drugs": Kind.DRUG,
        "related.classes": Kind.CLASS,
        "related.cancers": Kind.CANCER,
        "related.side_effects": Kind.SIDE_EFFECT,
    },
}
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


def _names(entry: Located) -> Iterator[tuple[At, str]]:
    raw = entry.raw
    if isinstance(raw.get("name"), str):
        yield ("name",), raw["name"]
    for field in ("brands", "aliases"):
        for i, value in enumerate(raw.get(field) or ()):
            if isinstance(value, str):
                yield (field, i), value


def _check_ids(entries: list[Located]) -> Iterator[Problem]:
    first: dict[str, Located] = {}
    for entry in entries:
        if not entry.id:
            continue
        if entry.id in first:
            other = first[entry.id]
            pos = other.doc.position((*other.at, "id"))
            yield entry.problem(
                ["id"],
                f"duplicate id {entry.id!r} (first defined at "
                f"{display(other.doc.path)}:{pos.line})",
            )
        else:
            first[entry.id] = entry


def _check_names(entries: list[Located]) -> Iterator[Problem]:
    """A name or alias may lead to one entry only, compared as the search index compares them."""
    owner: dict[str, tuple[Located, str]] = {}
    for entry in entries:
        mine: set[str] = set()
        for sub, text in _names(entry):
            key = words.key(text)
            if not key:
                yield entry.problem(sub, f"{text!r} has no letters or digits to match on")
                continue
            if key in mine:
                yield entry.problem(
                    sub,
                    f"{text!r} is redundant: it matches another name of "
                    "this entry already (case, punctuation, plurals and "
                    "British spellings are ignored)",
                )
                continue
            mine.add(key)
            if key in owner and owner[key][0].id != entry.id:
                other, other_text = owner[key]
                yield entry.problem(
                    sub,
                    f"{text!r} is already a name of {other.label} "
                    f"{other.id!r} (as {other_text!r}); a name or alias may "
                    "lead to one entry only",
                )
            else:
                owner.setdefault(key, (entry, text))


def _link_values(raw: dict[str, Any], field: str) -> Iterator[tuple[At, str]]:
    if field == "indications.cancer":
        for i, item in enumerate(raw.get("indications") or ()):
            if isinstance(item, dict) and isinstance(item.get("cancer"), str):
                yield ("indications", i, "cancer"), item["cancer"]
    elif field.startswith("related."):
        related = raw.get("related")
        key = field.removeprefix("related.")
        values = related.get(key) if isinstance(related, dict) else None
        for i, value in enumerate(values if isinstance(values, list) else ()):
            if isinstance(value, str):
                yield ("related", key, i), value
    elif isinstance(raw.get(field), str):
        yield (field,), raw[field]
    else:
        for i, value in enumerate(raw.get(field) or ()):
            if isinstance(value, str):
                yield (field, i), value


def _check_links(entries: list[Located], unchecked: frozenset[Kind]) -> Iterator[Problem]:
    """Links to unknown ids; links to a kind that an unparsable file may hold are not checked
    (the one parse error says what is wrong, not hundreds of links into that file)."""
    by_kind: dict[Kind, set[str]] = {kind: set() for kind in Kind}
    for entry in entries:
        if entry.kind is not None:
            by_kind[entry.kind].add(entry.id)
    if not unchecked:  # an outside drug's links may name any kind
        yield from _check_outside_links(entries, set().union(*by_kind.values()))
    for entry in entries:
        if entry.kind is None:
            continue
        for field, target_kind in _LINKS[entry.kind].items():
            for sub, value in _link_values(entry.raw, field):
                if value in by_kind[target_kind] or target_kind in unchecked:
                    continue
                hint = get_close_matches(value, sorted(by_kind[target_kind]), n=1)
                suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
                yield entry.problem(
                    sub, f"links to unknown {target_kind.value} id {value!r}{suffix}"
                )


def _check_outside_links(entries: list[Located], known: set[str]) -> Iterator[Problem]:
    """An outside-scope drug's `related` ids may name any entry, but must name one."""
    for entry in entries:
        if entry.kind is not None:
            continue
        for sub, value in _link_values(entry.raw, "related"):
            if value not in known:
                hint = get_close_matches(value, sorted(known), n=1)
                suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
                yield entry.problem(sub, f"links to unknown entry id {value!r}{suffix}")


def _check_parents(entries: list[Located]) -> Iterator[Problem]:
    parents = {e.id: e.raw.get("parent") for e in entries if e.kind is Kind.CLASS}
    for entry in entries:
        if entry.kind is not Kind.CLASS:
            continue
        seen, current = {entry.id}, parents.get(entry.id)
        while current:
            if current in seen:
                yield entry.problem(["parent"], f"class {entry.id!r} is its own ancestor")
                break
            seen.add(current)
            current = parents.get(current)


def _check_sources(entries: list[Located]) -> Iterator[Problem]:
    for entry in entries:
        for i, source in enumerate(entry.raw.get("sources") or ()):
            url = source.get("url") if isinstance(source, dict) else None
            if isinstance(url, str) and not re.match(r"^https://[^\s/]+\.[^\s/]+", url):
                yield entry.problem(
                    ["sources", i, "url"], f"source URL {url!r} must be an https:// address"
                )


def _check_dates(entries: list[Located], today: dt.date) -> Iterator[Problem]:
    for entry in entries:
        value = entry.raw.get("last_reviewed")
        try:
            reviewed = dt.date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            continue  # the schema reports malformed dates
        if reviewed is None:
            continue
        if reviewed > today:
            yield entry.problem(["last_reviewed"], f"last_reviewed {value} is in the future")
        elif (today - reviewed).days > STALE_AFTER_DAYS:
            yield entry.problem(
                ["last_reviewed"],
                f"{entry.id!r} was last reviewed on {value}, "
                "over 18 months ago: please re-check it",
                "warning",
            )


_TOP_KEY_RE = re.compile(r"^([a-z_]+)\s*:", re.M)


def kinds_in_text(text: str) -> frozenset[Kind]:
    """The kinds an unparsable file appears to hold (its top-level keys), or every kind."""
    found = {_KIND_BY_KEY[k] for k in _TOP_KEY_RE.findall(text) if k in _KIND_BY_KEY}
    return frozenset(found) if found else frozenset(Kind)


def _check_pinned(entries: list[Located]) -> Iterator[Problem]:
    """A drug without a verified DailyMed set id cannot be watched for label changes."""
    for entry in entries:
        if entry.kind is not Kind.DRUG:
            continue
        label = entry.raw.get("label")
        if not (isinstance(label, dict) and label.get("setids")):
            yield entry.problem(
                ["id"],
                f"drug {entry.id!r} is not pinned to its label: add label.setids (the "
                "DailyMed set id, verified from the label) so `python -m bot drift` watches it",
                "warning",
            )


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


def entry_problems(
    entries: list[Located], today: dt.date, unchecked: frozenset[Kind] = frozenset()
) -> list[Problem]:
    """What is wrong across entries: ids, names, links (except into the `unchecked` kinds, held
    by a file that did not parse), parents, sources, review dates and label pins."""
    return [
        *_check_ids(entries),
        *_check_names(entries),
        *_check_links(entries, unchecked),
        *_check_parents(entries),
        *_check_sources(entries),
        *_check_dates(entries, today),
        *_check_pinned(entries),
    ]


def labs_of(doc: loader.Document) -> list[Located]:
    """The lab vocabulary's items of one parsed file (kind is a placeholder: labs are not
    entries)."""
    items = doc.data.get("labs") if isinstance(doc.data, dict) else None
    return [
        Located(Kind.SIDE_EFFECT, raw, doc, ("labs", i))
        for i, raw in enumerate(items if isinstance(items, list) else ())
        if isinstance(raw, dict)
    ]


def measure_problems(entries: list[Located], labs: list[Located]) -> list[Problem]:
    """What is wrong in the lab vocabulary, the side effects' findings and their criteria."""
    vocabulary = {lab.id: lab.raw for lab in labs}
    agents = {e.id for e in entries if e.kind in (Kind.CLASS, Kind.DRUG)}
    effects = [e for e in entries if e.kind is Kind.SIDE_EFFECT]
    return [
        *measure_checks.check_labs(labs),
        *measure_checks.check_findings(effects, vocabulary, agents),
        *measure_checks.check_criteria(effects, vocabulary),
    ]
