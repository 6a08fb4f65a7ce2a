"""Logging for every process (shell, Socket Mode, and the web process under gunicorn).

Gunicorn configures only its own loggers, so without this the web process dropped INFO and
ignored LOG_LEVEL. One handler on the root logger, timestamps, the level from LOG_LEVEL, and the
redacting record factory (bot.redact) installed first so nothing is written unredacted.

Records below WARNING (the web process writes one INFO line per request, bot.slack.outcome) are
formatted and written by a background thread: a request does not wait for its own log line to
reach stderr. WARNING and above are written at once, so the lines before a crash are never
lost in a queue. The timestamp is taken when the record is made, so deferred lines still carry
the moment they describe.
"""

from __future__ import annotations

import atexit
import logging
import queue
import sys
from logging.handlers import QueueHandler, QueueListener

from bot import redact

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_HANDLER_NAME = "immuno"


class _Below(logging.Filter):
    """Passes records under a level: the deferred handler takes what the immediate one does not."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno < self.level


class _Deferred(QueueHandler):
    """Queues the record as made (its message already redacted by bot.redact's factory);
    formatting happens on the listener thread."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record


class _Handlers:
    """The root logger's two handlers and the thread that writes the deferred records."""

    def __init__(self) -> None:
        formatter = logging.Formatter(FORMAT)
        self.now = logging.StreamHandler(sys.stderr)
        self.now.set_name(_HANDLER_NAME)
        self.now.setLevel(logging.WARNING)
        self.now.setFormatter(formatter)
        writer = logging.StreamHandler(sys.stderr)
        writer.setFormatter(formatter)
        pending: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
        self.later = _Deferred(pending)
        self.later.set_name(_HANDLER_NAME + ".deferred")
        self.later.addFilter(_Below(logging.WARNING))
        self.listener = QueueListener(pending, writer)

    def start(self, root: logging.Logger) -> None:
        self.listener.start()
        root.addHandler(self.now)
        root.addHandler(self.later)

    def stop(self, root: logging.Logger) -> None:
        """Detach, then write what is queued."""
        root.removeHandler(self.now)
        root.removeHandler(self.later)
        self.listener.stop()


_installed: _Handlers | None = None


def configure(level: str = "INFO") -> None:
    """Send log records at `level` and above to stderr, once per process."""
    global _installed
    redact.install()
    root = logging.getLogger()
    root.setLevel(level.upper())
    if _installed is not None:
        return
    _installed = _Handlers()
    _installed.start(root)
    atexit.register(reset)


def reset() -> None:
    """Write what is queued and remove the handlers (at exit, and after a test)."""
    global _installed
    if _installed is not None:
        _installed.stop(logging.getLogger())
        _installed = None
