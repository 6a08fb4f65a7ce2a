"""Slash commands through the real Bolt app over signed HTTP."""

from __future__ import annotations

import json

from conftest import Bot
from support import parsed_message


def _texts(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_brand_name_answers_with_generic_and_brand_header(bot: Bot) -> None:
    reply = bot.slash("keytruda")
    assert reply.status == 200
    body = reply.json()
    assert body["response_type"] == "ephemeral"
    header = body["blocks"][0]
    assert header["type"] == "header"
    assert header["text"]["text"].startswith("Pembrolizumab (Keytruda")
    assert "not medical advice" in _texts(body["blocks"])
    assert body["text"].startswith("Pembrolizumab")


def test_empty_command_shows_help_generated_from_the_command_table(bot: Bot) -> None:
    from bot.query import COMMANDS

    body = bot.slash("").json()
    text = _texts(body["blocks"])
    for spec in COMMANDS:
        assert spec.usage.replace("<", "&lt;").replace(">", "&gt;") in text


def test_typo_still_finds_the_drug(bot: Bot) -> None:
    body = bot.slash("pembrolizumb").json()
    assert body["blocks"][0]["text"]["text"].startswith("Pembrolizumab")
    assert "closest match" in _texts(body["blocks"])


def test_out_of_scope_drug_is_a_miss_not_a_wrong_entry(bot: Bot) -> None:
    body = bot.slash("aspirin").json()
    assert body["text"].startswith("No entry for “aspirin”")
    assert all(b["type"] != "header" for b in body["blocks"])


def test_ambiguous_query_offers_choices_as_buttons(bot: Bot) -> None:
    body = bot.slash("PD-L1").json()
    buttons = [e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    labels = [b["text"]["text"] for b in buttons]
    assert labels[0] == "PD-L1 inhibitors"
    assert any(label.startswith("Atezolizumab") for label in labels)
    assert all(b["action_id"].startswith("immuno.choose") for b in buttons)


def test_kind_restriction(bot: Bot) -> None:
    body = bot.slash("cancer myeloma").json()
    assert body["blocks"][0]["text"]["text"] == "Multiple myeloma"
    miss = bot.slash("cancer pembrolizumab").json()
    assert "No entry for" in miss["text"] and "among cancers" in miss["text"]


def test_compare_sends_one_table_in_attachments_with_a_text_fallback(bot: Bot) -> None:
    body = bot.slash("compare pembro nivo").json()
    parsed = parsed_message(body)
    tables = [b for b in parsed if b.type == "table"]
    assert len(tables) == 1 and not any(b["type"] == "table" for b in body["blocks"])
    first_row = [c["text"] for c in body["attachments"][0]["blocks"][0]["rows"][0]]
    assert first_row[1:] == ["pembrolizumab", "nivolumab"]
    assert "Target: PD-1 | PD-1" in body["text"]
    also = bot.slash("atezolizumab vs durvalumab").json()
    assert "atezolizumab vs durvalumab" in also["text"]


def test_list_search_and_about(bot: Bot) -> None:
    listing = bot.slash("list drugs").json()
    assert "Drugs (" in listing["text"] and "Aldesleukin (Proleukin" in listing["text"]
    found = bot.slash("search CD19").json()
    assert "Tisagenlecleucel" in found["text"]
    about = bot.slash("about").json()
    assert "entries" in about["text"] and "newest review" in about["text"]


def test_slash_reply_has_share_button_and_report_button(bot: Bot) -> None:
    body = bot.slash("nivolumab").json()
    ids = [e["action_id"] for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert any(i.startswith("immuno.share") for i in ids)
    assert any(i.startswith("immuno.report") for i in ids)


def test_user_markup_is_echoed_harmlessly(bot: Bot) -> None:
    body = bot.slash("<!channel> <@U999> <https://evil.example|click> www.evil.example").json()
    dumped = _texts(body["blocks"]) + body["text"]
    assert "<!channel>" not in dumped
    assert "<@U999>" not in dumped
    assert "<https://evil" not in dumped
    assert "https://evil" not in dumped and "www.evil" not in dumped


def test_the_word_payload_in_a_slash_command_still_gets_an_answer(bot: Bot) -> None:
    reply = bot.slash("payload of pembrolizumab")
    assert reply.status == 200
    assert reply.json()["blocks"][0]["text"]["text"].startswith("Pembrolizumab")


def test_health_check(bot: Bot) -> None:
    from urllib.request import urlopen

    with urlopen(f"{bot.url}/healthz", timeout=5) as response:
        data = json.loads(response.read())
    assert data["ok"] is True and data["entries"] > 100
