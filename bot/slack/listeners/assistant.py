"""The assistant panel (Slack's Agents & AI Apps container), through Bolt's Assistant middleware.

A new thread gets a greeting, a title and suggested questions drawn from the knowledge; every
message in it gets the reply a mention gets, computed from the knowledge file (no language
model). Without the feature enabled for the app and a plan that has it, Slack sends none of these
events and nothing here runs; if Slack refuses an assistant.threads call, the answer is still
posted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import Assistant
from slack_bolt.request.payload_utils import (
    is_assistant_event,
    is_other_message_sub_event_in_assistant_thread,
)

from bot import answering, feedback, prompts, render
from bot import blocks as bk
from bot.query import strip_mentions
from bot.render import Message
from bot.slack import delivery
from bot.slack.claims import claimed_work
from bot.slack.message_text import plain_text
from bot.slack.thread_context import MemoryThreadContextStore

if TYPE_CHECKING:
    from slack_bolt import Ack, App, BoltRequest, BoltResponse

    from bot.slack.services import Services

log = logging.getLogger(__name__)

#: A thread title longer than this is cut (Slack shows it in the History list).
MAX_TITLE = 80


def _attempt(what: str, call: Callable[..., Any], **kwargs: Any) -> Any:
    """An assistant.threads call or a post: a refusal is logged, never raised."""
    try:
        return call(**kwargs)
    except Exception as exc:  # SlackApiError, or a connection that never came back
        log.warning("assistant %s failed: %s", what, type(exc).__name__)
        return None


def _reply(text: str, services: Services) -> Message:
    try:
        reply = answering.answer(
            text, services.store.index, rejected=services.store.rejected_summary
        )
    except Exception:
        log.exception("assistant answer failed")
        return render.error_message("Sorry, something went wrong answering that.")
    services.record(reply)
    return feedback.for_answer(reply, reply.message.public())


class PanelAssistant(Assistant):
    """Bolt's Assistant, consulted only for the events it handles (by Bolt's own tests of an
    event: a thread started or its context changed, a message in an assistant thread). As a
    global middleware it otherwise runs its four listener matchers, each with keyword-argument
    injection, on every slash command, button click and mention."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        body = req.body
        if not isinstance(body, dict) or not (
            is_assistant_event(body) or is_other_message_sub_event_in_assistant_thread(body)
        ):
            return next()
        return super().process(req=req, resp=resp, next=next)


def build(services: Services) -> Assistant:
    assistant = PanelAssistant(thread_context_store=MemoryThreadContextStore(), logger=log)

    def ack_event(ack: Ack) -> None:
        ack()

    def start_thread(
        body: dict[str, Any],
        say: Callable[..., Any],
        set_title: Callable[..., Any],
        set_suggested_prompts: Callable[..., Any],
    ) -> None:
        # Claimed before it got here (bot.slack.claims): a retried event never runs this.
        knowledge = services.store.index.knowledge
        with claimed_work(services, body) as work:
            work.sent(_attempt("say", say, **delivery.payload(prompts.greeting(knowledge))))
        _attempt("setTitle", set_title, title=prompts.TITLE)
        suggested = [{"title": p.title, "message": p.message} for p in prompts.suggested(knowledge)]
        if suggested:
            _attempt(
                "setSuggestedPrompts", set_suggested_prompts, prompts=suggested, title="Try asking"
            )

    def remember_context(payload: dict[str, Any], save_thread_context: Callable[..., Any]) -> None:
        """The user moved to another channel with the panel open: keep where they are (in
        memory); answers do not depend on it, so nothing is posted."""
        context = (payload.get("assistant_thread") or {}).get("context")
        if context:
            _attempt("save context", save_thread_context, new_context=context)

    def answer(
        body: dict[str, Any],
        payload: dict[str, Any],
        say: Callable[..., Any],
        set_title: Callable[..., Any],
    ) -> None:
        text = plain_text(strip_mentions(payload.get("text") or ""))
        if text:
            _attempt("setTitle", set_title, title=bk.cut(text, MAX_TITLE))
        with claimed_work(services, body) as work:  # a failed post lets Slack's retry answer
            work.sent(_attempt("say", say, **delivery.payload(_reply(text, services))))

    assistant.thread_started(lazy=[start_thread])(ack_event)
    assistant.thread_context_changed(lazy=[remember_context])(ack_event)
    assistant.user_message(lazy=[answer])(ack_event)
    return assistant


def register(app: App, services: Services) -> None:
    app.assistant(build(services))
