"""Which knowledge files may be read, and reading them without following anything.

A knowledge folder is edited by hand and deployed as files, so it can hold a symlink (to `.env`,
say), a FIFO or a device by mistake or by malice. Only regular files directly inside the folder
are knowledge; everything is opened without following symlinks, and its size is checked on the
open file before a byte is read (a file swapped for a link or grown after the check is caught).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from bot import config

SUFFIXES = (".yaml", ".yml")


class RefusedFile(OSError):
    """A file that is not read: not a regular file inside the folder, or too large."""


def is_regular(path: Path) -> bool:
    """A regular file itself: not a symlink (to anything), FIFO, socket or device."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def candidates(folder: Path) -> list[Path]:
    """Every *.yaml / *.yml name in a folder, whatever kind of file it is."""
    return sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES)


def max_file_bytes() -> int:
    """The largest knowledge file read (IMMUNO_MAX_FILE_BYTES, checked in bot.config). The
    shipped files are tens of kilobytes; a huge file is a mistake or an attack and would stall a
    reload."""
    return config.max_file_bytes()


def check_size(path: Path, size: int) -> None:
    limit = max_file_bytes()
    if size > limit:
        raise RefusedFile(f"file is {size:,} bytes; the limit is {limit:,} bytes")


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file, refusing links, special files and oversized files first."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if os.path.islink(path):
            raise RefusedFile("is a symbolic link; only regular files are read") from None
        raise exc
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise RefusedFile("is not a regular file; only regular files are read")
        check_size(path, info.st_size)
        data = handle.read(info.st_size + 1)
        if len(data) > info.st_size:  # grew after the check: read on, up to the limit
            data += handle.read(max_file_bytes() + 1 - len(data))
    check_size(path, len(data))
    return data
