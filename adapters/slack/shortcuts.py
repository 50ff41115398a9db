"""Shortcuts: "Save as service story" on a message opens the submit form prefilled
with it and remembers its link; "Share a service story" opens it empty."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import markup
from adapters.slack.client import SLACK_ERRORS, error_code
from adapters.slack.delivery import Origin
from adapters.slack.services import Services
from bot.commands import OpenSubmitForm

log = logging.getLogger(__name__)

SAVE_MESSAGE_CALLBACK_ID = "save_story"
SHARE_STORY_CALLBACK_ID = "share_story"


def register(app: AsyncApp, services: Services) -> None:
    @app.message_shortcut(SAVE_MESSAGE_CALLBACK_ID)
    async def save_message(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        # The trigger expires in 3 seconds: the placeholder opens before any lookup, and the
        # actor, the link and the names are looked up side by side.
        placeholder = await services.placeholder(client, body)
        channel_id = (body.get("channel") or {}).get("id")
        message = body.get("message") or {}
        actor, link, text = await asyncio.gather(
            services.actor(context, body, channel_id=channel_id),
            permalink(client, channel_id, body.get("message_ts") or message.get("ts")),
            markup.name_bare_mentions(
                markup.to_words(str(message.get("text") or "")).strip(),
                services.profiles_for(context).name_of,
            ),
        )
        reply = await services.core.handle(
            OpenSubmitForm(prefill=text or None, source_url=link), actor
        )
        delivery = await services.delivery(
            actor, client, Origin.PRIVATE, body=body, source_url=link, placeholder=placeholder
        )
        await delivery.deliver(reply)

    @app.global_shortcut(SHARE_STORY_CALLBACK_ID)
    async def share_story(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        placeholder = await services.placeholder(client, body)
        actor = await services.actor(context, body)
        reply = await services.core.handle(OpenSubmitForm(), actor)
        delivery = await services.delivery(
            actor, client, Origin.PRIVATE, body=body, placeholder=placeholder
        )
        await delivery.deliver(reply)


async def permalink(client: AsyncWebClient, channel_id: str | None, ts: str | None) -> str | None:
    """The message's link, or None when Slack will not give it (the story is saved anyway)."""
    if not channel_id or not ts:
        return None
    try:
        answer = await client.chat_getPermalink(channel=channel_id, message_ts=ts)
    except SLACK_ERRORS as failure:
        log.info("chat.getPermalink failed", extra={"error": error_code(failure)})
        return None
    link = answer.get("permalink")
    return link if isinstance(link, str) else None
