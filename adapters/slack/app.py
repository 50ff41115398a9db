"""The Bolt app: built from a web client and wired to the core by `register`."""

from __future__ import annotations

import logging

from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import buttons, commands, home, shortcuts, submissions
from adapters.slack.actors import ProfileCache
from adapters.slack.retries import RecentRequests, drop_repeats
from adapters.slack.services import FORM_BUDGET_SECONDS, Services
from bot.core import Core


def build_app(
    client: AsyncWebClient, signing_secret: str | None, *, socket_mode: bool = False
) -> AsyncApp:
    """Over HTTP, Bolt refuses (401) anything not signed with the secret; Socket Mode
    requests come over the app's own authenticated WebSocket and carry no signature."""
    return AsyncApp(
        client=client,
        signing_secret=signing_secret or "",
        request_verification_enabled=not socket_mode,
        # Ack first, then work: listeners keep running after ack() has answered Slack.
        process_before_response=False,
        logger=logging.getLogger("adapters.slack.bolt"),
    )


def register(
    app: AsyncApp,
    core: Core,
    *,
    profiles: ProfileCache | None = None,
    form_budget: float = FORM_BUDGET_SECONDS,
    team_names: dict[str, str] | None = None,
) -> Services:
    services = Services(
        core,
        profiles or ProfileCache(app.client),
        form_budget,
        {} if team_names is None else team_names,
    )
    app.middleware(drop_repeats(RecentRequests()))
    commands.register(app, services)
    buttons.register(app, services)
    shortcuts.register(app, services)
    submissions.register(app, services)
    home.register(app, services)
    return services
