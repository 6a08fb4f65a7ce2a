"""Where each assistant thread's context (the channel the user is looking at) is kept: in memory.

Bolt's default store keeps it in the metadata of the bot's first reply, which costs a
conversations.replies and a chat.update per change. immuno's answers do not depend on the
channel being viewed, so a bounded in-memory map is enough; a restart only forgets it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from slack_bolt.context.assistant.thread_context import AssistantThreadContext
from slack_bolt.context.assistant.thread_context_store.store import AssistantThreadContextStore


class MemoryThreadContextStore(AssistantThreadContextStore):
    def __init__(self, max_threads: int = 10_000) -> None:
        self.max_threads = max_threads
        self._contexts: OrderedDict[tuple[str, str], dict[str, str]] = OrderedDict()
        self._lock = threading.Lock()

    def save(self, *, channel_id: str, thread_ts: str, context: dict[str, str]) -> None:
        with self._lock:
            self._contexts[(channel_id, thread_ts)] = dict(context)
            self._contexts.move_to_end((channel_id, thread_ts))
            while len(self._contexts) > self.max_threads:
                self._contexts.popitem(last=False)

    def find(self, *, channel_id: str, thread_ts: str) -> AssistantThreadContext | None:
        with self._lock:
            context = self._contexts.get((channel_id, thread_ts))
        if not context or "channel_id" not in context:
            return None
        return AssistantThreadContext(context)
