"""One reply per Slack event, across every process: claims on the shared store.

Slack delivers an event again when it thinks the first delivery was missed, and the second
delivery may reach another gunicorn worker or another machine. So before any listener runs, an
event that would get a reply is claimed by (api_app_id, team_id, event_id) in the shared store,
and the claim is committed before the work starts:

- claimed here: the listeners run;
- already claimed (by this or any other process): 200 and nothing else;
- the store is unreachable: 503, so that Slack delivers the event again later. Nothing is
  answered without a claim, so an outage can delay or lose a reply but never double one.

If the work then fails before any reply was posted, the claim is released so that Slack's next
delivery can still be answered (`ClaimedWork`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltResponse
from slack_bolt.middleware import Middleware

from bot.slack.guards import SeenOnce
from bot.state import Claim, EventKey

if TYPE_CHECKING:
    from slack_bolt.request import BoltRequest

    from bot.slack.services import Services
    from bot.state import SharedState

log = logging.getLogger(__name__)


def event_key(body: dict[str, Any]) -> EventKey | None:
    event_id = body.get("event_id")
    if not event_id:
        return None
    return EventKey(body.get("api_app_id") or "", body.get("team_id") or "", event_id)


def bot_users(body: dict[str, Any], known: str | None) -> set[str]:
    """The bot's own user id(s): from auth.test when it has answered, and from the event's
    `authorizations` (and the older `authed_users`), so a mention is recognised even in the
    first seconds after start."""
    users = {known} if known else set()
    for authorization in body.get("authorizations") or ():
        if isinstance(authorization, dict) and authorization.get("is_bot", True):
            users.add(authorization.get("user_id") or "")
    users.update(u for u in body.get("authed_users") or () if isinstance(u, str))
    users.discard("")
    return users


def keyword_candidate(event: dict[str, Any], body: dict[str, Any], known: str | None) -> bool:
    """A channel message a keyword card could answer: from a person, not an edit or join, and
    not a mention (the app_mention listener answers those)."""
    if event.get("subtype") or event.get("bot_id") or event.get("bot_profile"):
        return False
    text = event.get("text") or ""
    return not any(f"<@{user}" in text for user in bot_users(body, known))


class ClaimEvents(Middleware):
    """Claim each event that will be answered before Bolt runs its listeners."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def wants_claim(self, body: dict[str, Any], bot_user_id: str | None) -> bool:
        if body.get("type") != "event_callback":
            return False
        event = body.get("event") or {}
        kind = event.get("type")
        if kind == "app_mention":
            return True
        if kind == "message":
            channels = self.services.keyword_channels(body.get("team_id") or "")
            return event.get("channel") in channels and keyword_candidate(event, body, bot_user_id)
        return False

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        key = event_key(req.body) if isinstance(req.body, dict) else None
        if key is None or not self.wants_claim(req.body, req.context.bot_user_id):
            return next()
        claim = self.services.state.claim_event(key)
        if claim is Claim.MINE:
            return next()
        if claim is Claim.TAKEN:
            return BoltResponse(status=200, body="")
        return BoltResponse(status=503, body="")


class ClaimedWork:
    """Tracks whether the work for a claimed event posted anything."""

    def __init__(self) -> None:
        self.replied = False
        self.failed = False

    def sent(self, result: object) -> object:
        """Record the result of a delivery.call (None when the send failed for good)."""
        if result is None:
            self.failed = True
        else:
            self.replied = True
        return result


@contextmanager
def claimed_work(services: Services, body: dict[str, Any]) -> Iterator[ClaimedWork]:
    """Release the event's claim when the work fails before any reply was posted."""
    work = ClaimedWork()
    key = event_key(body)
    try:
        yield work
    except BaseException:
        if key is not None and not work.replied:
            services.state.release_event(key)
        raise
    if key is not None and work.failed and not work.replied:
        services.state.release_event(key)


class StoreClaims:
    """The replay guard's claims (bot.slack.intake) on the shared store, so a signed interactive
    request replayed to another process is refused there too.

    Kept as event claims of the pseudo app "interactive" (the key is a digest of the
    signature), pruned with them. While the store is unreachable this process's memory decides:
    a button press is never dropped for want of a database, and a replay to the same process
    is still refused."""

    APP = "interactive"

    def __init__(self, state: SharedState, fallback: SeenOnce | None = None) -> None:
        self.state = state
        self.fallback = fallback or SeenOnce(ttl=6 * 60)

    def claim(self, key: str) -> bool:
        digest = hashlib.sha256(key.encode()).hexdigest()
        result = self.state.claim_event(EventKey(self.APP, "", digest))
        if result is Claim.UNAVAILABLE:
            return self.fallback.claim(key)
        return result is Claim.MINE
