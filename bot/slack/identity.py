"""Who the bot is in the workspace (auth.test), learned beside requests, never inside one."""

from __future__ import annotations

import logging
import threading

from slack_bolt import BoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_sdk import WebClient

log = logging.getLogger(__name__)


class Identity:
    """The bot's own user and bot ids (from auth.test), fetched in the background.

    Bolt's default single-workspace authorization calls auth.test inside the first request, so
    a Slack outage at that moment turns a slash command, which needs no Web API call at all,
    into a 500. Here no request waits on auth.test: it is fetched (with retries) beside them,
    and until it arrives requests are authorized with the token alone."""

    RETRY_SECONDS = 30.0

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self.result: dict[str, str] = {}
        self._lock = threading.Lock()
        self._fetching = False
        self._event = threading.Event()
        self._known = threading.Event()

    def get(self) -> dict[str, str]:
        if not self.result:
            self.fetch_in_background()
        return self.result

    def fetch_in_background(self) -> None:
        with self._lock:
            if self._fetching or self.result:
                return
            self._fetching = True
        threading.Thread(target=self._fetch, name="auth-test", daemon=True).start()

    def _fetch(self) -> None:
        while not self.result:
            try:
                response = self.client.auth_test()
                self.result = {
                    k: response.get(k) or ""
                    for k in ("user_id", "bot_id", "team_id", "team", "url")
                }
                self._known.set()
            except Exception as exc:  # logged (redacted) and retried: never fatal
                log.warning(
                    "auth.test failed (%s); retrying in %.0f s",
                    type(exc).__name__,
                    self.RETRY_SECONDS,
                )
                if self._event.wait(self.RETRY_SECONDS):
                    break
        with self._lock:
            self._fetching = False

    def wait(self, timeout: float) -> dict[str, str]:
        """What auth.test said, waiting up to `timeout` seconds for it (only ever called after
        the ack, where a short wait delays nobody)."""
        self.get()
        self._known.wait(timeout)
        return self.result

    def stop(self) -> None:
        """End a fetch that is waiting to retry (at shutdown)."""
        self._event.set()


class IdentityAuthorize(Authorize):
    """Authorize every request with the bot token and whatever auth.test has told us so far.

    An Authorize object (not a function) so Bolt calls it directly, without inspecting its
    arguments on every request."""

    def __init__(self, token: str, identity: Identity) -> None:
        self.token = token
        self.identity = identity

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **_: object,
    ) -> AuthorizeResult:
        known = self.identity.get()
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id or known.get("team_id"),
            bot_token=self.token,
            bot_user_id=known.get("user_id") or None,
            bot_id=known.get("bot_id") or None,
        )
