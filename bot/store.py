"""Hold the live knowledge, reload it when the files change, and keep the last good one.

A clinician's broken edit must never take the bot down: a reload that fails (invalid YAML, a
schema error, a file caught half-written, a file deleted) is logged once and recorded for
`/immuno about`, while the previous Index keeps answering. A good reload builds the new Index
beside the old one and swaps it in with one assignment.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from bot.knowledge import Knowledge
from bot.loading import LoadResult, knowledge_files, knowledge_version, load_knowledge
from bot.resolve import Index

log = logging.getLogger(__name__)

Signature = tuple[tuple[str, int, int], ...]


class KnowledgeError(Exception):
    """The knowledge could not be loaded at start: there is nothing to serve."""

    def __init__(self, result: LoadResult) -> None:
        self.problems = result.errors
        lines = "\n".join(str(p) for p in result.errors[:20])
        more = f"\n…and {len(result.errors) - 20} more" if len(result.errors) > 20 else ""
        super().__init__(f"knowledge has {len(result.errors)} error(s):\n{lines}{more}")


@dataclass(frozen=True)
class Rejection:
    """The newest edit that was refused, and why."""

    signature: Signature
    summary: str


def public_summary(result: LoadResult) -> str:
    """Why an edit was rejected, for anyone in Slack: file names and lines only. Never the
    validator's messages (they quote file text) or server paths; those go to the log."""
    places = [f"{Path(p.file).name} line {p.line}" for p in result.errors[:5]]
    more = f" and {len(result.errors) - 5} more" if len(result.errors) > 5 else ""
    return (
        f"{len(result.errors)} problem(s): {', '.join(places)}{more}. Maintainers: "
        "`python -m bot validate` shows each one."
    )


def signature(path: Path) -> Signature:
    """What changes when any knowledge file is edited, added or removed."""
    out = []
    try:
        files = knowledge_files(path)
    except OSError:
        return ()
    for file in files:
        try:
            stat = file.stat()
        except OSError:
            continue
        out.append((str(file), stat.st_mtime_ns, stat.st_size))
    return tuple(out)


class KnowledgeStore:
    """The Index currently served, with hot reload."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._signature = signature(path)
        # The version (a git call) is filled in beside the start, not before the first answer.
        result = load_knowledge(path, use_snapshot=True, with_version=False)
        if result.knowledge is None:
            raise KnowledgeError(result)
        self.index: Index = Index.build(result.knowledge)
        self.rejection: Rejection | None = None
        if not result.knowledge.info.version:
            threading.Thread(
                target=self._fill_version,
                args=(result.knowledge,),
                name="knowledge-version",
                daemon=True,
            ).start()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def rejected_summary(self) -> str:
        return self.rejection.summary if self.rejection else ""

    def _fill_version(self, knowledge: Knowledge) -> None:
        version = knowledge_version(self.path)
        if version:
            knowledge.info = replace(knowledge.info, version=version)

    def refresh(self) -> bool:
        """Reload if the files changed since the last look. True when a new version is live."""
        current = signature(self.path)
        if current == self._signature:
            return False
        with self._lock:
            if current == self._signature:
                return False
            return self._reload(current)

    def _reload(self, current: Signature) -> bool:
        try:
            result = load_knowledge(self.path)
        except Exception as exc:  # a reload must never kill the server
            log.exception("knowledge reload failed")
            return self._reject(current, f"the reload failed ({type(exc).__name__})")
        if signature(self.path) != current:
            # Files changed while we read them (an editor mid-save): look again next time.
            return False
        if result.knowledge is None:
            lines = [str(p) for p in result.errors[:20]]
            more = f"\n…and {len(result.errors) - 20} more" if len(result.errors) > 20 else ""
            return self._reject(current, public_summary(result), "\n".join(lines) + more)
        self.index = Index.build(result.knowledge)
        self._signature = current
        self.rejection = None
        log.info(
            "knowledge reloaded: %d entries, version %s",
            len(result.knowledge.entries),
            result.knowledge.info.version or result.knowledge.info.content_hash,
        )
        return True

    def _reject(self, current: Signature, summary: str, details: str = "") -> bool:
        self._signature = current  # log a broken edit once, not on every poll
        self.rejection = Rejection(current, summary)
        log.error(
            "knowledge edit rejected; still serving the last good version:\n%s",
            details or summary,
        )
        return False

    def watch(self, interval: float = 2.0) -> None:
        """Poll for changes in a daemon thread."""
        if self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self.refresh()
                except Exception:  # pragma: no cover - refresh already guards reloads
                    log.exception("knowledge watcher error")

        self._thread = threading.Thread(target=loop, name="knowledge-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (and wait for a reload in progress to finish)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
