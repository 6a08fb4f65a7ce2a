"""Logging for every process (shell, Socket Mode, and the web process under gunicorn).

Gunicorn configures only its own loggers, so without this the web process dropped INFO and
ignored LOG_LEVEL. One handler on the root logger, timestamps, the level from LOG_LEVEL, and the
redacting record factory (bot.redact) installed first so nothing is written unredacted.
"""

from __future__ import annotations

import logging
import sys

from bot import redact

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_HANDLER_NAME = "immuno"


def configure(level: str = "INFO") -> None:
    """Send log records at `level` and above to stderr, once per process."""
    redact.install()
    root = logging.getLogger()
    root.setLevel(level.upper())
    if any(h.get_name() == _HANDLER_NAME for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
