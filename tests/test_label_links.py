"""Which drug a DailyMed link names, and reading the drift check's state file."""

from __future__ import annotations

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


def test_a_set_id_link_finds_the_drug_pinned_to_it(index: Index) -> None:
    pinned = [d for d in index.knowledge.drugs if d.label and d.label.setids]
    assert pinned
    for drug in pinned:
        assert drug.label is not None
        for setid in drug.label.setids:
            url = f"https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={setid.upper()}"
            found = label_links.drug_for_link(url, index)
            owners = [d for d in pinned if d.label and setid in d.label.setids]
            assert found is (drug if len(owners) == 1 else None), url


def test_a_set_id_nobody_pinned_is_left_alone(index: Index) -> None:
    nobody = "00000000-0000-4000-8000-000000000000"
    url = f"https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={nobody}"
    assert all(nobody not in (d.label.setids if d.label else ()) for d in index.knowledge.drugs)
    assert label_links.drug_for_link(url, index) is None


def test_the_card_names_the_label_version_reviewed_when_known(index: Index) -> None:
    from dataclasses import replace

    from bot.knowledge import Drug, Label

    drug = index.knowledge.entries["pembrolizumab"]
    assert isinstance(drug, Drug)
    versioned = replace(drug, label=Label(("x",), version=12, published="2025-06-20"))
    assert "against label v12 of 2025-06-20" in label_links.reviewed_line(versioned)
    unversioned = replace(drug, label=None)
    assert label_links.reviewed_line(unversioned) == f"Reviewed {drug.last_reviewed}"
