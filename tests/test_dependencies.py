"""The lock file deployments install from: every dependency pinned, hashed, within pyproject's
bounds (so `pip install --require-hashes -r requirements.lock` installs what was reviewed)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_PIN_RE = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\]+)", re.M)
_BOUND_RE = re.compile(r"^([A-Za-z0-9._-]+)(?:\[[\w,-]+\])?\s*(>=|~=)\s*([0-9.]+)")


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def _pins() -> dict[str, str]:
    return {_name(n): v for n, v in _PIN_RE.findall((ROOT / "requirements.lock").read_text())}


def test_every_dependency_is_pinned_with_hashes_within_its_lower_bound() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _pins()
    for requirement in project["dependencies"]:
        match = _BOUND_RE.match(requirement)
        assert match, f"{requirement}: give a lower bound (>= or ~=)"
        name, _, bound = match.groups()
        assert _name(name) in pins, f"{name} is not in requirements.lock"
        assert _version(pins[_name(name)]) >= _version(bound), name


def test_every_pin_in_the_lock_carries_a_hash() -> None:
    text = (ROOT / "requirements.lock").read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 6)[-1])
    pinned = [b for b in blocks if "==" in b.split("\n", 1)[0]]
    assert pinned and all("--hash=sha256:" in b for b in pinned)
    assert len(pinned) == len(_pins())
