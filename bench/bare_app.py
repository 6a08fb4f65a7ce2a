"""The floor for the latency benchmarks: a Bolt app that knows nothing and answers at once.

Why: "the bot answers in 3 ms" means little on its own; most of that could be gunicorn, Bolt's
signature check and routing, which any Slack app pays. bench/latency.py serves this module with
the same gunicorn command as the product (Procfile's web line) and sends it the same signed
requests, so product/floor is the cost of immuno itself.

Two variants, chosen by the BENCH_BARE_MODE environment variable:

- ``default`` (the stock app): Bolt's defaults. The slash command acks a fixed reply; the
  app_mention listener ``say()``s a fixed reply. With process_before_response=False Bolt runs
  the listener on a thread and polls for the ack every 10 ms.
- ``pbr`` (the floor): process_before_response=True, as the product runs. The slash command
  acks a fixed reply inside the request; the mention is acked and a lazy listener ``say()``s the
  fixed reply after the response, as the product does with its real answer.

Both take SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_API_URL from the environment, and
skip the token check at start (token_verification_enabled=False), like the product.
"""

from __future__ import annotations

import os
from typing import Any

from slack_bolt import Ack, App, Say
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

MODE_ENV = "BENCH_BARE_MODE"
MODES = ("default", "pbr")
REPLY = "immuno bench: fixed reply"


def build_app(mode: str, token: str, signing_secret: str, api_url: str) -> App:
    """The bare app for `mode` ("default" or "pbr")."""
    if mode not in MODES:
        raise ValueError(f"{MODE_ENV} must be one of {MODES} (got {mode!r})")
    process_before_response = mode == "pbr"
    # The token goes on the client (Bolt warns when both `token` and `client` are given);
    # this is the same wiring as the product's build_app.
    app = App(
        client=WebClient(token=token, base_url=api_url),
        signing_secret=signing_secret,
        token_verification_enabled=False,
        process_before_response=process_before_response,
    )

    @app.command("/immuno")
    def immuno(ack: Ack) -> None:
        ack(text=REPLY, response_type="ephemeral")

    def say_reply(say: Say) -> None:
        say(text=REPLY)

    if process_before_response:

        def ack_mention(ack: Ack) -> None:
            ack()

        app.event("app_mention")(ack=ack_mention, lazy=[say_reply])
    else:
        app.event("app_mention")(say_reply)
    return app


def _from_environment() -> SlackRequestHandler:
    env = os.environ
    app = build_app(
        env.get(MODE_ENV, "default"),
        env["SLACK_BOT_TOKEN"],
        env["SLACK_SIGNING_SECRET"],
        env["SLACK_API_URL"],
    )
    return SlackRequestHandler(app)


_application: SlackRequestHandler | None = None


def __getattr__(name: str) -> Any:
    """`application` (for gunicorn) is built on first access, as in bot.slack.web."""
    global _application
    if name == "application":
        if _application is None:
            _application = _from_environment()
        return _application
    raise AttributeError(name)
