"""Slack for many workspaces: Bolt's OAuth flow on Storybot's database and HTTP server.

`GET /slack/install` shows the "Add to Slack" page and issues a state (kept in the database,
so another process behind the load balancer can complete the install); Slack sends the user
back to `GET /slack/oauth_redirect`, where the code is exchanged (oauth.v2.access, at
SLACK_API_URL like every other call) and the workspace's tokens are stored encrypted. Every
request is then authorized with its own workspace's token; Bolt refreshes a rotating token
before it expires. `app_uninstalled` and `tokens_revoked` delete the workspace's tokens and
nothing else: its community and stories stay, and a reinstall finds them again.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.installations import (
    ROTATION_MINUTES,
    STATE_SECONDS,
    EncryptedInstallationStore,
)
from adapters.slack.manifest import BOT_SCOPES, REDIRECT_PATH
from adapters.slack.workspaces import InstalledWorkspaces

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"


def build_oauth_app(
    client: AsyncWebClient,
    signing_secret: str,
    *,
    client_id: str,
    client_secret: str,
    installations: EncryptedInstallationStore,
    states: AsyncOAuthStateStore,
) -> AsyncApp:
    """Bolt's app in OAuth mode. `client` (token-less, base_url SLACK_API_URL) is the one Bolt
    copies for each request and the one the code exchange and the token refresh use: Bolt's
    OAuth settings would otherwise build an authorizer whose refresh calls slack.com."""
    logger = logging.getLogger("adapters.slack.bolt")
    authorize = AsyncInstallationStoreAuthorize(
        installation_store=installations,
        client_id=client_id,
        client_secret=client_secret,
        token_rotation_expiration_minutes=ROTATION_MINUTES,
        client=client,
        logger=logger,
    )
    settings = AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=installations,
        state_store=states,
        state_expiration_seconds=STATE_SECONDS,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        # A token that came with a refresh token is refreshed whatever SLACK_TOKEN_ROTATION
        # says (that setting only turns rotation on in the manifest): none is left to expire.
        token_rotation_expiration_minutes=ROTATION_MINUTES,
        logger=logger,
    )
    return AsyncApp(
        client=client,
        signing_secret=signing_secret,
        oauth_settings=settings,
        authorize=authorize,
        process_before_response=False,
        logger=logger,
    )


def install_routes(app: AsyncApp) -> list[web.RouteDef]:
    """GET /slack/install and /slack/oauth_redirect, dispatched as slack_bolt's own aiohttp
    server does (AsyncSlackAppServer.handle_get_requests)."""
    flow = app.oauth_flow
    assert flow is not None

    async def install(request: web.Request) -> web.Response:
        answer = await flow.handle_installation(await to_bolt_request(request))
        return await to_aiohttp_response(answer)

    async def redirect(request: web.Request) -> web.Response:
        answer = await flow.handle_callback(await to_bolt_request(request))
        log.info("slack install", extra={"status": answer.status})
        return await to_aiohttp_response(answer)

    return [web.get(INSTALL_PATH, install), web.get(REDIRECT_PATH, redirect)]


def register_lifecycle(
    app: AsyncApp, installations: EncryptedInstallationStore, workspaces: InstalledWorkspaces
) -> None:
    """Uninstalls and revocations delete the workspace's tokens; stories stay."""

    async def forget_workspace(context: AsyncBoltContext) -> None:
        org_install = bool(context.is_enterprise_install)
        team = None if org_install else context.team_id
        await installations.async_delete_all(enterprise_id=context.enterprise_id, team_id=team)
        workspaces.forget(context.team_id)
        log.info("slack tokens deleted", extra={"team": context.team_id})

    @app.event("app_uninstalled")
    async def uninstalled(context: AsyncBoltContext) -> None:
        await forget_workspace(context)

    @app.event("tokens_revoked")
    async def revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
        tokens = event.get("tokens") or {}
        if tokens.get("bot"):
            await forget_workspace(context)
            return
        for user_id in tokens.get("oauth") or []:  # user tokens only: the bot stays
            await installations.async_delete_installation(
                enterprise_id=context.enterprise_id, team_id=context.team_id, user_id=user_id
            )

    @app.middleware
    async def remember_org_workspaces(context: AsyncBoltContext, next: Any) -> Any:
        """An org-wide install serves every workspace of the org with one token: remember
        which workspaces came through it, so the announcer finds their token."""
        workspaces.seen(context.team_id, context.enterprise_id, bool(context.is_enterprise_install))
        return await next()
