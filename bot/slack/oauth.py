"""Several workspaces: OAuth install with Bolt's OAuthSettings, tokens in the shared store.

GET /slack/install (the Add-to-Slack page) and /slack/oauth_redirect are Bolt's own flow;
installations and OAuth states are slack_sdk's SQLAlchemy stores on the shared store's database
(tables created by the migrations). The token exchange, like every Web API call, goes through the
app's WebClient, whose base URL is SLACK_API_URL.

Authorization is not Bolt's InstallationStoreAuthorize, which calls auth.test on every request:
the installation already records the bot's user id and bot id, so a slash command (answered in
the HTTP response) never waits on a Web API call. Expiring tokens (token rotation) are refreshed
here before they expire, through the same client. While the database cannot be read, the last
installation this process saw for the workspace is used, so slash commands are still answered.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.config import Config
    from bot.slack.services import Services
    from bot.state import SharedState

log = logging.getLogger(__name__)

STATE_EXPIRATION_SECONDS = 600
#: Refresh a rotating token this long before it expires (Bolt's default).
ROTATE_MINUTES_BEFORE_EXPIRY = 120


class InstallationAuthorize(Authorize):
    """Authorize a request from the workspace's stored installation, without auth.test."""

    def __init__(
        self, store: SQLAlchemyInstallationStore, rotator: TokenRotator, state: SharedState
    ) -> None:
        self.store = store
        self.rotator = rotator
        self.state = state
        self.token_rotation_expiration_minutes = ROTATE_MINUTES_BEFORE_EXPIRY
        self._last: dict[tuple[str | None, str | None], AuthorizeResult] = {}
        self._lock = threading.Lock()

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **_: object,
    ) -> AuthorizeResult | None:
        key = (enterprise_id, team_id)
        try:
            bot = self.store.find_bot(
                enterprise_id=enterprise_id,
                team_id=team_id,
                is_enterprise_install=context.is_enterprise_install,
            )
        except SQLAlchemyError as exc:
            self.state.availability.failed(exc)
            with self._lock:
                return self._last.get(key)  # None: Bolt answers "please reinstall"
        self.state.availability.succeeded()
        if bot is None:
            with self._lock:
                self._last.pop(key, None)
            return None
        if bot.bot_refresh_token:
            refreshed = self.rotator.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=self.token_rotation_expiration_minutes
            )
            if refreshed is not None:
                self.store.save_bot(refreshed)
                bot = refreshed
        result = AuthorizeResult(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
        )
        with self._lock:
            self._last[key] = result
        return result


def oauth_settings(config: Config, state: SharedState, client: WebClient) -> OAuthSettings:
    """Bolt's OAuthSettings with slack_sdk's SQLAlchemy stores on the shared database."""
    installations = SQLAlchemyInstallationStore(
        client_id=config.client_id, engine=state.engine, logger=log
    )
    states = SQLAlchemyOAuthStateStore(
        expiration_seconds=STATE_EXPIRATION_SECONDS, engine=state.engine, logger=log
    )
    settings = OAuthSettings(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scopes=list(config.scopes),
        redirect_uri=config.redirect_uri or None,
        install_path=config.install_path,
        redirect_uri_path=config.redirect_uri_path,
        installation_store=installations,
        state_store=states,
        token_rotation_expiration_minutes=ROTATE_MINUTES_BEFORE_EXPIRY,
        logger=log,
    )
    rotator = TokenRotator(
        client_id=config.client_id, client_secret=config.client_secret, client=client
    )
    settings.authorize = InstallationAuthorize(installations, rotator, state)
    return settings


def register_uninstall(app: App, services: Services) -> None:
    """app_uninstalled deletes the workspace's installation rows and its settings and claims;
    tokens_revoked deletes the revoked tokens (Bolt's own listener)."""
    store = app.installation_store

    def on_uninstalled(ack: Any, context: BoltContext) -> None:
        ack()
        if store is not None:
            store.delete_all(enterprise_id=context.enterprise_id, team_id=context.team_id)
        services.forget_workspace(context.team_id or "")
        log.info("workspace %s uninstalled the app: its rows were deleted", context.team_id)

    app.event("app_uninstalled")(on_uninstalled)
    app.event("tokens_revoked")(app.default_tokens_revoked_event_listener())
