"""The grading calculator: "Grade it" opens a form generated from the side effect's criteria;
the submission is graded by the knowledge's rules and answered privately, with Share.

The form is checked when it is submitted (response_action "errors" puts each problem under its
field), and only a valid one is graded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot import grade_form, grade_reply, render
from bot.knowledge import Knowledge, SideEffect
from bot.render import Message
from bot.slack import delivery
from bot.slack.interaction import action_pattern, action_value, user_id

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from bot.slack.services import Services


def _effect(services: Services, effect_id: str) -> SideEffect | None:
    entry = services.store.index.knowledge.get(effect_id)
    return entry if isinstance(entry, SideEffect) and grade_form.gradable(entry) else None


def _where(body: dict[str, Any]) -> tuple[str, str]:
    """The channel and thread of the message whose button was pressed ("" from the Home tab)."""
    container = body.get("container") or {}
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id") or ""
    thread = message.get("thread_ts") or container.get("thread_ts") or ""
    return channel, thread


def register(app: App, services: Services) -> None:
    def knowledge() -> Knowledge:
        """The knowledge now (a reload swaps it)."""
        return services.store.index.knowledge

    def open_form(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()  # views.open must follow within the trigger's 3 seconds: no lazy listener here
        effect = _effect(services, action_value(body))
        if effect is None:
            return
        channel, thread = _where(body)
        view = grade_form.modal(effect, knowledge(), channel, thread)
        delivery.call(client, "views_open", trigger_id=body.get("trigger_id"), view=view)

    app.action(action_pattern(grade_reply.ACTION_GRADE))(open_form)

    def check_form(ack: Ack, view: dict[str, Any]) -> None:
        effect_id, _, _ = grade_form.metadata(view)
        effect = _effect(services, effect_id)
        if effect is None:
            ack(
                response_action="errors", errors={"c0": "This side effect can no longer be graded."}
            )
            return
        _, errors = grade_form.read(view, effect, knowledge())
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()

    def post_result(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        effect_id, channel, thread = grade_form.metadata(view)
        effect = _effect(services, effect_id)
        if effect is None:
            return
        answers, errors = grade_form.read(view, effect, knowledge())
        if errors:
            return
        message = grade_reply.result(
            effect, grade_form.grade(effect, knowledge(), answers), answers
        )
        user = user_id(body)
        sent = None
        if channel:
            sent = delivery.call(
                client,
                "chat_postEphemeral",
                channel=channel,
                user=user,
                thread_ts=thread or None,
                **delivery.payload(message),
            )
        if sent is None:  # opened from the Home tab, or not a member there: a direct message
            delivery.call(client, "chat_postMessage", channel=user, **delivery.payload(message))

    app.view(grade_form.GRADE_CALLBACK)(ack=check_form, lazy=[post_result])

    def ack_share(ack: Ack) -> None:
        ack()

    def share_grade(body: dict[str, Any]) -> None:
        effect_id, _, encoded = action_value(body).partition("|")
        effect = _effect(services, effect_id)
        url = body.get("response_url")
        if effect is None or not url:
            return
        answers = grade_form.decode(encoded, effect)
        found = grade_form.grade(effect, knowledge(), answers)
        shared = grade_reply.result(effect, found, answers, shareable=False).public()
        public: Message = render.shared_by(shared, user_id(body))
        thread = (body.get("container") or {}).get("thread_ts")
        where = {"thread_ts": thread} if thread else {}
        timing = {
            "timeout": services.config.slack_timeout,
            "backoff": services.config.retry_backoff,
        }
        if delivery.to_response_url(
            url, public, response_type="in_channel", replace_original=False, **timing, **where
        ):
            delivery.to_response_url(url, Message(text=""), delete_original=True, **timing)

    app.action(action_pattern(grade_reply.ACTION_GRADE_SHARE))(ack=ack_share, lazy=[share_grade])
