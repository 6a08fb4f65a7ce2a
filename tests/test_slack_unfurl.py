"""DailyMed links unfurl into the drug's card (link_shared -> chat.unfurl) over signed HTTP."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import KNOWLEDGE, Bot, make_config
from support import FakeSlack, blocks_of, parsed_blocks, serve

from bot.knowledge import Knowledge
from bot.slack.web import create_application

SEARCH = "https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=PEMBROLIZUMAB"


@pytest.fixture(scope="module")
def unfurl_knowledge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped knowledge, so a drift state file can sit beside it: one for the
    module, validated in full once and read from its snapshot after, as a restart would."""
    target = tmp_path_factory.mktemp("unfurl") / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


@pytest.fixture
def unfurl_bot(slack: FakeSlack, tmp_path: Path, unfurl_knowledge: Path) -> Iterator[Bot]:
    """The bot on a knowledge folder of its own, with no drift state unless a test writes one."""
    state = unfurl_knowledge.parent / ".immuno-cache" / "drift.json"
    state.unlink(missing_ok=True)
    config = make_config(slack, tmp_path, knowledge_path=unfurl_knowledge)
    handler = create_application(config, watch=False)
    with serve(handler) as url:
        yield Bot(url, handler, slack, config)


def shared(*urls: str, source: str = "conversations_history") -> dict:
    event = {
        "type": "link_shared",
        "channel": "C1ONC",
        "user": "U1NURSE",
        "message_ts": "1700000800.000800",
        "links": [{"domain": "dailymed.nlm.nih.gov", "url": u} for u in urls],
        "source": source,
        "event_ts": "1700000801.000001",
    }
    if source == "composer":
        event.update(channel="COMPOSER", message_ts="U1NURSE-1234", unfurl_id="Uf0001")
    return event


def _unfurls(body: dict) -> dict:
    value = body["unfurls"]
    return json.loads(value) if isinstance(value, str) else value


def test_a_posted_label_link_unfurls_into_the_drug_card(unfurl_bot: Bot, knowledge) -> None:
    assert unfurl_bot.event(shared(SEARCH)).status == 200
    call = unfurl_bot.slack.wait_for("/chat.unfurl")[0].body
    assert call["channel"] == "C1ONC" and call["ts"] == "1700000800.000800"
    unfurls = _unfurls(call)
    assert list(unfurls) == [SEARCH]
    parsed_blocks(unfurls[SEARCH]["blocks"])
    dumped = json.dumps(unfurls[SEARCH]["blocks"])
    assert "Pembrolizumab (Keytruda" in dumped
    assert f"Reviewed {knowledge.entries['pembrolizumab'].last_reviewed}" in dumped
    assert "label check" not in dumped and "last check" not in dumped  # no check has run


def test_a_link_being_typed_is_unfurled_by_its_unfurl_id(unfurl_bot: Bot) -> None:
    unfurl_bot.event(shared(SEARCH, source="composer"))
    call = unfurl_bot.slack.wait_for("/chat.unfurl")[0].body
    assert call["unfurl_id"] == "Uf0001" and call["source"] == "composer"
    assert "channel" not in call


def test_the_card_says_whether_the_label_changed_after_the_review(
    unfurl_bot: Bot, unfurl_knowledge: Path
) -> None:
    state = unfurl_knowledge.parent / ".immuno-cache" / "drift.json"
    state.parent.mkdir(exist_ok=True)
    state.write_text(
        json.dumps(
            {"checked_at": "2026-12-01 06:00 UTC", "checked": 40, "drifted": ["pembrolizumab"]}
        )
    )
    nivolumab = SEARCH.replace("PEMBROLIZUMAB", "NIVOLUMAB")
    unpinned = SEARCH.replace("PEMBROLIZUMAB", "LIFILEUCEL")
    unfurl_bot.event(shared(SEARCH, nivolumab, unpinned))
    unfurls = _unfurls(unfurl_bot.slack.wait_for("/chat.unfurl")[0].body)
    drifted = json.dumps(unfurls[SEARCH]["blocks"])
    assert "published after this review" in drifted and "2026-12-01 06:00 UTC" in drifted
    current = json.dumps(unfurls[nivolumab]["blocks"])
    assert "No newer label version at the last check (2026-12-01 06:00 UTC)" in current
    assert "Not pinned to a label" in json.dumps(unfurls[unpinned]["blocks"])


def test_a_drug_page_link_unfurls_by_its_pinned_set_id(unfurl_bot: Bot, knowledge) -> None:
    label = knowledge.entries["nivolumab"].label
    assert label is not None and label.setids
    page = f"https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={label.setids[0]}"
    unfurl_bot.event(shared(page))
    unfurls = _unfurls(unfurl_bot.slack.wait_for("/chat.unfurl")[0].body)
    assert "Nivolumab (Opdivo" in json.dumps(unfurls[page]["blocks"])


@pytest.mark.parametrize(
    "url",
    [
        "https://dailymed.nlm.nih.gov/dailymed/search.cfm?query=OLAPARIB",  # not in the knowledge
        "https://dailymed.nlm.nih.gov/dailymed/search.cfm?query=pembrolizumab+nivolumab",
        "https://dailymed.example.org/dailymed/search.cfm?query=PEMBROLIZUMAB",  # not DailyMed
        "https://dailymed.nlm.nih.gov/dailymed/search.cfm?query=%3C%21channel%3E",
    ],
)
def test_links_that_do_not_name_one_drug_are_left_alone(unfurl_bot: Bot, url: str) -> None:
    unfurl_bot.event(shared(url))
    unfurl_bot.settle()
    assert not unfurl_bot.slack.calls("/chat.unfurl")


def test_unfurl_button_opens_the_card(unfurl_bot: Bot, knowledge: Knowledge) -> None:
    unfurl_bot.event(shared(SEARCH))
    call = unfurl_bot.slack.wait_for("/chat.unfurl")[0].body
    blocks = blocks_of(_unfurls(call)[SEARCH]["blocks"])
    button = next(e for b in blocks if b["type"] == "actions" for e in b["elements"])
    assert button["action_id"] == "immuno.section" and button["value"] == "pembrolizumab|overview"
