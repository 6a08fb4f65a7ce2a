"""Which drug a DailyMed link names, and reading the drift check's state file."""

from __future__ import annotations

from pathlib import Path

from bot import label_links
from bot.resolve import Index

SETID = "8bc6397e-4bd8-4d37-a007-a327e4da34d9"


def test_set_ids_are_read_from_pages_and_services() -> None:
    page = f"https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={SETID.upper()}&audience=x"
    service = f"https://dailymed.nlm.nih.gov/dailymed/services/v2/spls/{SETID}/history.json"
    assert label_links.setid_of(page) == SETID
    assert label_links.setid_of(service) == SETID
    assert label_links.setid_of("https://dailymed.nlm.nih.gov/dailymed/search.cfm?query=x") == ""


def test_brand_and_generic_names_in_a_search_link_find_the_drug(index: Index) -> None:
    base = "https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query="
    for name in ("KEYTRUDA", "pembrolizumab"):
        drug = label_links.drug_for_link(base + name, index)
        assert drug is not None and drug.id == "pembrolizumab"


def test_a_missing_or_broken_state_file_means_no_check(tmp_path: Path) -> None:
    assert label_links.read_drift(tmp_path / "absent.json") is None
    broken = tmp_path / "drift.json"
    broken.write_text('{"checked_at": "x"')
    assert label_links.read_drift(broken) is None
    assert label_links.read_drift(None) is None
