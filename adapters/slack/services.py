"""What every listener needs: the core, the profile cache, and how to build the actor and
the delivery for one request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.actors import ProfileCache, actor_for, payload_user_name
from adapters.slack.delivery import Delivery, Origin
from bot.commands import Actor
from bot.core import Core

# Slack waits 3 s for the answer to a submission; the core gets this long to decide
# whether the modal closes or shows errors.
FORM_BUDGET_SECONDS = 2.5


@dataclass
class Services:
    core: Core
    profiles: ProfileCache
    form_budget: float = FORM_BUDGET_SECONDS

    async def actor(
        self,
        context: AsyncBoltContext,
        body: Mapping[str, Any],
        *,
        channel_id: str | None = None,
    ) -> Actor:
        return await actor_for(
            self.profiles,
            team_id=context.team_id or context.enterprise_id or "",
            user_id=context.user_id or "",
            channel_id=channel_id,
            fallback_name=payload_user_name(body),
        )

    async def delivery(
        self,
        actor: Actor,
        client: AsyncWebClient,
        origin: Origin,
        *,
        body: Mapping[str, Any] | None = None,
        respond: AsyncRespond | None = None,
        view_id: str | None = None,
        source_url: str | None = None,
    ) -> Delivery:
        body = body or {}
        return Delivery(
            client=client,
            actor=actor,
            profiles=self.profiles,
            origin=origin,
            # Bolt hands out a respond() even where the payload has no response_url.
            respond=respond if body.get("response_url") else None,
            trigger_id=body.get("trigger_id"),
            view_id=view_id,
            source_url=source_url,
        )
