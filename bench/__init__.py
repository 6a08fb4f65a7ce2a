"""Benchmarks for immuno: measured answer quality, kept out of the bot package and its tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def read_yaml(path: Path) -> Any:
    """A bench or knowledge YAML file as plain data (safe types only).

    libyaml's safe loader, like bench/scale.py's dumper: the question sets are thousands of
    lines, and yaml.safe_load's pure-Python reader took about 0.2 s of CPU per read, read some
    twenty times by `scripts/test`."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
