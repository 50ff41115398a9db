"""The App Home tab: the core's overview, published whenever the user opens it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import render
from adapters.slack.client import SLACK_ERRORS, error_code
from adapters.slack.services import Services
from bot.commands import Home

log = logging.getLogger(__name__)


def register(app: AsyncApp, services: Services) -> None:
    @app.event("app_home_opened")
    async def home_opened(
        event: dict[str, Any],
        body: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        if event.get("tab") != "home":
            return  # the Messages tab needs nothing from us
        actor = await services.actor(context, body)
        reply = await services.core.handle(Home(), actor)
        credited = render.credited_ids(reply)
        names = await services.profiles_for(context).names(credited) if credited else {}
        view = render.home_view(reply, names)
        try:
            await client.views_publish(user_id=actor.user_id, view=view)
        except SLACK_ERRORS as failure:
            log.warning("views.publish failed", extra={"error": error_code(failure)})
