"""A submitted form: the one place where the core runs before the ack, because only the
ack can keep the modal open with errors next to the fields at fault.

The core gets `form_budget` seconds. In time, a refusal becomes response_action "errors"
and a success closes the modal and sends the confirmation. Too slow, and the ack swaps the
modal for a "saving…" view while the work carries on: the user then gets the result in
the modal (their form back, with what was wrong, if it was refused) and as a message.
The view id is the client key, so the same view submitted twice stores one story.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import render, views
from adapters.slack.actors import translator_named
from adapters.slack.client import SLACK_ERRORS, error_code
from adapters.slack.delivery import Delivery, Origin
from adapters.slack.services import Services
from bot.commands import Actor
from bot.replies import Reply

log = logging.getLogger(__name__)


def register(app: AsyncApp, services: Services) -> None:
    @app.view_submission(views.FORM_CALLBACK_ID)
    async def form_submitted(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        view = body.get("view") or {}
        metadata = views.FormMetadata.decode(view.get("private_metadata"))
        values = views.form_values((view.get("state") or {}).get("values") or {})

        async def submit() -> tuple[Actor, Reply]:
            actor = await services.actor(context, body, channel_id=metadata.channel_id)
            reply = await services.core.handle_form(
                metadata.action,
                values,
                actor,
                client_key=str(view.get("id") or ""),
                source_url=metadata.source_url,
            )
            return actor, reply

        work = asyncio.ensure_future(submit())
        done, _ = await asyncio.wait({work}, timeout=services.form_budget)
        if not done:
            t = translator_named(metadata.language)
            title = view.get("title") or render.plain(render.APP_NAME, render.MODAL_TITLE_MAX)
            await ack(response_action="update", view=views.pending_view(title, t))
            actor, reply = await work
            await _finish_late(services, client, actor, reply, view)
            return
        actor, reply = work.result()
        if reply.error:
            errors = views.error_messages(reply, view.get("blocks") or [])
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        delivery = await services.delivery(actor, client, Origin.PRIVATE)
        await delivery.post_private(reply)


async def _finish_late(
    services: Services,
    client: AsyncWebClient,
    actor: Actor,
    reply: Reply,
    view: dict[str, Any],
) -> None:
    delivery: Delivery = await services.delivery(actor, client, Origin.PRIVATE)
    if reply.error:
        shown = views.refill(view, views.first_text(reply) or reply.plain_text)
    else:
        shown = render.info_modal(reply)
    try:
        await client.views_update(view_id=view.get("id"), view=shown)
        if reply.error:
            return  # the form is back in front of them, with their text and the reason
    except SLACK_ERRORS as failure:
        log.info("late views.update failed", extra={"error": error_code(failure)})
    await delivery.post_private(reply)
