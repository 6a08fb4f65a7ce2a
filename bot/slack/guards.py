"""Keep the bot from answering twice or flooding a channel.

Slack re-sends an event it thinks was missed; the same event_id must produce one reply even when
the first delivery is still being handled, so an id is claimed the moment it arrives. Keyword
cards are limited per channel per minute and sent once per entry per thread.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Protocol


class Claims(Protocol):
    """Who handles a key first: `claim` is true once per key. The one interface the guards
    need, so an in-process memory (SeenOnce) can give way to a shared database table."""

    def claim(self, key: str) -> bool: ...


class SeenOnce:
    """Remembers keys for `ttl` seconds; `claim` is true only for the first caller."""

    def __init__(
        self,
        ttl: float = 3600.0,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_keys = max_keys
        self.clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._seen

    def claim(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            while self._seen:
                oldest, stamp = next(iter(self._seen.items()))
                if now - stamp < self.ttl and len(self._seen) < self.max_keys:
                    break
                self._seen.pop(oldest)
            if key in self._seen:
                return False
            self._seen[key] = now
            return True


class ChannelRateLimit:
    """At most `limit` events per channel in any `window` seconds (a sliding window)."""

    def __init__(
        self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, channel: str) -> bool:
        now = self.clock()
        with self._lock:
            events = self._events.setdefault(channel, deque())
            while events and now - events[0] >= self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True
