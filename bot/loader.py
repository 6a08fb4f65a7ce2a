"""Read knowledge YAML safely, keeping the file position of every value.

Clinicians edit these files by hand, so every problem must point at a line. We therefore compose
the YAML node tree (C parser where available) and build plain Python data from it ourselves,
recording where each value sits. Building the data ourselves is also what makes the reader safe:
only the core YAML types are accepted, and an alias (the "billion laughs" bomb) is refused the
moment it is met instead of being expanded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot import files

try:  # the libyaml parser is several times faster; pure Python is the fallback
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    """A 1-based line and column in a file."""

    line: int
    column: int


@dataclass
class Document:
    """One parsed file: its data and the position of every value, keyed by the value's path."""

    path: Path
    data: Any
    positions: dict[Path_, Position] = field(default_factory=dict)
    key_positions: dict[Path_, Position] = field(default_factory=dict)

    def position(self, at: Path_) -> Position:
        """Where the value at `at` sits; falls back to the nearest enclosing value."""
        at = tuple(at)
        while at:
            if at in self.positions:
                return self.positions[at]
            at = at[:-1]
        return self.positions.get((), Position(1, 1))


class YamlError(Exception):
    """A file that cannot be read as safe YAML; carries the position of the fault."""

    def __init__(self, path: Path, position: Position, message: str) -> None:
        super().__init__(f"{path}:{position.line}:{position.column}: {message}")
        self.path = path
        self.position = position
        self.message = message


def _pos(mark: Any) -> Position:
    return Position(mark.line + 1, mark.column + 1)


class _Builder:
    """Turns a composed node tree into plain data, refusing anything beyond core YAML."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: set[int] = set()
        self.positions: dict[Path_, Position] = {}
        self.key_positions: dict[Path_, Position] = {}
        self.constructor = yaml.SafeLoader("")  # only used for its scalar constructors

    def fail(self, node: yaml.Node, message: str) -> YamlError:
        return YamlError(self.path, _pos(node.start_mark), message)

    def build(self, node: yaml.Node, at: Path_) -> Any:
        if id(node) in self.seen:
            raise self.fail(node, "YAML aliases (*name) are not allowed; write the value out")
        self.seen.add(id(node))
        self.positions[at] = _pos(node.start_mark)
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                raise self.fail(node, f"YAML tag {node.tag!r} is not allowed")
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MAP_TAG:
                    raise self.fail(key_node, "mapping keys must be plain text")
                if key_node.value == "<<":
                    raise self.fail(key_node, "YAML merge keys (<<) are not allowed")
                key = str(self.scalar(key_node))
                if key in out:
                    raise self.fail(key_node, f"duplicate key {key!r}")
                self.key_positions[(*at, key)] = _pos(key_node.start_mark)
                out[key] = self.build(value_node, (*at, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                raise self.fail(node, f"YAML tag {node.tag!r} is not allowed")
            return [self.build(item, (*at, i)) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def scalar(self, node: yaml.Node) -> Any:
        if node.tag not in _SCALAR_TAGS:
            raise self.fail(node, f"YAML tag {node.tag!r} is not allowed")
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value  # dates stay text: the schema checks their form
        if node.tag == "tag:yaml.org,2002:str":
            return node.value
        return self.constructor.construct_object(node)


# Where an anchor could start a node: after indentation, "- ", ": ", "[", "{" or ",". An "&"
# inside a word (a URL's "?a=1&b=2") cannot be one, so most files skip the event scan below.
_MAYBE_ANCHOR_RE = re.compile(r"(?:^|[\s\[\{,])&[^\s\[\]\{\},]", re.M)


def _check_no_anchors(path: Path, text: str) -> None:
    """Refuse anchors even when never used: they only exist to be aliased."""
    for event in yaml.parse(text, Loader=_Loader):
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise YamlError(
                path, _pos(event.start_mark), f"YAML anchors (&{anchor}) are not allowed"
            )


def read_text(path: Path) -> str:
    """Read a regular file as UTF-8, refusing links, special and oversized files before
    reading them into memory (see bot.files)."""
    try:
        data = files.read_bytes(path)
    except files.RefusedFile as exc:
        raise YamlError(path, Position(1, 1), str(exc)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(path, Position(1, 1), f"file is not UTF-8 text ({exc.reason})") from exc


_TAB_MESSAGE = "a tab character: YAML indents with spaces only; replace the tab with spaces"


def _tab_near(text: str, line: int) -> Position | None:
    """The tab that caused a parse error: in the faulty line's indentation, or the line before."""
    lines = text.split("\n")
    for number in (line, line - 1):
        if 1 <= number <= len(lines):
            content = lines[number - 1]
            indent = content[: len(content) - len(content.lstrip(" \t"))]
            if "\t" in indent:
                return Position(number, indent.index("\t") + 1)
    return None


def parse(path: Path, text: str) -> Document:
    """Parse YAML text into a Document, or raise YamlError pointing at the fault."""
    try:
        if _MAYBE_ANCHOR_RE.search(text):  # only scan events when an anchor is possible
            _check_no_anchors(path, text)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        position = _pos(mark) if mark is not None else Position(1, 1)
        tab = _tab_near(text, position.line)
        if tab is not None:
            raise YamlError(path, tab, _TAB_MESSAGE) from exc
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise YamlError(path, position, f"invalid YAML: {message}") from exc
    except yaml.YAMLError as exc:
        raise YamlError(path, Position(1, 1), f"invalid YAML: {exc}") from exc
    if node is None:
        return Document(path, None, {(): Position(1, 1)})
    builder = _Builder(path)
    data = builder.build(node, ())
    return Document(path, data, builder.positions, builder.key_positions)


def load(path: Path) -> Document:
    """Read and parse one knowledge file."""
    return parse(path, read_text(path))
