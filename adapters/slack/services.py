"""What every listener needs: the core, the profile cache, and how to build the actor and
the delivery for one request."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import views
from adapters.slack.actors import ProfileCache, actor_for, payload_user_name
from adapters.slack.client import SLACK_ERRORS, error_code
from adapters.slack.delivery import Delivery, Origin
from bot.commands import Actor
from bot.core import Core

log = logging.getLogger(__name__)

# Slack waits 3 s for the answer to a submission; the core gets this long to decide
# whether the modal closes or shows errors.
FORM_BUDGET_SECONDS = 2.5


@dataclass
class Services:
    core: Core
    profiles: ProfileCache
    form_budget: float = FORM_BUDGET_SECONDS
    # Workspace names learned at start (team id -> name), shared with the runtime.
    team_names: dict[str, str] = field(default_factory=dict)

    async def actor(
        self,
        context: AsyncBoltContext,
        body: Mapping[str, Any],
        *,
        channel_id: str | None = None,
    ) -> Actor:
        return await actor_for(
            self.profiles_for(context),
            team_id=installed_team(context),
            user_id=context.user_id or "",
            channel_id=channel_id,
            fallback_name=payload_user_name(body),
            team_name=installed_team_name(context, body, self.team_names),
        )

    async def placeholder(self, client: AsyncWebClient, body: Mapping[str, Any]) -> str | None:
        """Open the placeholder modal with this request's trigger, before anything slow; its
        view id, or None when Slack would not open it (the answer then goes the usual way)."""
        trigger = body.get("trigger_id")
        if not trigger:
            return None
        try:
            opened = await client.views_open(trigger_id=trigger, view=views.placeholder_view())
        except SLACK_ERRORS as failure:
            log.warning("could not open the form placeholder", extra={"error": error_code(failure)})
            return None
        return str(opened["view"]["id"])

    def profiles_for(self, context: AsyncBoltContext) -> ProfileCache:
        """The profile cache of this request's workspace, looking up with its own token."""
        client = context.client
        return self.profiles.bound(installed_team(context), client) if client else self.profiles

    async def delivery(
        self,
        actor: Actor,
        client: AsyncWebClient,
        origin: Origin,
        *,
        body: Mapping[str, Any] | None = None,
        view_id: str | None = None,
        source_url: str | None = None,
        placeholder: str | None = None,
    ) -> Delivery:
        body = body or {}
        return Delivery(
            client=client,
            actor=actor,
            profiles=self.profiles.bound(actor.space.external_id, client),
            origin=origin,
            response_url=body.get("response_url") or None,
            trigger_id=body.get("trigger_id"),
            view_id=view_id,
            source_url=source_url,
            placeholder=placeholder,
        )


def installed_team(context: AsyncBoltContext) -> str:
    """The workspace the app is installed in. In a Slack Connect channel the acting user's
    team is another organisation's; the community is always the installing workspace's.

    An org-wide install on Enterprise Grid has one token for every workspace of the org; the
    community is still the workspace the request comes from (one community per workspace,
    linkable: docs/SLACK.md), so its team id counts, not the org's."""
    if context.is_enterprise_install and context.team_id:
        return context.team_id
    authorized = context.authorize_result
    return (
        (authorized.team_id if authorized else None)
        or context.team_id
        or context.enterprise_id
        or ""
    )


def installed_team_name(
    context: AsyncBoltContext, body: Mapping[str, Any], known: Mapping[str, str] | None = None
) -> str | None:
    """The installed workspace's name, at no extra call: the authorizer's cached auth.test
    answer names the token's team (OAuth mode), `known` holds the one-token mode's from its
    start; failing both (an org-wide token names the org), the payload's domain when the
    payload's team is the installed one (never a Slack Connect guest's)."""
    team = installed_team(context)
    authorized = context.authorize_result
    if authorized and authorized.team and authorized.team_id == team:
        return str(authorized.team)
    if known and team in known:
        return known[team]
    payload_team = body.get("team")
    if isinstance(payload_team, dict):  # interactions: {"id": …, "domain": …}
        domain = payload_team.get("domain") if payload_team.get("id") == team else None
    else:  # slash commands: team_id and team_domain fields
        domain = body.get("team_domain") if body.get("team_id") == team else None
    return domain if isinstance(domain, str) and domain else None
