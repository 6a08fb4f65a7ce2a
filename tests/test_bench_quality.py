"""The answer-quality benchmark runs, and its development set stays well-formed.

Why: bench/quality.py is only useful if it keeps running as the bot changes, and its numbers only
mean something if queries.yaml stays big, has enough out-of-scope queries to measure false
answers, points every expectation at an entry that exists, and counts no query twice.
"""

from __future__ import annotations

from collections import Counter

import pytest

from bench import read_yaml
from bench.quality import (
    CATEGORIES,
    KNOWLEDGE_PATH,
    OUT_OF_SCOPE,
    QUERIES_PATH,
    SMOKE_LIMIT,
    SYSTEMS,
    BenchQuery,
    load,
    load_queries,
    run,
)


@pytest.fixture(scope="module")
def queries() -> list[BenchQuery]:
    return load_queries(QUERIES_PATH)


def test_smoke_run_reports_three_systems() -> None:
    figures = run(QUERIES_PATH, KNOWLEDGE_PATH, limit=SMOKE_LIMIT)
    assert figures["queries"] == SMOKE_LIMIT
    assert set(figures["systems"]) == set(SYSTEMS)
    for name in SYSTEMS:
        system = figures["systems"][name]
        for key in ("top1", "oos_precision", "false_answer_rate", "overall"):
            assert system[key] is not None, (name, key)
            assert 0.0 <= system[key] <= 1.0, (name, key, system[key])
    assert len(figures["results"]) == SMOKE_LIMIT
    assert all(f["got"] != f["expected"] for f in figures["failures"])


def test_smoke_block_covers_every_category(queries: list[BenchQuery]) -> None:
    # The smoke run is only a machinery check if its queries exercise every path.
    assert {q.category for q in queries[:SMOKE_LIMIT]} == set(CATEGORIES)


def test_queries_are_enough(queries: list[BenchQuery]) -> None:
    assert len(queries) >= 250
    assert sum(q.expect is None for q in queries) >= 40
    assert all((q.expect is None) == (q.category == OUT_OF_SCOPE) for q in queries)


def test_expectations_name_existing_entries(queries: list[BenchQuery]) -> None:
    knowledge = load(KNOWLEDGE_PATH)
    unknown = [
        (q.q, q.expect)
        for q in queries
        if q.expect is not None and q.expect not in knowledge.entries
    ]
    assert unknown == []


def test_no_duplicate_queries(queries: list[BenchQuery]) -> None:
    counts = Counter(" ".join(q.q.lower().split()) for q in queries)
    assert [q for q, n in counts.items() if n > 1] == []


def test_raw_expect_is_none_or_an_id() -> None:
    # load_queries folds `none` to None; the file itself must spell every expectation out.
    items = read_yaml(QUERIES_PATH)["queries"]
    assert all(isinstance(i["expect"], str) and i["expect"] for i in items)
