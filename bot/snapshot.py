"""A validated copy of the knowledge, as JSON, so that a restart need not parse and validate the
same files again.

Validation (YAML parsing plus the JSON Schema) is most of a cold start. After a load passes every
check, its plain data is written here keyed by a hash of the exact bytes of every knowledge file
and of the schema; a later start whose files hash the same reads the JSON instead. Any edit
changes the hash, so an edited file is always validated in full. JSON, not pickle: reading the
cache can never run code.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from bot import config, paths
from bot.files import check_size, read_bytes

log = logging.getLogger(__name__)

FORMAT = 2  # 2: the lab vocabulary is kept beside the entries
SCHEMA_PATH = paths.SCHEMA_PATH


def cache_dir() -> Path | None:
    """IMMUNO_CACHE_DIR, or .immuno-cache beside the code; IMMUNO_CACHE_DIR=off disables it."""
    configured = config.cache_setting()
    if configured.lower() in ("off", "none", "0"):
        return None
    return Path(configured) if configured else paths.default_cache_dir()


def fingerprint(files: list[Path]) -> str:
    """What the validation depended on: the files' names and bytes, the schema, the format.

    Every size is checked before any file is read, and each is read as the loader reads it
    (regular files only, within the size limit): an oversized file raises OSError (no snapshot;
    the full load then refuses it) instead of being hashed whole into memory."""
    for file in files:
        check_size(file, os.lstat(file).st_size)
    digest = hashlib.sha256(f"immuno-snapshot-{FORMAT}".encode())
    digest.update(SCHEMA_PATH.read_bytes())
    for file in files:
        digest.update(str(file.resolve()).encode() + b"\0")
        digest.update(read_bytes(file) + b"\0")
    return digest.hexdigest()


def _path(files: list[Path]) -> Path | None:
    """One snapshot per set of knowledge files, replaced when their content changes."""
    folder = cache_dir()
    if folder is None:
        return None
    where = hashlib.sha256("\0".join(str(f.resolve()) for f in files).encode()).hexdigest()
    return folder / f"knowledge-{where[:16]}.json"


def read(files: list[Path], key: str) -> dict[str, Any] | None:
    """The validated data for this fingerprint, if a snapshot of it exists."""
    path = _path(files)
    if path is None or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    if data.get("format") != FORMAT or data.get("fingerprint") != key:
        return None
    return data


def write(
    files: list[Path],
    key: str,
    entries: dict[str, list[dict[str, Any]]],
    content_hash: str,
    *,
    labs: list[dict[str, Any]] | None = None,
) -> None:
    """Keep the validated data; failing to write only means the next start validates again."""
    path = _path(files)
    if path is None:
        return
    payload = {
        "format": FORMAT,
        "fingerprint": key,
        "content_hash": content_hash,
        "entries": entries,
        "labs": labs or [],
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=path.parent, delete=False, encoding="utf-8", suffix=".tmp"
        ) as handle:
            # dumps, not dump: json.dump always takes the pure-Python encoder and writes each
            # of ~24,000 pieces separately (a third of a full validation's time)
            handle.write(json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
        os.replace(handle.name, path)
    except OSError as exc:
        log.debug("knowledge snapshot not written: %s", exc)
