"""The installed wheel works on its own: the knowledge and schema ship as package data.

Building a wheel needs setuptools from PyPI in an isolated build (seconds, and network), so the
suite checks the two things that decide it instead: pyproject.toml ships every code package and
the knowledge, and the code finds the knowledge where an install puts it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setuptools() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_code_package_and_the_knowledge_are_in_the_wheel() -> None:
    config = _setuptools()
    on_disk = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "bot").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert on_disk <= set(config["packages"]), "add new bot packages to pyproject.toml"
    assert config["package-dir"]["immuno_knowledge"] == "knowledge"
    assert {"*.yaml", "*.json"} <= set(config["package-data"]["immuno_knowledge"])
    assert "schema.json" in os.listdir(ROOT / "knowledge")


def test_an_installed_copy_finds_its_knowledge_outside_the_checkout(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    shutil.copytree(ROOT / "bot", site / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "knowledge", site / "immuno_knowledge")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("IMMUNO_", "SLACK_"))},
        "PYTHONPATH": str(site),
        "IMMUNO_CACHE_DIR": "off",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "validate"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "knowledge OK" in done.stderr
    where = subprocess.run(
        [sys.executable, "-c", "from bot.paths import KNOWLEDGE; print(KNOWLEDGE)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert Path(where.stdout.strip()) == site / "immuno_knowledge"


def test_container_image_is_slim_non_root_and_health_checked() -> None:
    """What can be checked without a Docker daemon: the Dockerfile's choices, as README says."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert "\nUSER immuno\n" in dockerfile and "useradd" in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    assert "RUN immuno validate" in dockerfile  # the baked-in knowledge must validate
    assert "--require-hashes -r requirements.lock" in dockerfile
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "image: postgres:" in compose and 'immuno", "migrate"' in compose
    assert compose.count("DATABASE_URL: postgresql://") == 2


def _manifest(name: str) -> dict:
    import yaml

    return yaml.safe_load((ROOT / name).read_text())


def test_keyword_scopes_and_message_events_are_only_in_the_keyword_manifest() -> None:
    base, keywords = _manifest("manifest.yml"), _manifest("manifest-keywords.yml")
    history = {"channels:history", "groups:history"}
    messages = {"message.channels", "message.groups"}
    base_scopes = set(base["oauth_config"]["scopes"]["bot"])
    base_events = set(base["settings"]["event_subscriptions"]["bot_events"])
    assert not base_scopes & history and not base_events & messages
    assert set(keywords["oauth_config"]["scopes"]["bot"]) == base_scopes | history
    assert set(keywords["settings"]["event_subscriptions"]["bot_events"]) == base_events | messages
    for manifest in (base, keywords):  # otherwise the same app, OAuth redirect declared
        assert manifest["oauth_config"]["redirect_urls"] == [
            "https://immuno.example.org/slack/oauth_redirect"
        ]
        assert {"app_uninstalled", "tokens_revoked"} <= set(
            manifest["settings"]["event_subscriptions"]["bot_events"]
        )
    assert {k: v for k, v in keywords.items() if k not in ("oauth_config", "settings")} == {
        k: v for k, v in base.items() if k not in ("oauth_config", "settings")
    }
