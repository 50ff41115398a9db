"""`/story …`: the text goes to the core as typed (Slack's markup read as words); the reply
comes back ephemeral."""

from __future__ import annotations

import re
import uuid
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import markup
from adapters.slack.delivery import Origin
from adapters.slack.services import Services
from bot.parser import opens_form

# Any slash command of this app: a workspace may rename /story when creating the app.
ANY_COMMAND = re.compile(r"^/")


def register(app: AsyncApp, services: Services) -> None:
    @app.command(ANY_COMMAND)
    async def story_command(
        ack: AsyncAck,
        body: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        text = markup.to_words(str(body.get("text") or ""))
        # A form's trigger expires in 3 seconds: open its placeholder before any lookup.
        placeholder = await services.placeholder(client, body) if opens_form(text) else None
        actor = await services.actor(context, body, channel_id=body.get("channel_id"))
        # Slack retries carry the same trigger_id, so a retried quick submit stores once.
        client_key = str(body.get("trigger_id") or f"slack-{uuid.uuid4().hex}")
        reply = await services.core.handle_text(text, actor, client_key)
        delivery = await services.delivery(
            actor, client, Origin.COMMAND, body=body, placeholder=placeholder
        )
        await delivery.deliver(reply)
