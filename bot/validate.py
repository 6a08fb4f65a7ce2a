"""Check the knowledge files and build a Knowledge from them, reporting every problem at once.

A pull-request author should see all their mistakes in one run, each as `file:line:column:
message`, so this module never stops at the first problem. Shape is checked by the JSON Schema
(through the jsonschema library); the rules a schema cannot express (unique ids and names, links
between entries, https sources, review dates, Slack markup) are named checks below.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import os
import re
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import measure_checks, snapshot, words
from bot.files import candidates, is_regular
from bot.knowledge import BUILDERS, Entry, Kind, Knowledge, KnowledgeInfo
from bot.measures import lab_from

if TYPE_CHECKING:  # imported when a file is actually validated: a start from a snapshot
    from jsonschema import Draft202012Validator  # skips YAML parsing and jsonschema alike
    from jsonschema.exceptions import ValidationError

    from bot import loader

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "knowledge" / "schema.json"
STALE_AFTER_DAYS = 548  # 18 months: older reviews are flagged for a re-check

# What Slack would turn into a ping or a link: <!channel>, <@U123>, <#C123>, <https://x|y>.
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

    def github(self) -> str:
        """The same problem as a GitHub Actions annotation, shown on the PR's diff line."""
        return (
            f"::{self.severity} file={self.file},line={self.line},col={self.column}::{self.message}"
        )


@dataclass
class LoadResult:
    """The outcome of reading a knowledge path: Knowledge when there are no errors."""

    knowledge: Knowledge | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


@dataclass
class _Located:
    """An entry's raw data with the document it came from."""

    kind: Kind
    raw: dict[str, Any]
    doc: loader.Document
    at: tuple[str | int, ...]

    @property
    def id(self) -> str:
        value = self.raw.get("id")
        return value if isinstance(value, str) else ""

    def problem(self, sub: Iterable[str | int], message: str, severity: str = "error") -> Problem:
        position = self.doc.position((*self.at, *sub))
        return Problem(_display(self.doc.path), position.line, position.column, message, severity)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def knowledge_files(path: Path) -> list[Path]:
    """The YAML files of a knowledge path: the file itself, or the regular *.yaml / *.yml files
    directly in a folder. Symlinks, FIFOs, devices and folders are never knowledge (see
    refused_files), so nothing outside the folder can be read through it."""
    if path.is_dir():
        return [p for p in candidates(path) if is_regular(p)]
    return [path]


def refused_files(path: Path) -> list[Path]:
    """The *.yaml / *.yml names in a knowledge folder that are not regular files."""
    if path.is_dir():
        return [p for p in candidates(path) if not is_regular(p)]
    return []


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
                Problem(_display(doc.path), position.line, position.column, _schema_message(cause))
            )
    return problems


def _strings(value: Any, at: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple, str]]:
    if isinstance(value, str):
        yield at, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, (*at, i))


def _names(entry: _Located) -> Iterator[tuple[tuple, str]]:
    raw = entry.raw
    if isinstance(raw.get("name"), str):
        yield ("name",), raw["name"]
    for field in ("brands", "aliases"):
        for i, value in enumerate(raw.get(field) or ()):
            if isinstance(value, str):
                yield (field, i), value


def _check_ids(entries: list[_Located]) -> Iterator[Problem]:
    first: dict[str, _Located] = {}
    for entry in entries:
        if not entry.id:
            continue
        if entry.id in first:
            other = first[entry.id]
            pos = other.doc.position((*other.at, "id"))
            yield entry.problem(
                ["id"],
                f"duplicate id {entry.id!r} (first defined at "
                f"{_display(other.doc.path)}:{pos.line})",
            )
        else:
            first[entry.id] = entry


def _check_names(entries: list[_Located]) -> Iterator[Problem]:
    """A name or alias may lead to one entry only, compared as the search index compares them."""
    owner: dict[str, tuple[_Located, str]] = {}
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
                    f"{text!r} is already a name of {other.kind.value} "
                    f"{other.id!r} (as {other_text!r}); a name or alias may "
                    "lead to one entry only",
                )
            else:
                owner.setdefault(key, (entry, text))


def _link_values(raw: dict[str, Any], field: str) -> Iterator[tuple[tuple, str]]:
    if field == "indications.cancer":
        for i, item in enumerate(raw.get("indications") or ()):
            if isinstance(item, dict) and isinstance(item.get("cancer"), str):
                yield ("indications", i, "cancer"), item["cancer"]
    elif isinstance(raw.get(field), str):
        yield (field,), raw[field]
    else:
        for i, value in enumerate(raw.get(field) or ()):
            if isinstance(value, str):
                yield (field, i), value


def _check_links(entries: list[_Located]) -> Iterator[Problem]:
    by_kind: dict[Kind, set[str]] = {kind: set() for kind in Kind}
    for entry in entries:
        by_kind[entry.kind].add(entry.id)
    for entry in entries:
        for field, target_kind in _LINKS[entry.kind].items():
            for sub, value in _link_values(entry.raw, field):
                if value in by_kind[target_kind]:
                    continue
                hint = get_close_matches(value, sorted(by_kind[target_kind]), n=1)
                suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
                yield entry.problem(
                    sub, f"links to unknown {target_kind.value} id {value!r}{suffix}"
                )


def _check_parents(entries: list[_Located]) -> Iterator[Problem]:
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


def _check_sources(entries: list[_Located]) -> Iterator[Problem]:
    for entry in entries:
        for i, source in enumerate(entry.raw.get("sources") or ()):
            url = source.get("url") if isinstance(source, dict) else None
            if isinstance(url, str) and not re.match(r"^https://[^\s/]+\.[^\s/]+", url):
                yield entry.problem(
                    ["sources", i, "url"], f"source URL {url!r} must be an https:// address"
                )


def _check_dates(entries: list[_Located], today: dt.date) -> Iterator[Problem]:
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


def _check_markup(doc: loader.Document) -> Iterator[Problem]:
    for at, text in _strings(doc.data):
        match = _SLACK_MARKUP_RE.search(text)
        if match:
            position = doc.position(at)
            yield Problem(
                _display(doc.path),
                position.line,
                position.column,
                f"text contains Slack markup {match.group(0)!r}: Slack would turn it "
                "into a ping or a link; write it without angle brackets",
            )


def _labs(doc: loader.Document) -> Iterator[_Located]:
    """The lab vocabulary's items (kind is a placeholder: labs are not entries)."""
    items = doc.data.get("labs") if isinstance(doc.data, dict) else None
    for i, raw in enumerate(items if isinstance(items, list) else ()):
        if isinstance(raw, dict):
            yield _Located(Kind.SIDE_EFFECT, raw, doc, ("labs", i))


def _check_measures(entries: list[_Located], labs: list[_Located]) -> Iterator[Problem]:
    vocabulary = {lab.id: lab.raw for lab in labs}
    agents = {e.id for e in entries if e.kind in (Kind.CLASS, Kind.DRUG)}
    effects = [e for e in entries if e.kind is Kind.SIDE_EFFECT]
    yield from measure_checks.check_labs(labs)
    yield from measure_checks.check_findings(effects, vocabulary, agents)
    yield from measure_checks.check_criteria(effects, vocabulary)


def _entries(doc: loader.Document) -> Iterator[_Located]:
    if not isinstance(doc.data, dict):
        return
    for yaml_key, items in doc.data.items():
        kind = _KIND_BY_KEY.get(yaml_key)
        if kind is None or not isinstance(items, list):
            continue
        for i, raw in enumerate(items):
            if isinstance(raw, dict):
                yield _Located(kind, raw, doc, (yaml_key, i))


def knowledge_version(path: Path) -> str:
    """The git commit of the knowledge, when it lives in a git checkout."""
    folder = path if path.is_dir() else path.parent
    try:
        out = subprocess.run(
            ["git", "-C", str(folder), "log", "-1", "--format=%h %cs", "--", "."],
            capture_output=True,
            text=True,
            timeout=2,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        out = None
    if out is not None and out.returncode == 0 and out.stdout.strip():
        return out.stdout.strip()
    # No git checkout (a Heroku slug): the platform says which commit was built.
    for name in ("IMMUNO_VERSION", "SOURCE_VERSION", "HEROKU_SLUG_COMMIT"):
        if os.environ.get(name):
            return os.environ[name][:12]
    return ""


def load_knowledge(
    path: Path,
    today: dt.date | None = None,
    *,
    with_version: bool = True,
    use_snapshot: bool = False,
) -> LoadResult:
    """Read, check and build the knowledge at `path` (a file or a folder).

    With `use_snapshot`, files whose exact bytes were already validated are read from the
    snapshot (see bot.snapshot) instead of being parsed and checked again."""
    today = today or dt.date.today()
    files = knowledge_files(path)
    key = ""
    try:
        key = snapshot.fingerprint(files) if files else ""
    except OSError:
        key = ""
    if use_snapshot and key and not refused_files(path):
        cached = snapshot.read(files, key)
        if cached is not None:
            return _from_snapshot(path, files, cached, with_version)
    from bot import loader

    # Loading builds millions of small objects and frees none: the cyclic collector would only
    # rescan them over and over (a third of the time on a large file).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _validate_and_build(path, files, key, today, with_version, loader)
    finally:
        if collecting:
            gc.enable()


def _validate_and_build(
    path: Path, files: list[Path], key: str, today: dt.date, with_version: bool, loader: Any
) -> LoadResult:

    problems: list[Problem] = [
        Problem(_display(p), 1, 1, "not a regular file (a link, folder or device): not read")
        for p in refused_files(path)
    ]
    entries: list[_Located] = []
    labs: list[_Located] = []
    digest = hashlib.sha256()
    if not files:
        problems.append(Problem(_display(path), 1, 1, "no knowledge files (*.yaml) here"))
        return LoadResult(None, problems)
    for file in files:
        try:
            text = loader.read_text(file)
            digest.update(text.encode("utf-8"))
            doc = loader.parse(file, text)
        except loader.YamlError as exc:
            problems.append(
                Problem(_display(file), exc.position.line, exc.position.column, exc.message)
            )
            continue
        except OSError as exc:
            problems.append(Problem(_display(file), 1, 1, f"cannot read file: {exc.strerror}"))
            continue
        schema_problems = _schema_problems(doc)
        problems.extend(schema_problems)
        problems.extend(_check_markup(doc))
        entries.extend(_entries(doc))
        labs.extend(_labs(doc))
    problems.extend(_check_ids(entries))
    problems.extend(_check_measures(entries, labs))
    problems.extend(_check_names(entries))
    problems.extend(_check_links(entries))
    problems.extend(_check_parents(entries))
    problems.extend(_check_sources(entries))
    problems.extend(_check_dates(entries, today))
    problems = sorted(set(problems))
    if any(p.severity == "error" for p in problems):
        return LoadResult(None, problems)
    built: list[Entry] = [BUILDERS[e.kind](e.raw) for e in entries]
    content_hash = digest.hexdigest()[:12]
    if key:
        raw: dict[str, list[dict[str, Any]]] = {}
        for entry in entries:
            raw.setdefault(entry.kind.value, []).append(entry.raw)
        snapshot.write(files, key, raw, content_hash, labs=[lab.raw for lab in labs])
    info = _info(path, files, content_hash, with_version)
    return LoadResult(Knowledge(built, info, [lab_from(lab.raw) for lab in labs]), problems)


def _info(path: Path, files: list[Path], content_hash: str, with_version: bool) -> KnowledgeInfo:
    return KnowledgeInfo(
        files=tuple(_display(f) for f in files),
        version=knowledge_version(path) if with_version else "",
        content_hash=content_hash,
        loaded_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    )


def _from_snapshot(
    path: Path, files: list[Path], cached: dict[str, Any], with_version: bool
) -> LoadResult:
    built = [
        BUILDERS[Kind(kind)](raw) for kind, items in cached["entries"].items() for raw in items
    ]
    labs = [lab_from(raw) for raw in cached.get("labs", ())]
    info = _info(path, files, cached["content_hash"], with_version)
    return LoadResult(Knowledge(built, info, labs), [])
