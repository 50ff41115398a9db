"""Fuzz target: an INTERACTION_CREATE payload through discord.py's own parsing into the
adapter (the /story command group's option mapping, persistent buttons, modal submissions,
tag autocomplete) and on to the core on in-memory fakes. Nothing goes over the network: the
adapter's response functions are replaced by a recorder, which also checks that every
message carries allowed_mentions none.

The envelope (ids, member, guild) is well formed, as Discord sends it; what a user or a
forged client controls is fuzzed: the subcommand and its options (names, types, values),
button custom_ids, modal custom_ids and components, locale and permissions.

    python -m tests.fuzz.discord_interaction -max_total_time=30

A crash is any exception out of the adapter, except discord.py's own refusal of options
that do not match the command's signature (app_commands errors other than
CommandInvokeError, which the tree's on_error answers in production).
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from tests.fuzz.runner import Choices, Target, instrumented, main

with instrumented():
    import discord
    from discord import app_commands

    from adapters.discord import responses
    from adapters.discord.client import ClientOptions, make_client
    from adapters.discord.commands import StoryCommands
    from adapters.discord.drafts import DraftStore
    from adapters.discord.messages import NO_PINGS, Outgoing
    from adapters.discord.services import Services
    from adapters.discord.shortcuts import save_as_story_menu
    from bot.core import Core

from tests.fakes.discord import FakeDiscord, user
from tests.fakes.memory import FakeClock, FakeDatabase

SUBCOMMANDS = [
    "submit", "browse", "search", "show", "tags", "appreciate", "share", "edit", "delete",
    "feature", "featured", "shortlist", "hide", "unhide", "config", "export", "help",
]  # fmt: skip
CUSTOM_IDS = ["sb1:show:1", "sb1:appreciate:1", "sb1:edit:1", "sb1:browse::o1.1.2", "sbd:"]
MODAL_IDS = ["sbf|sb1:submit-form||", "sbf|sb1:edit-form:1|1/2|", "sbf|sb1:submit-form||k"]
MANAGE_GUILD = 1 << 5


class DiscordTarget:
    def __init__(self) -> None:
        self.fake = FakeDiscord()
        self.db = FakeDatabase()
        clock = FakeClock()
        drafts = DraftStore(self.db.factory(), clock)
        self.services = Services(Core(self.db.factory(), clock), drafts, form_deadline=5.0)
        self.client = make_client(self.services, ClientOptions())
        self.group = StoryCommands(self.services)
        self.client.tree.add_command(self.group)
        self.client.tree.add_command(save_as_story_menu(self.services))
        state: Any = self.client._connection
        state.user = discord.ClientUser(
            state=state,
            data={"id": "900000000000000001", "username": "storybot", "discriminator": "0",
                  "avatar": None, "bot": True},
        )  # fmt: skip
        state.application_id = int(self.fake.app_id)
        self.state = state
        self.ids = itertools.count(10**17)
        self.count = 0
        for name in ("defer", "respond", "deliver", "open_modal", "reply_now"):
            setattr(responses, name, self.recorder)
        responses.remove_placeholder = self.nothing  # type: ignore[assignment]
        self.members = [user(next(self.ids), f"member{i}") for i in range(3)]
        self.tree_errors: list[app_commands.AppCommandError] = []
        self.client.tree.on_error = self.tree_error  # type: ignore[method-assign]

    async def tree_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        """Where the tree reports what went wrong (production answers the user here)."""
        self.tree_errors.append(error)

    async def recorder(self, *args: Any, **kwargs: Any) -> bool:
        for value in (*args, *kwargs.values()):
            if isinstance(value, Outgoing):
                assert value.send_kwargs()["allowed_mentions"] is NO_PINGS
                assert value.edit_kwargs()["allowed_mentions"] is NO_PINGS
        return True

    async def nothing(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def __call__(self, data: bytes) -> None:
        self.count += 1
        if self.count % 500 == 0:
            self.db.__init__()  # type: ignore[misc]
        c = Choices(data)
        kind = c.pick([2, 2, 2, 3, 4, 5])
        payload = self.fake.interaction(
            kind,
            None,
            c.pick(self.members),
            permissions=c.pick([0, MANAGE_GUILD, c.number(0, 2**40)]),
            locale=c.pick(["en-US", "sv-SE", "fr", c.text(10)]),
            interaction_id=next(self.ids),
        )
        self.fake.interactions.clear()
        if kind in (2, 4):
            payload["data"] = self.command_data(c, focused=kind == 4)
        elif kind == 3:
            custom_id = c.pick(CUSTOM_IDS) + c.raw_text(120) if c.flag() else c.raw_text(120)
            payload["data"] = {"custom_id": custom_id, "component_type": 2}
            payload["message"] = self.message()
        else:
            custom_id = c.pick(MODAL_IDS) if c.flag() else "sbf|" + c.raw_text(120)
            payload["data"] = {"custom_id": custom_id, "components": self.components(c)}
        interaction: discord.Interaction[Any] = discord.Interaction(data=payload, state=self.state)
        self.tree_errors.clear()
        try:
            await self.dispatch(interaction, kind)
        except app_commands.AppCommandError as error:  # production: the tree's on_error
            self.tree_errors.append(error)
        for error in self.tree_errors:
            if isinstance(error, app_commands.CommandInvokeError):
                raise error  # our callback raised
            # Otherwise discord.py refused options that do not fit the signature.

    async def dispatch(self, interaction: discord.Interaction[Any], kind: int) -> None:
        if kind in (2, 4):
            await self.client.tree._call(interaction)
        else:
            await self.client.on_interaction(interaction)  # type: ignore[attr-defined]

    def command_data(self, c: Choices, *, focused: bool) -> dict[str, Any]:
        """Options typed as the command declares them (Discord checks types against the
        registered command), with any values: lengths and ranges are not trusted."""
        sub = c.pick(SUBCOMMANDS) if c.number(0, 19) else c.text(20)
        command = self.group.get_command(sub)
        parameters = list(command.parameters) if isinstance(command, app_commands.Command) else []
        options = []
        for parameter in parameters:
            if not (parameter.required or c.flag()):
                continue
            kind = parameter.type
            if kind is discord.AppCommandOptionType.integer:
                value: Any = c.pick([1, 0, -1, 10**9, 2**53, c.number(-(2**53), 2**53)])
            elif parameter.choices and c.flag():
                value = c.pick([choice.value for choice in parameter.choices])
            else:
                value = c.raw_text(c.pick([40, 400, 4000]))
            option = {"name": parameter.name, "type": kind.value, "value": value}
            if focused and parameter.autocomplete and not any("focused" in o for o in options):
                option["focused"] = True
            options.append(option)
        return {
            "id": self.fake.command_id("story"),
            "name": "story",
            "type": 1,
            "options": [{"type": 1, "name": sub, "options": options}],
        }

    def components(self, c: Choices) -> list[Any]:
        if c.flag():
            try:
                parsed = json.loads(c.raw_text(300))
            except ValueError:
                parsed = []
            return parsed if isinstance(parsed, list) else [parsed]
        fields = ["text", "title", "customer", "tags", "flags", c.text(10)]
        found = []
        for _ in range(c.number(0, 5)):
            custom_id = c.pick(fields)
            if custom_id == "flags":
                inner = {
                    "type": 22,
                    "custom_id": "flags",
                    "values": [c.pick(["anonymous", "consent", c.text(10)])],
                }
            else:
                inner = {"type": 4, "custom_id": custom_id, "value": c.raw_text(400)}
            found.append(
                {"type": 18, "component": inner} if c.flag() else {"type": 1, "components": [inner]}
            )
        return found

    def message(self) -> dict[str, Any]:
        return {
            "id": str(next(self.ids)),
            "channel_id": str(self.fake.channel_id),
            "author": {"id": "900000000000000001", "username": "storybot", "discriminator": "0",
                       "avatar": None, "bot": True},
            "content": "", "timestamp": "2026-11-23T09:00:00+00:00", "edited_timestamp": None,
            "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
            "attachments": [], "embeds": [], "pinned": False, "type": 0, "components": [],
        }  # fmt: skip


async def load() -> Target:
    return DiscordTarget()


if __name__ == "__main__":
    main(load)
