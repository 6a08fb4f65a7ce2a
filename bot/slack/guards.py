"""Claims in one process's memory: the `Claims` interface and SeenOnce.

Events, keyword cards, channel limits and interactive replays are claimed in the shared store
(bot.slack.claims, bot.state), so the decision holds across processes. SeenOnce remains as the
in-memory fallback the replay guard uses while the store is unreachable.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
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
