"""Sending a core Reply back to where the user acted, in the way Slack allows there.

A slash command answers through its response_url; a click in an ephemeral message updates
that message when the answer is content (a page, a story) and adds a new ephemeral message
when it is a short acknowledgement, so a list being read is not lost; a click in a modal
updates the modal; a click in the Home tab opens one. Shortcuts and form submissions answer
with an ephemeral message in the channel, or a direct message when there is none.
Failures are logged with Slack's error code only and told to the user in plain words.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from enum import Enum
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import render, views
from adapters.slack.actors import ProfileCache
from adapters.slack.client import SLACK_ERRORS, error_code
from bot.commands import Actor
from bot.i18n import Translator
from bot.i18n_marker import N_
from bot.replies import Attachment, Form, Pager, Reply, StoryCard, Text

log = logging.getLogger(__name__)

TRY_AGAIN = N_("Slack could not do that just now. Please try again in a moment.")


class Origin(Enum):
    COMMAND = "command"
    EPHEMERAL_MESSAGE = "ephemeral message"
    PUBLIC_MESSAGE = "public message"
    MODAL = "modal"
    HOME = "home"
    PRIVATE = "private"  # shortcuts and submissions: no message to answer into


class NotDelivered(Exception):
    pass


@dataclass
class Delivery:
    client: AsyncWebClient
    actor: Actor
    profiles: ProfileCache
    origin: Origin
    response_url: str | None = None  # the interaction's, where it has one
    trigger_id: str | None = None
    view_id: str | None = None
    source_url: str | None = None  # carried into a form opened from here
    placeholder: str | None = None  # the view id of a placeholder modal opened at once

    async def deliver(self, reply: Reply) -> None:
        t = Translator(reply.language)  # this adapter's own words, in the reply's language
        if reply.form is not None:
            await self.open_form(reply.form, t)
            return
        if self.placeholder is not None and await self._replace_placeholder(
            render.info_modal(reply, await self._names(reply))
        ):
            return
        files = [b for b in reply.blocks if isinstance(b, Attachment)]
        if files:
            reply = await self._upload(reply, files, t)
        if reply.broadcast is not None and not await self.broadcast(reply.broadcast):
            reply = self._failure(
                t(
                    "I can't post in this conversation. "
                    "Invite me to the channel, or try from another one."
                )
            )
        await self.answer(reply)

    async def open_form(self, form: Form, t: Translator) -> None:
        metadata = views.FormMetadata(
            form.action, self.actor.channel_id, self.source_url, t.language.value
        )
        view = views.form_view(form, t, metadata)
        if self.placeholder is not None and await self._replace_placeholder(view):
            return
        try:
            if self.origin is Origin.MODAL:
                await self.client.views_push(trigger_id=self.trigger_id, view=view)
            else:
                await self.client.views_open(trigger_id=self.trigger_id, view=view)
        except SLACK_ERRORS as failure:
            log.warning("could not open a form", extra={"error": error_code(failure)})
            await self.answer(self._failure(t(TRY_AGAIN)))

    async def _replace_placeholder(self, view: dict[str, Any]) -> bool:
        try:
            await self.client.views_update(view_id=self.placeholder, view=view)
        except SLACK_ERRORS as failure:
            log.warning("could not fill the placeholder", extra={"error": error_code(failure)})
            return False
        return True

    async def answer(self, reply: Reply) -> None:
        """The personal answer; falls back to a private message if the usual way fails."""
        try:
            match self.origin:
                case Origin.COMMAND:
                    await self._respond(reply, in_channel=not reply.ephemeral)
                case Origin.EPHEMERAL_MESSAGE:
                    await self._respond(reply, replace_original=_is_content(reply))
                case Origin.PUBLIC_MESSAGE:
                    await self._respond(reply, replace_original=False)
                case Origin.MODAL:
                    view = render.info_modal(reply, await self._names(reply))
                    await self.client.views_update(view_id=self.view_id, view=view)
                case Origin.HOME:
                    view = render.info_modal(reply, await self._names(reply))
                    await self.client.views_open(trigger_id=self.trigger_id, view=view)
                case Origin.PRIVATE:
                    await self.post_private(reply)
        except (NotDelivered, *SLACK_ERRORS) as failure:
            log.warning(
                "answer failed", extra={"origin": self.origin.value, "error": error_code(failure)}
            )
            if self.origin is not Origin.PRIVATE:
                await self.post_private(reply)

    async def post_private(self, reply: Reply) -> None:
        """An ephemeral message in the actor's channel, else a direct message. Never raises."""
        channel = self.actor.channel_id
        if channel:
            try:
                await self.client.chat_postEphemeral(
                    channel=channel,
                    user=self.actor.user_id,
                    blocks=await self._blocks(reply),
                    text=render.fallback_text(reply),
                )
                return
            except SLACK_ERRORS as failure:
                log.info("ephemeral message failed", extra={"error": error_code(failure)})
        await self.direct_message(reply)

    async def direct_message(self, reply: Reply) -> None:
        try:
            channel = await self._dm_channel()
            await self.client.chat_postMessage(
                channel=channel,
                blocks=await self._blocks(reply),
                text=render.fallback_text(reply),
                unfurl_links=False,
                unfurl_media=False,
            )
        except SLACK_ERRORS as failure:
            log.warning("direct message failed", extra={"error": error_code(failure)})

    async def broadcast(self, reply: Reply) -> bool:
        """Post to the actor's channel; True when it was posted."""
        blocks = await self._blocks(reply)
        text = render.fallback_text(reply)
        if self.actor.channel_id:
            try:
                await self.client.chat_postMessage(
                    channel=self.actor.channel_id,
                    blocks=blocks,
                    text=text,
                    unfurl_links=False,
                    unfurl_media=False,
                )
                return True
            except SLACK_ERRORS as failure:
                log.info("channel post failed", extra={"error": error_code(failure)})
        if self.response_url is not None and self.origin in _MESSAGE_ORIGINS:
            # The response_url may post in a channel the bot has not joined.
            try:
                await self._send(blocks, text, response_type="in_channel", replace_original=False)
                return True
            except (NotDelivered, *SLACK_ERRORS) as failure:
                log.info("response_url post failed", extra={"error": error_code(failure)})
        return False

    async def _respond(
        self, reply: Reply, *, in_channel: bool = False, replace_original: bool | None = None
    ) -> None:
        blocks = await self._blocks(reply)
        await self._send(
            blocks,
            render.fallback_text(reply),
            response_type="in_channel" if in_channel else "ephemeral",
            replace_original=replace_original,
        )

    async def _send(self, blocks: list[dict[str, Any]], text: str, **options: Any) -> None:
        if self.response_url is None:
            raise NotDelivered("no response_url")
        options = {k: v for k, v in options.items() if v is not None}
        # Over the client's session, so the post reuses a kept-alive connection (Bolt's
        # respond() opens a new one, and a new TLS handshake, for every answer).
        poster = AsyncWebhookClient(url=self.response_url, session=self.client.session)
        result = await poster.send_dict({"text": text, "blocks": blocks, **options})
        if result.status_code != 200:
            raise NotDelivered(f"response_url answered {result.status_code}")

    async def _names(self, reply: Reply) -> dict[str, str]:
        credited = render.credited_ids(reply)
        return await self.profiles.names(credited) if credited else {}

    async def _blocks(self, reply: Reply) -> list[dict[str, Any]]:
        return render.message_blocks(reply, names=await self._names(reply))

    async def _dm_channel(self) -> str:
        opened = await self.client.conversations_open(users=self.actor.user_id)
        return str(opened["channel"]["id"])

    async def _upload(self, reply: Reply, files: list[Attachment], t: Translator) -> Reply:
        """Files go to the user in a direct message, never to the channel: exports hold
        what only moderators may see."""
        notes: list[Text] = []
        for attachment in files:
            try:
                await self.client.files_upload_v2(
                    channel=await self._dm_channel(),
                    content=attachment.content,
                    filename=attachment.filename,
                    title=attachment.filename,
                )
                note = t("I sent you {file} in a direct message.", file=attachment.filename)
            except SLACK_ERRORS as failure:
                log.warning("file upload failed", extra={"error": error_code(failure)})
                note = t(TRY_AGAIN)
            notes.append(Text(note))
        kept = tuple(b for b in reply.blocks if not isinstance(b, Attachment))
        return dataclasses.replace(reply, blocks=(*kept, *notes))

    @staticmethod
    def _failure(message: str) -> Reply:
        return Reply(blocks=(Text(message),), error=True)


_MESSAGE_ORIGINS = (Origin.COMMAND, Origin.EPHEMERAL_MESSAGE, Origin.PUBLIC_MESSAGE)


def _is_content(reply: Reply) -> bool:
    return not reply.error and any(isinstance(b, StoryCard | Pager) for b in reply.blocks)
