"""Load the knowledge: read the files (or their validated snapshot), check them, build Knowledge.

A start from an unchanged snapshot skips YAML parsing and the schema entirely (see bot.snapshot);
any other start parses every file and runs every check in bot.validate, so a contributor sees all
their mistakes in one run and a bad file never reaches users. Within one process, a file whose
exact text already passed its own checks (schema, markup) is not put through them again: a
reload after an edit re-checks the edited files, and the checks across files always run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import config, snapshot
from bot.building import BUILDERS
from bot.concepts import OutsideDrug, concept_from, outside_drug_from
from bot.entry_checks import entry_problems, measure_problems
from bot.files import candidates, is_regular
from bot.knowledge import (
    Entry,
    Kind,
    Knowledge,
    KnowledgeInfo,
    without_cyclic_gc,
)
from bot.loader import Document
from bot.measures import Lab, lab_from
from bot.validate import (
    Located,
    Problem,
    display,
    document_problems,
    entries_of,
    kinds_in_text,
    labs_of,
)

#: How each kind of entry is built from its YAML mapping (concepts live in bot.concepts).
_BUILDERS = {**BUILDERS, Kind.CONCEPT: concept_from}
#: The snapshot's key for outside-scope drugs (entries are stored under their Kind's value).
_OUTSIDE = "outside-scope"


def _build(kind: str, raw: dict[str, Any]) -> Entry | OutsideDrug:
    return outside_drug_from(raw) if kind == _OUTSIDE else _BUILDERS[Kind(kind)](raw)


def _knowledge(
    built: list[Entry | OutsideDrug], info: KnowledgeInfo, labs: list[Lab] | None = None
) -> Knowledge:
    entries = [b for b in built if isinstance(b, Entry)]
    outside = [b for b in built if isinstance(b, OutsideDrug)]
    return Knowledge(entries, info, outside, labs or ())


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
    return config.build_version()


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
    # Loading builds millions of small objects and frees none: the cyclic collector would only
    # rescan them over and over (a third of the time on a large file, half of a restart).
    with without_cyclic_gc():
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

        return _validate_and_build(path, files, key, today, with_version, loader)


#: Hashes of file texts whose own checks (schema, Slack markup) found nothing in this process.
#: Those checks depend on the text alone (the schema is read once per process), so a reload after
#: an edit, or a second copy of the same files, re-checks only the files whose text is new; the
#: checks across files always run. Bounded, oldest dropped first: each edit adds one.
_CLEAN_TEXTS: dict[str, None] = {}
_CLEAN_TEXTS_KEPT = 256
_CLEAN_TEXTS_LOCK = threading.Lock()


def _file_problems(doc: Document, data: bytes) -> list[Problem]:
    """document_problems of one file, skipped when the same text (`data`, UTF-8) already
    passed them."""
    key = hashlib.sha256(data).hexdigest()
    with _CLEAN_TEXTS_LOCK:
        if key in _CLEAN_TEXTS:
            return []
    found = document_problems(doc)
    if not found:
        with _CLEAN_TEXTS_LOCK:
            _CLEAN_TEXTS[key] = None
            while len(_CLEAN_TEXTS) > _CLEAN_TEXTS_KEPT:
                del _CLEAN_TEXTS[next(iter(_CLEAN_TEXTS))]
    return found


def _validate_and_build(
    path: Path, files: list[Path], key: str, today: dt.date, with_version: bool, loader: Any
) -> LoadResult:

    problems: list[Problem] = [
        Problem(display(p), 1, 1, "not a regular file (a link, folder or device): not read")
        for p in refused_files(path)
    ]
    entries: list[Located] = []
    labs: list[Located] = []
    digest = hashlib.sha256()
    if not files:
        problems.append(Problem(display(path), 1, 1, "no knowledge files (*.yaml) here"))
        return LoadResult(None, problems)
    unchecked: set[Kind] = set()
    for file in files:
        text = ""
        try:
            text = loader.read_text(file)
            data = text.encode("utf-8")
            digest.update(data)
            doc = loader.parse(file, text)
        except loader.YamlError as exc:
            problems.append(
                Problem(display(file), exc.position.line, exc.position.column, exc.message)
            )
            unchecked |= kinds_in_text(text)  # links into this file wait until it parses
            continue
        except OSError as exc:
            problems.append(Problem(display(file), 1, 1, f"cannot read file: {exc.strerror}"))
            unchecked |= set(Kind)
            continue
        problems.extend(_file_problems(doc, data))
        entries.extend(entries_of(doc))
        labs.extend(labs_of(doc))
    # A file's own problems (parse, schema, markup) come first: a link to an unknown id is
    # often only a consequence of them (a half-saved file), and `/immuno about` names the first.
    across = {
        *entry_problems(entries, today, frozenset(unchecked)),
        *measure_problems(entries, labs),
    }
    problems = [*sorted(set(problems)), *sorted(across - set(problems))]
    if any(p.severity == "error" for p in problems):
        return LoadResult(None, problems)
    built = [_build(e.kind.value if e.kind else _OUTSIDE, e.raw) for e in entries]
    content_hash = digest.hexdigest()[:12]
    if key:
        raw: dict[str, list[dict[str, Any]]] = {}
        for entry in entries:
            raw.setdefault(entry.kind.value if entry.kind else _OUTSIDE, []).append(entry.raw)
        snapshot.write(files, key, raw, content_hash, labs=[lab.raw for lab in labs])
    info = _info(path, files, content_hash, with_version)
    return LoadResult(_knowledge(built, info, [lab_from(lab.raw) for lab in labs]), problems)


def _info(path: Path, files: list[Path], content_hash: str, with_version: bool) -> KnowledgeInfo:
    return KnowledgeInfo(
        files=tuple(display(f) for f in files),
        version=knowledge_version(path) if with_version else "",
        content_hash=content_hash,
        loaded_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    )


def _from_snapshot(
    path: Path, files: list[Path], cached: dict[str, Any], with_version: bool
) -> LoadResult:
    built = [_build(kind, raw) for kind, items in cached["entries"].items() for raw in items]
    labs = [lab_from(raw) for raw in cached.get("labs", ())]
    info = _info(path, files, cached["content_hash"], with_version)
    return LoadResult(_knowledge(built, info, labs), [])
