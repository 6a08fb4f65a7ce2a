"""Per-workspace settings (keyword channels, feedback channel), kept in the shared store.

A workspace's own value wins over the deployment-wide environment variable
(IMMUNO_KEYWORD_CHANNELS, IMMUNO_FEEDBACK_CHANNEL), which stays the default. Each process keeps
what it read for a few seconds, because the keyword check runs on every channel message; a
change made through one process is seen by all of them within CACHE_SECONDS.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from bot.config import Config
from bot.state import SharedState

KEYWORD_CHANNELS = "keyword_channels"
FEEDBACK_CHANNEL = "feedback_channel"
CACHE_SECONDS = 10.0


class WorkspaceSettings:
    def __init__(
        self,
        state: SharedState,
        config: Config,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.state = state
        self.config = config
        self.clock = clock
        self._cache: dict[str, tuple[float, dict[str, str]]] = {}
        self._lock = threading.Lock()

    def _read(self, team_id: str) -> dict[str, str]:
        now = self.clock()
        with self._lock:
            cached = self._cache.get(team_id)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        values = self.state.settings(team_id)
        if values is None:  # unreachable: keep what we had (or the defaults)
            return cached[1] if cached is not None else {}
        with self._lock:
            self._cache[team_id] = (now, values)
        return values

    def keyword_channels(self, team_id: str) -> frozenset[str]:
        raw = self._read(team_id).get(KEYWORD_CHANNELS)
        if raw is None:
            return self.config.keyword_channels
        return frozenset(raw.split())

    def feedback_channel(self, team_id: str) -> str:
        raw = self._read(team_id).get(FEEDBACK_CHANNEL)
        return self.config.feedback_channel if raw is None else raw

    def set(self, team_id: str, name: str, value: str) -> bool:
        saved = self.state.set_setting(team_id, name, value)
        with self._lock:
            self._cache.pop(team_id, None)
        return saved

    def forget(self, team_id: str) -> None:
        self.state.forget_workspace(team_id)
        with self._lock:
            self._cache.pop(team_id, None)
