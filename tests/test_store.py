"""Hot reload: a good edit goes live without a restart, a broken one keeps the last good."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bot.answering import answer
from bot.loading import load_knowledge
from bot.store import KnowledgeError, KnowledgeStore


def _touch_later(path: Path) -> None:
    """Make sure the edit changes the mtime even on coarse-grained filesystems."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def test_a_good_edit_is_served_without_restart(knowledge_copy: Path) -> None:
    store = KnowledgeStore(knowledge_copy)
    assert "pembrolizumab" in answer("pembrolizumab", store.index).message.text.lower()
    path = knowledge_copy / "cancers.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "name: Melanoma", "name: Melanoma (cutaneous and other)"
        ),
        encoding="utf-8",
    )
    _touch_later(path)
    assert store.refresh() is True
    assert (
        answer("melanoma", store.index).message.blocks[0]["text"]["text"]
        == "Melanoma (cutaneous and other)"
    )


@pytest.mark.parametrize(
    "breakage",
    [
        pytest.param(lambda text: text[: len(text) // 2], id="truncated"),
        pytest.param(lambda text: text + "\n  - id: [unclosed\n", id="invalid-yaml"),
        pytest.param(
            lambda text: text.replace("last_reviewed:", "last_reviewd:", 1), id="schema-violation"
        ),
        pytest.param(lambda text: "drugs: &a [1]\nclasses: *a\n", id="anchors"),
    ],
)
def test_a_broken_edit_keeps_the_last_good_knowledge(
    knowledge_copy: Path, breakage, caplog
) -> None:
    store = KnowledgeStore(knowledge_copy)
    before = store.index
    path = knowledge_copy / "drugs-checkpoint-inhibitors.yaml"
    path.write_text(breakage(path.read_text(encoding="utf-8")), encoding="utf-8")
    _touch_later(path)
    assert store.refresh() is False
    assert store.index is before
    assert "Pembrolizumab" in answer("keytruda", store.index).message.text
    about = answer("about", store.index, rejected=store.rejected_summary).message
    assert "newest edit was rejected" in about.text
    assert "drugs-checkpoint-inhibitors.yaml line" in str(about.blocks)
    assert str(knowledge_copy) not in str(about.blocks)  # no server paths

    def errors() -> list:
        return [r for r in caplog.records if r.levelname == "ERROR" and r.name == "bot.store"]

    assert len(errors()) == 1
    store.refresh()  # no change since: not logged again
    assert len(errors()) == 1


def test_a_deleted_file_keeps_the_last_good_knowledge(knowledge_copy: Path, caplog) -> None:
    store = KnowledgeStore(knowledge_copy)
    (knowledge_copy / "classes.yaml").unlink()  # drugs now link to missing classes
    assert store.refresh() is False
    assert "Nivolumab" in answer("opdivo", store.index).message.text
    assert ".yaml line" in store.rejected_summary
    assert "unknown class id" in caplog.text  # the details are for the maintainers' log


def test_fixing_the_edit_clears_the_rejection(knowledge_copy: Path) -> None:
    store = KnowledgeStore(knowledge_copy)
    path = knowledge_copy / "cancers.yaml"
    good = path.read_text(encoding="utf-8")
    path.write_text(good + "\n  - broken\n", encoding="utf-8")
    _touch_later(path)
    store.refresh()
    assert store.rejection is not None
    path.write_text(good, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 4_000_000_000))
    assert store.refresh() is True and store.rejection is None


def test_watcher_thread_picks_up_changes(knowledge_copy: Path) -> None:
    store = KnowledgeStore(knowledge_copy)
    store.watch(interval=0.05)
    try:
        path = knowledge_copy / "cancers.yaml"
        path.write_text(
            path.read_text(encoding="utf-8").replace("name: Melanoma", "name: Melanoma (watched)"),
            encoding="utf-8",
        )
        _touch_later(path)
        deadline = time.monotonic() + 5
        while (
            time.monotonic() < deadline
            and store.index.knowledge.entries["melanoma"].name != "Melanoma (watched)"
        ):
            time.sleep(0.05)
        assert store.index.knowledge.entries["melanoma"].name == "Melanoma (watched)"
    finally:
        store.stop()


def test_broken_knowledge_at_start_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("drugs:\n  - id: BAD ID\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        KnowledgeStore(tmp_path)
    assert "a.yaml:2:" in str(raised.value)


def test_a_restart_trusts_a_snapshot_only_of_the_exact_files_validated(
    knowledge_copy: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("IMMUNO_CACHE_DIR", str(tmp_path / "cache"))
    KnowledgeStore(knowledge_copy)  # validated in full, snapshot written
    assert list((tmp_path / "cache").glob("knowledge-*.json"))
    assert "Pembrolizumab" in answer("keytruda", KnowledgeStore(knowledge_copy).index).message.text
    path = knowledge_copy / "drugs-checkpoint-inhibitors.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "classes: [pd-1-inhibitors]", "classes: [pd-1-inhibitor]", 1
        ),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError, match="unknown class id 'pd-1-inhibitor'"):
        KnowledgeStore(knowledge_copy)  # edited bytes: validated again, and refused


def test_a_file_that_failed_its_checks_is_checked_again_on_every_load(
    knowledge_copy: Path,
) -> None:
    """Only texts that passed are remembered as checked (bot.loading): a broken file is refused
    by every load, not only by the first."""
    path = knowledge_copy / "cancers.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("last_reviewed:", "last_reviewd:", 1),
        encoding="utf-8",
    )
    for _ in range(2):
        result = load_knowledge(knowledge_copy, with_version=False)
        assert result.knowledge is None
        assert any("cancers.yaml" in p.file and "last_reviewd" in p.message for p in result.errors)
