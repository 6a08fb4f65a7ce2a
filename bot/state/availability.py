"""Whether the shared store is reachable, decided once per outage and logged once.

When the database stops answering, every request that needs it would otherwise wait for a
connect timeout and log its own error. Instead the first failure marks the store down (one log
line saying what the bot does meanwhile), later requests fail at once, one probe is let through
every `retry_seconds`, and the first success logs one line that it is back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("bot.state")

WHILE_DOWN = (
    "events are refused with HTTP 503 so that Slack delivers them again later (never two "
    "replies), keyword cards are skipped; slash commands are answered as usual"
)


class Availability:
    def __init__(
        self, retry_seconds: float = 2.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.retry_seconds = retry_seconds
        self.clock = clock
        self.up = True
        self._retry_at = 0.0
        self._probing = False
        self._lock = threading.Lock()

    def allow(self) -> bool:
        """True when a call may try the database now (always while it is up)."""
        if self.up:
            return True
        with self._lock:
            if self._probing or self.clock() < self._retry_at:
                return False
            self._probing = True
            return True

    def succeeded(self) -> None:
        if self.up:
            return
        with self._lock:
            was_down, self.up, self._probing = not self.up, True, False
        if was_down:
            log.warning("shared state is reachable again")

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            was_up = self.up
            self.up, self._probing = False, False
            self._retry_at = self.clock() + self.retry_seconds
        if was_up:
            log.error(
                "shared state unreachable (%s); until it is back, %s", _reason(exc), WHILE_DOWN
            )


def _reason(exc: BaseException) -> str:
    """The exception's class and first line, without the SQL or parameters SQLAlchemy adds."""
    orig = getattr(exc, "orig", None) or exc
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    return f"{type(orig).__name__}: {first[:200]}" if first else type(orig).__name__
