"""Reading and reacting: paging in place, persistent buttons, moderator actions."""

from __future__ import annotations

import asyncio

from bot.domain import Platform, SpaceRef
from tests.adapters.discord.conftest import Harness, buttons
from tests.fakes.discord import EPHEMERAL, EVERYONE_PERMISSIONS, MANAGE_GUILD


async def add_stories(h: Harness, count: int) -> None:
    for n in range(count):
        iid = await h.run(
            "submit", {"text": f"Story number {n} about a kind support agent."}, who=h.bo
        )
        await h.answer(iid)


async def test_browse_pages_edit_the_same_message(bot: Harness) -> None:
    await add_stories(bot, 7)
    listed = await bot.run("browse")
    first = await bot.answer(listed)
    assert "Page 1" in first["content"]
    assert len(first["embeds"]) == 5
    assert "Next ›" in buttons(first) and "‹ Previous" not in buttons(first)
    message = bot.message_of(listed)

    clicked = await bot.click(message, buttons(first)["Next ›"])
    callback = await bot.callback(clicked)
    assert callback.json["type"] == 7  # UPDATE_MESSAGE: the list itself changes
    assert bot.fake.interactions[clicked].original_message_id == int(message["id"])
    second = bot.fake.messages[int(message["id"])]
    assert "Page 2" in second["content"]
    assert len(second["embeds"]) == 2
    assert "‹ Previous" in buttons(second)

    back = await bot.click(second, buttons(second)["‹ Previous"])
    await bot.callback(back)
    assert "Page 1" in bot.fake.messages[int(message["id"])]["content"]
    # Clicks are routed by custom_id: discord.py keeps no view per message sent (it would
    # keep them forever, with timeout=None).
    store = bot.runtimes[0].client._connection._view_store
    assert not store._views and not store._dynamic_items


async def test_buttons_keep_working_after_a_restart(harness: Harness) -> None:
    first = await harness.start()
    await add_stories(harness, 6)
    listed = await harness.run("browse")
    page = await harness.answer(listed)
    message = harness.message_of(listed)
    await first.stop()

    await harness.start()  # a new process: a new client that never saw that message
    await harness.fake.wait_connected()
    clicked = await harness.click(message, buttons(page)["Next ›"])
    assert (await harness.callback(clicked)).json["type"] == 7
    assert "Page 2" in harness.fake.messages[int(message["id"])]["content"]


async def test_card_buttons_answer_privately_and_share_publicly(bot: Harness) -> None:
    await add_stories(bot, 1)
    shown = await bot.run("show", {"number": 1})
    card = await bot.answer(shown)
    message = bot.message_of(shown)

    appreciated = await bot.click(message, buttons(card)["Appreciate"])
    thanks = await bot.answer(appreciated)
    assert thanks["content"] == "Thank you! #1 now has 1 appreciation."
    assert thanks["flags"] & EPHEMERAL

    shared = await bot.click(message, buttons(card)["Share to channel"])
    assert (await bot.answer(shared))["content"] == "Shared #1 in this channel."
    [public] = await bot.followups(shared)
    assert not (public.json.get("flags") or 0) & EPHEMERAL
    assert public.json["content"] == "Anna shared a good-service story"
    assert set(buttons(public.json)) == {"Read #1", "Appreciate"}


async def test_moderators_are_members_with_manage_server(bot: Harness) -> None:
    await add_stories(bot, 1)
    refused = await bot.run("hide", {"number": 1})
    assert (await bot.answer(refused))["content"] == "Only moderators can do that."

    by_role = await bot.moderator_run("hide", {"number": 1})
    assert "is hidden" in (await bot.answer(by_role))["content"]

    # The permission bits of the interaction count even without a role the cache knows.
    by_bits = await bot.run(
        "unhide", {"number": 1}, permissions=EVERYONE_PERMISSIONS | MANAGE_GUILD
    )
    assert "visible to everyone again" in (await bot.answer(by_bits))["content"]


async def test_feature_and_hide_buttons_for_moderators_announce_in_the_highlight_channel(
    bot: Harness,
) -> None:
    fake = bot.fake
    await add_stories(bot, 1)
    configured = await bot.moderator_run(
        "config", {"setting": "channel"}, channel_id=fake.highlight_channel_id
    )
    assert "now gets the story of the week" in (await bot.answer(configured))["content"]

    shown = await bot.moderator_run("show", {"number": 1})
    card = await bot.answer(shown)
    assert {"Feature", "Hide"} <= set(buttons(card))

    featured = await bot.click(
        bot.message_of(shown),
        buttons(card)["Feature"],
        who=bot.mo,
        roles=[fake.mod_role_id],
        permissions=EVERYONE_PERMISSIONS | MANAGE_GUILD,
    )
    assert "is the story of the week" in (await bot.answer(featured))["content"]
    [announcement] = fake.calls("POST", rf"/channels/{fake.highlight_channel_id}/messages")
    assert announcement.json["content"].startswith("**Story of the week")
    assert announcement.json["embeds"][0]["title"].startswith("#1 ")
    assert announcement.json["allowed_mentions"] == {"parse": []}

    hidden = await bot.click(
        bot.message_of(shown),
        buttons(card)["Hide"],
        who=bot.mo,
        roles=[fake.mod_role_id],
        permissions=EVERYONE_PERMISSIONS,
    )
    assert "is hidden" in (await bot.answer(hidden))["content"]


async def test_story_numbers_are_checked_by_the_bot(bot: Harness) -> None:
    """Discord clients do not enforce min_value; the bot must refuse 0 and negatives."""
    for number in (0, -4):
        iid = await bot.run("show", {"number": number})
        assert (await bot.answer(iid))["content"] == "Give a story number, like 12."


async def test_export_arrives_as_a_file(bot: Harness) -> None:
    await add_stories(bot, 2)
    iid = await bot.moderator_run("export")
    answer = await bot.callback(iid)  # in time: the one callback carries the file
    assert answer.json["type"] == 4
    [(name, content)] = answer.files
    assert name.startswith("storybot-stories-") and name.endswith(".json")
    assert b"kind support agent" in content


async def test_swedish_users_get_swedish_answers(bot: Harness) -> None:
    iid = await bot.run("show", {"number": 3}, locale="sv-SE")
    assert (await bot.answer(iid))["content"] == "Det finns ingen berättelse #3."


async def test_a_quick_read_is_answered_with_one_call(bot: Harness) -> None:
    """No "thinking…" and no edit when the core answers in time: one REST call."""
    await add_stories(bot, 1)
    before = len(bot.fake.requests)
    iid = await bot.run("show", {"number": 1})
    answer = await bot.callback(iid)
    assert answer.json["type"] == 4 and answer.json["data"]["embeds"]
    await asyncio.sleep(0.1)
    assert [(r.method, r.path) for r in bot.fake.requests[before:]] == [
        ("POST", f"/interactions/{iid}/token-{iid}/callback")
    ]


async def test_the_server_is_known_by_its_name(bot: Harness) -> None:
    """Interactions carry no server name; the server cached from GUILD_CREATE has it."""
    listed = await bot.run("tags")
    await bot.answer(listed)
    space = SpaceRef(Platform.DISCORD, str(bot.fake.guild_id))
    assert bot.db.space_name(space) == "Acme Support"
