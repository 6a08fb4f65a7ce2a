"""Both manifests (manifest.yml, manifest-keywords.yml) declare every surface the app listens
for, with the scopes its calls need."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from conftest import ROOT

from bot.slack.listeners import shortcut


@pytest.fixture(scope="module", params=["manifest.yml", "manifest-keywords.yml"])
def manifest(request: pytest.FixtureRequest) -> dict[str, Any]:
    return yaml.safe_load((ROOT / request.param).read_text())


def _bot_scopes(manifest: dict) -> set[str]:
    return set(manifest["oauth_config"]["scopes"]["bot"])


def _bot_events(manifest: dict) -> set[str]:
    return set(manifest["settings"]["event_subscriptions"]["bot_events"])


def test_message_shortcut_is_declared_with_the_listened_callback_id(manifest: dict) -> None:
    declared = {(s["type"], s["callback_id"]) for s in manifest["features"]["shortcuts"]}
    assert ("message", shortcut.CALLBACK_ID) in declared
    assert {"commands", "chat:write"} <= _bot_scopes(manifest)


def test_assistant_panel_is_declared_with_its_scopes_and_events(manifest: dict) -> None:
    assert manifest["features"]["assistant_view"]["assistant_description"]
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert {"assistant:write", "im:history", "chat:write"} <= _bot_scopes(manifest)
    assert {
        "assistant_thread_started",
        "assistant_thread_context_changed",
        "message.im",
    } <= _bot_events(manifest)


def test_dailymed_unfurls_are_declared(manifest: dict) -> None:
    assert "dailymed.nlm.nih.gov" in manifest["features"]["unfurl_domains"]
    assert {"links:read", "links:write"} <= _bot_scopes(manifest)
    assert "link_shared" in _bot_events(manifest)
