"""Button clicks: the opaque action in the button's value goes back to the core, which
checks it again; the answer lands where the button was."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.delivery import Origin
from adapters.slack.render import BUTTON_ACTION_PATTERN
from adapters.slack.services import Services
from bot.actions import opens_form


def register(app: AsyncApp, services: Services) -> None:
    @app.action(BUTTON_ACTION_PATTERN)
    async def button_clicked(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        origin, view_id = origin_of(body)
        value = str(action.get("value") or "")
        # A form's trigger expires in 3 seconds. Inside a modal the form is pushed on top
        # instead, so only clicks elsewhere get a placeholder.
        placeholder = (
            await services.placeholder(client, body)
            if origin is not Origin.MODAL and opens_form(value)
            else None
        )
        actor = await services.actor(context, body, channel_id=context.channel_id)
        reply = await services.core.handle_action(value, actor)
        delivery = await services.delivery(
            actor,
            client,
            origin,
            body=body,
            view_id=view_id,
            placeholder=placeholder,
        )
        await delivery.deliver(reply)


def origin_of(body: Mapping[str, Any]) -> tuple[Origin, str | None]:
    """Where the button was: a message (ephemeral or not), a modal, or the Home tab."""
    container = body.get("container") or {}
    if container.get("type") == "view":
        view = body.get("view") or {}
        origin = Origin.HOME if view.get("type") == "home" else Origin.MODAL
        return origin, view.get("id")
    if container.get("is_ephemeral"):
        return Origin.EPHEMERAL_MESSAGE, None
    return Origin.PUBLIC_MESSAGE, None
