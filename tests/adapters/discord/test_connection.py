"""Start-up, command registration, staying connected, sharding and the invite link."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.discord import invite
from adapters.discord.runtime import DiscordStartError
from bot.config import SettingsError
from tests.adapters.discord.conftest import Harness
from tests.fakes.discord import CHAT_INPUT, FakeDiscord

GUILDS_INTENT = 1 << 0
SUBCOMMANDS = {
    "submit", "browse", "search", "show", "tags", "appreciate", "share", "edit", "delete",
    "feature", "featured", "shortlist", "hide", "unhide", "config", "export", "help",
    "link", "links", "unlink",
}  # fmt: skip


def synced(fake: FakeDiscord, scope: str = r"/applications/\d+/commands") -> list[dict]:
    calls = fake.calls("PUT", scope)
    assert calls, "no command sync"
    return calls[-1].json


async def test_start_up_logs_in_syncs_and_identifies_without_privileged_intents(
    bot: Harness,
) -> None:
    fake = bot.fake
    paths = [(r.method, r.path) for r in fake.requests[:3]]
    assert paths == [
        ("GET", "/users/@me"),
        ("GET", "/oauth2/applications/@me"),
        ("PUT", f"/applications/{fake.app_id}/commands"),
    ]
    [identify] = fake.identifies
    assert identify["token"] == "fake-token"
    assert identify["intents"] == GUILDS_INTENT  # no members, presences or message content
    client = bot.runtimes[0].client
    assert client.get_guild(fake.guild_id) is not None  # READY, then GUILD_CREATE
    # Without SHARD_COUNT, the shard count Discord recommends is asked for and used.
    assert fake.calls("GET", "/gateway/bot") and identify["shard"] == [0, 1]


async def test_the_command_group_and_message_menu_are_registered(bot: Harness) -> None:
    commands = {c["name"]: c for c in synced(bot.fake)}
    story, menu = commands["story"], commands["Save as story"]
    assert {o["name"] for o in story["options"]} == SUBCOMMANDS
    assert all(o["type"] == 1 and o["description"] for o in story["options"])
    assert story["contexts"] == [0] and menu["contexts"] == [0]  # servers only
    assert story["integration_types"] == [0] and menu["integration_types"] == [0]
    assert menu["type"] == 3
    show = next(o for o in story["options"] if o["name"] == "show")
    assert show["options"] == [
        {
            "type": 4,
            "name": "number",
            "description": "the story's number, like 12",
            "required": True,
            "min_value": 1,
            "max_value": 999_999_999,
            "description_localizations": {"sv-SE": "berättelsens nummer, till exempel 12"},
        }
    ]
    browse = next(o for o in story["options"] if o["name"] == "browse")
    assert browse["options"][0]["autocomplete"] is True


async def test_swedish_descriptions_are_in_the_synced_payload(bot: Harness) -> None:
    [story] = [c for c in synced(bot.fake) if c["name"] == "story"]
    assert story["description_localizations"]["sv-SE"] == (
        "Storybot samlar berättelser om bra kundservice."
    )
    browse = next(o for o in story["options"] if o["name"] == "browse")
    assert browse["description_localizations"] == {"sv-SE": "läs berättelser, nyaste först"}
    assert browse["name_localizations"] == {}  # names stay as the help text spells them


async def test_commands_are_synced_only_when_their_definition_changed(harness: Harness) -> None:
    fake = harness.fake
    first = await harness.start()
    await first.stop()
    second = await harness.start()
    await second.stop()
    assert len(fake.calls("PUT", r"/applications/\d+/commands")) == 1

    state = json.loads(harness.sync_file.read_text())
    harness.sync_file.write_text(json.dumps({key: "an older definition" for key in state}))
    await harness.start()
    assert len(fake.calls("PUT", r"/applications/\d+/commands")) == 2


async def test_a_development_server_gets_the_commands_at_once(harness: Harness) -> None:
    fake = harness.fake
    await harness.start(discord_guild_id=fake.guild_id)
    guild_commands = synced(fake, rf"/applications/\d+/guilds/{fake.guild_id}/commands")
    assert {c["name"] for c in guild_commands} == {"story", "Save as story"}
    assert not fake.calls("PUT", r"/applications/\d+/commands")

    iid = await harness.run("help")  # carries the guild_id of a server command
    assert "Storybot collects stories" in (await harness.answer(iid))["content"]


async def test_a_dropped_gateway_is_resumed_and_missed_events_replayed(bot: Harness) -> None:
    fake = bot.fake
    await fake.drop_connections(code=4000)
    # Sent while the bot is away: Discord keeps it for the resumed session.
    missed = await bot.run("submit", {"text": "Sent while the gateway was reconnecting."})
    await fake.wait_connected()

    [resume] = fake.resumes
    [session] = fake.live_sessions()
    assert resume["session_id"] == session.id and len(fake.identifies) == 1
    assert (await bot.answer(missed))["content"].startswith("Story #1 is saved.")
    after = await bot.run("help")
    assert "Storybot collects stories" in (await bot.answer(after))["content"]


async def test_an_unresumable_session_is_identified_again(bot: Harness) -> None:
    fake = bot.fake
    fake.invalidate_sessions()
    await fake.drop_connections(code=4000)
    # discord.py waits 5 s before identifying again, as Discord's identify limit asks.
    await fake.wait_until(lambda: len(fake.identifies) == 2, within=8)
    await fake.wait_connected()

    assert len(fake.resumes) == 1 and len(fake.identifies) == 2  # resume refused, then IDENTIFY
    iid = await bot.run("help")
    assert "Storybot collects stories" in (await bot.answer(iid))["content"]


async def test_shards_identify_separately_and_answer(harness: Harness) -> None:
    fake = harness.fake
    await harness.start(shard_count=2)
    await fake.wait_connected(shards=2)
    assert sorted(i["shard"] for i in fake.identifies) == [[0, 2], [1, 2]]

    shard = (fake.guild_id >> 22) % 2
    payload = fake.interaction(2, harness.slash("help"), harness.anna)
    await fake.dispatch("INTERACTION_CREATE", payload, shard_id=shard)
    assert "Storybot collects stories" in (await harness.answer(int(payload["id"])))["content"]


async def test_each_shard_process_gets_the_events_of_its_own_servers(harness: Harness) -> None:
    """Discord's rule, guild_id >> 22 % shard count, decides which shard (and so which
    process) gets a server's GUILD_CREATE and interactions; two processes, one shard each."""
    fake = harness.fake
    guilds = {shard: fake.add_guild(shard, shard_count=2) for shard in (0, 1)}
    runtimes = [await harness.start(shard_count=2, shard_ids=[shard]) for shard in (0, 1)]
    await fake.wait_connected(shards=2)

    for shard, runtime in enumerate(runtimes):
        known = {guild.id for guild in runtime.client.guilds}
        assert guilds[shard] in known and guilds[1 - shard] not in known
    for shard, guild in guilds.items():
        payload = fake.interaction(CHAT_INPUT, harness.slash("help"), harness.anna, guild_id=guild)
        await fake.dispatch("INTERACTION_CREATE", payload)  # no shard named: the fake routes
        got = [s for s, p in fake.delivered("INTERACTION_CREATE") if p["id"] == payload["id"]]
        assert got == [shard]  # only the process of that shard saw it …
        answer = await harness.answer(int(payload["id"]))  # … and answered it, once
        assert "Storybot collects stories" in answer["content"]


async def test_a_refused_token_stops_start_up_with_a_plain_message(harness: Harness) -> None:
    harness.fake.fail_next("GET", "/users/@me", 401, {"message": "401: Unauthorized", "code": 0})
    with pytest.raises(DiscordStartError, match="refused the token"):
        await harness.start()


async def test_shard_ids_need_a_shard_count(harness: Harness) -> None:
    with pytest.raises(SettingsError, match="SHARD_COUNT"):
        await harness.start(shard_ids=[0])


async def test_invite_link_asks_for_exactly_the_permissions_used(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = harness.fake
    assert await invite.run([], harness.settings()) == 0  # asks Discord for the application
    url = capsys.readouterr().out.strip()
    assert url.startswith(f"https://discord.com/oauth2/authorize?client_id={fake.app_id}")
    assert "scope=bot+applications.commands" in url
    # view channel, send messages, send messages in threads, embed links
    assert "permissions=274877926400" in url

    assert await invite.run(["--client-id", "42", "--guild-id", "7"]) == 0
    url = capsys.readouterr().out.strip()
    assert "client_id=42" in url and "guild_id=7" in url


def test_invite_without_token_or_client_id_explains(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from bot.config import Settings

    assert invite.main([], Settings.load(None)) == 2  # type: ignore[call-arg]
    assert "DISCORD_TOKEN" in capsys.readouterr().err
