"""What every listener needs: the core, the draft store, Discord's deadlines, and how to
get the actor and the delivery of one interaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import discord

from adapters.discord import responses
from adapters.discord.actors import actor_for
from adapters.discord.delivery import RESPONSE_BUDGET, Delivery
from adapters.discord.drafts import DraftStore
from adapters.discord.member_names import MemberNames
from adapters.redelivery import RecentRequests
from bot.commands import Actor
from bot.core import Core
from bot.domain import Language
from bot.i18n import Translator, language_for

log = logging.getLogger(__name__)

FORM_DEADLINE = 1.5  # seconds the core gets before a possible modal is given up for a defer
CORE_TIMEOUT = 14 * 60.0  # the interaction token lives 15 minutes


@dataclass
class Services:
    core: Core
    drafts: DraftStore
    default_language: Language = Language.EN
    form_deadline: float = FORM_DEADLINE
    core_timeout: float = CORE_TIMEOUT
    response_budget: float = RESPONSE_BUDGET
    # A replay after a gateway resume is dropped here; across processes the core's client
    # key holds, and Discord accepts only one response to an interaction.
    recent: RecentRequests = field(default_factory=RecentRequests)
    # Shared with the directory: names an interaction brought, so crediting costs no lookup.
    names: MemberNames = field(default_factory=MemberNames)

    def translator(self, interaction: discord.Interaction[Any]) -> Translator:
        """For what the adapter says before (or without) the core: the user's locale."""
        return Translator(language_for(str(interaction.locale), self.default_language))

    async def actor(self, interaction: discord.Interaction[Any]) -> Actor | None:
        """The actor, once per interaction; None (answered) outside a server."""
        if not self.recent.first_time(str(interaction.id)):
            log.info("duplicate interaction ignored", extra={"interaction": interaction.id})
            return None
        t = self.translator(interaction)
        if interaction.guild_id is not None and not interaction.is_guild_integration():
            # Used through someone's own install in a server that never added the bot:
            # answering would make a community for a server that did not ask for one.
            await responses.reply_now(
                interaction,
                t(
                    "Storybot is not added to this server. Ask an admin to add it "
                    "(storybot discord invite prints the link)."
                ),
            )
            return None
        actor = actor_for(interaction)
        if actor is None:
            await responses.reply_now(
                interaction, t("Storybot works inside a server. Use it in a server channel.")
            )
        return actor

    def delivery(self, interaction: discord.Interaction[Any]) -> Delivery:
        return Delivery(
            interaction,
            self.drafts,
            self.translator(interaction),
            form_deadline=self.form_deadline,
            core_timeout=self.core_timeout,
            response_budget=self.response_budget,
        )
