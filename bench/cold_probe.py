"""Where the product's cold start goes: each start-up step timed in a fresh interpreter.

Why a module of its own: it must import nothing at the top beyond the standard library, so that
the first import it times (Bolt) is really the first. bench/latency.py runs it as
``python -m bench.cold_probe`` with a JSON spec on stdin and reads one JSON line back.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def cold_probe(knowledge: Path, database: str) -> dict[str, float]:
    """Seconds per start-up step of the product, in this (fresh) interpreter, in the order the
    worker does them. Imports shared with any Bolt app are timed first, so each later import
    line is the product's own cost."""
    import importlib

    steps: dict[str, float] = {}
    mark = time.perf_counter()

    def step(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        steps[name] = steps.get(name, 0.0) + now - mark
        mark = now

    for module in ("slack_bolt", "slack_bolt.adapter.wsgi", "slack_sdk"):
        importlib.import_module(module)
    step("import Bolt + slack_sdk (any app)")
    # SQLAlchemy, jsonschema, PyYAML and rapidfuzz are not imported at start: the miss log
    # opens its database on the first write, and a start from a validated snapshot neither
    # parses YAML nor checks the schema (bot.snapshot). The steps follow the real start.
    importlib.import_module("dotenv")
    step("import dotenv")
    for module in ("bot.slack.web", "bot.slack.app", "bot.misslog", "bot.store"):
        importlib.import_module(module)
    step("import bot modules")
    from bot.config import Config
    from bot.loading import load_knowledge
    from bot.misslog import MissLog
    from bot.resolve import Index
    from bot.slack.app import build_app

    result = load_knowledge(knowledge, use_snapshot=True, with_version=False)
    step("load knowledge (validated snapshot when the files are unchanged)")
    assert result.knowledge is not None
    index = Index.build(result.knowledge)
    step("build index")
    misslog = MissLog(database)
    step("create the miss log (its database opens on the first write)")
    from bot.store import KnowledgeStore

    store = KnowledgeStore.__new__(KnowledgeStore)  # the store around the index built above
    store.path, store.index, store.rejection = knowledge, index, None
    config = Config(
        bot_token="xoxb-bench",
        signing_secret="bench-signing-secret",
        api_url="http://127.0.0.1:9/api/",
        knowledge_path=knowledge,
    )
    build_app(config, store, misslog=misslog)
    step("build Bolt app")
    from bot.answering import answer

    answer("pembrolizumab", index)
    step("first answer")
    return steps


def main() -> int:
    spec = json.loads(sys.stdin.read())
    print(json.dumps(cold_probe(Path(spec["knowledge"]), spec["database"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
