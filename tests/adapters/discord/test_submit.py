"""Sharing a story: one line, the modal, validation errors, and saving a message."""

from __future__ import annotations

import re
from typing import Any

from adapters.discord.forms import ModalRef
from tests.adapters.discord.conftest import Harness, buttons
from tests.fakes.discord import AUTOCOMPLETE, CHAT_INPUT, EPHEMERAL, MODAL_SUBMIT


def submission(
    modal: dict[str, Any], typed: dict[str, str], ticked: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The MODAL_SUBMIT data a Discord client sends for the modal the bot opened."""
    components = []
    for position, label in enumerate(modal["components"], 1):
        inner = label["component"]
        if inner["type"] == 4:
            value = typed.get(inner["custom_id"], inner.get("value") or "")
            answer = {
                "type": 4,
                "id": position * 2,
                "custom_id": inner["custom_id"],
                "value": value,
            }
        else:
            answer = {
                "type": inner["type"],
                "id": position * 2,
                "custom_id": inner["custom_id"],
                "values": list(ticked),
            }
        components.append({"type": 18, "id": position * 2 - 1, "component": answer})
    return {"custom_id": modal["custom_id"], "components": components}


def inputs(modal: dict[str, Any]) -> dict[str, Any]:
    """custom_id -> prefilled value (text) or default-ticked values (checkbox group)."""
    found: dict[str, Any] = {}
    for label in modal["components"]:
        inner = label["component"]
        if inner["type"] == 4:
            found[inner["custom_id"]] = inner.get("value")
        else:
            found[inner["custom_id"]] = [o["value"] for o in inner["options"] if o.get("default")]
    return found


async def stories(h: Harness) -> list[Any]:
    async with h.db.factory()() as uow:
        return await uow.stories.export(None)


async def test_one_line_submit_defers_then_shows_the_saved_story(bot: Harness) -> None:
    iid = await bot.run("submit", {"text": "The courier called ahead about the delay. #speed"})

    callback = await bot.callback(iid)
    assert callback.json["type"] == 5  # deferred: "thinking…"
    assert callback.json["data"]["flags"] & EPHEMERAL
    answer = await bot.answer(iid)
    assert answer["content"] == "Story #1 is saved. Thank you!"
    [card] = answer["embeds"]
    assert card["title"].startswith("#1 ")
    assert {"name": "Tags", "value": "Speed", "inline": True} in card["fields"]
    assert set(buttons(answer)) == {"Appreciate", "Share to channel", "Edit"}
    [story] = await stories(bot)
    assert (story.text, story.tags, story.client_key) == (
        "The courier called ahead about the delay.",
        ["speed"],
        str(iid),
    )


async def test_tags_option_and_mentioned_colleagues_are_kept(bot: Harness) -> None:
    colleague = bot.bo["id"]
    text = f"<@{colleague}> stayed late to fix the customer's order."
    iid = await bot.run("submit", {"text": text, "tags": "Speed, follow-up"})

    answer = await bot.answer(iid)
    [story] = await stories(bot)
    assert story.credited == [colleague]
    assert story.tags == ["speed", "follow-up"]
    credited = next(f for f in answer["embeds"][0]["fields"] if f["name"] == "Credited")
    assert credited["value"] == f"<@{colleague}>"  # shown as a mention; never pinging


async def test_submit_without_text_opens_the_modal(bot: Harness) -> None:
    iid = await bot.run("submit", {"tags": "speed"})

    callback = await bot.callback(iid)
    assert callback.json["type"] == 9
    modal = callback.json["data"]
    assert modal["title"] == "Share a story"
    assert len(modal["components"]) <= 5
    assert inputs(modal) == {
        "text": None,
        "title": None,
        "customer": None,
        "tags": "speed",
        "flags": [],
    }
    assert not await stories(bot)


async def test_modal_submission_saves_the_story_with_its_choices(bot: Harness) -> None:
    opened = await bot.run("submit")
    modal = (await bot.callback(opened)).json["data"]

    typed = {
        "text": "She rebooked my whole trip in five minutes.",
        "title": "Rebooked",
        "customer": "A stranded traveller",
        "tags": "speed, #follow-up",
    }
    sent = await bot.send(MODAL_SUBMIT, submission(modal, typed, ("anonymous", "consent")))

    answer = await bot.answer(sent)
    assert answer["content"].startswith("Story #1 is saved.")
    [story] = await stories(bot)
    assert (story.title, story.customer, story.tags) == (
        "Rebooked",
        "A stranded traveller",
        ["speed", "follow-up"],
    )
    assert story.anonymous and story.consent
    assert story.client_key == str(sent)


async def test_validation_error_offers_to_reopen_the_modal_with_what_was_typed(
    bot: Harness,
) -> None:
    opened = await bot.run("submit")
    modal = (await bot.callback(opened)).json["data"]
    typed = {"text": "Too short", "title": "Kept title", "tags": "speed"}
    sent = await bot.send(MODAL_SUBMIT, submission(modal, typed, ("consent",)))

    answer = await bot.answer(sent)
    assert "too short" in answer["content"]
    assert not await stories(bot)
    fix = buttons(answer)["Fix and send again"]

    reopened = await bot.click(bot.message_of(sent), fix)
    again = (await bot.callback(reopened)).json
    assert again["type"] == 9
    assert inputs(again["data"]) == {
        "text": "Too short",
        "title": "Kept title",
        "customer": None,
        "tags": "speed",
        "flags": ["consent"],
    }


def saved_message(
    h: Harness, content: str, mentioned: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A message in the support channel, as the interaction's resolved data carries it."""
    return {
        "id": str(h.fake.new_id()),
        "channel_id": str(h.fake.channel_id),
        "author": h.bo,
        "content": content,
        "timestamp": "2026-11-20T10:00:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": mentioned or [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
        "flags": 0,
        "components": [],
    }


async def save_as_story(h: Harness, said: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """Use "Save as story" on `said`; the modal it opens."""
    data = {
        "id": h.fake.command_id("Save as story"),
        "name": "Save as story",
        "type": 3,
        "target_id": said["id"],
        "resolved": {"messages": {said["id"]: said}},
    }
    opened = await h.send(2, data, **kw)
    return (await h.callback(opened)).json["data"]


async def test_save_as_story_prefills_the_message_and_keeps_its_link(bot: Harness) -> None:
    fake = bot.fake
    said = saved_message(bot, "Thanks to Sam the refund was in my account the same day!")
    modal = await save_as_story(bot, said)
    assert inputs(modal)["text"] == said["content"]

    sent = await bot.send(MODAL_SUBMIT, submission(modal, {}))
    await bot.answer(sent)
    [story] = await stories(bot)
    assert story.text == said["content"]
    assert story.source_url == (
        f"https://discord.com/channels/{fake.guild_id}/{fake.channel_id}/{said['id']}"
    )


async def test_save_as_story_names_what_the_message_mentions(bot: Harness) -> None:
    """Bare markup reads as names: the mentioned member as the message carried them, the
    channel and role from the server Discord sent at start; what is unknown reads as words.
    The people mentioned are credited, as on Slack."""
    fake, ghost = bot.fake, str(bot.fake.new_id())
    as_member = {k: v for k, v in fake.member(bot.bo).items() if k != "user"}
    bo = {**bot.bo, "member": {**as_member, "nick": "Bo at Billing"}}
    content = (
        f"<@{bot.bo['id']}> and <@!{ghost}> fixed it in <#{fake.channel_id}> "
        f"(not <#{fake.new_id()}>), with <@&{fake.mod_role_id}> and <@&{fake.new_id()}>."
    )
    modal = await save_as_story(bot, saved_message(bot, content, [bo]))
    assert inputs(modal)["text"] == (
        "@Bo at Billing and @someone fixed it in #support "
        "(not a channel), with @Support leads and a group."
    )
    sent = await bot.send(MODAL_SUBMIT, submission(modal, {}))
    await bot.answer(sent)
    [story] = await stories(bot)
    assert story.text.startswith("@Bo at Billing and @someone fixed it")
    assert story.credited == [bot.bo["id"], ghost]  # the picker started with both

    # A member the server sent at start (here the bot) is named though the message did not
    # carry them; what is unknown reads in the reader's language.
    content = f"<@{fake.app_id}> and <@{ghost}> helped in <#{fake.new_id()}> with <@&1234>."
    swedish = await save_as_story(bot, saved_message(bot, content), locale="sv-SE")
    assert inputs(swedish)["text"] == "@Storybot and @någon helped in en kanal with en grupp."


async def test_typed_mentions_read_as_names_and_credit_the_people(bot: Harness) -> None:
    """A slash command's text carries mentions as markup, named from the resolved data
    Discord sends with it, then from the server kept in memory; what is unknown reads as
    words in the author's language. No request is made to name them."""
    fake, ghost = bot.fake, str(bot.fake.new_id())
    text = (
        f"<@{bot.bo['id']}> and <@!{ghost}> fixed it in <#{fake.channel_id}> "
        f"(not <#{fake.new_id()}>), with <@&{fake.mod_role_id}> and <@&{fake.new_id()}>."
    )
    data = bot.slash("submit", {"text": text})
    data["resolved"]["members"][bot.bo["id"]]["nick"] = "Bo at Billing"  # the server nickname
    del data["resolved"]["channels"]  # named from the server Discord sent at start
    before = len(fake.requests)
    iid = await bot.send(CHAT_INPUT, data)

    answer = await bot.answer(iid)
    assert answer["content"].startswith("Story #1 is saved.")
    [story] = await stories(bot)
    assert story.text == (
        "@Bo at Billing and @someone fixed it in #support (not a channel), "
        "with @Support leads and a group."
    )
    assert story.credited == [bot.bo["id"], ghost]
    assert story.text in answer["embeds"][0]["description"]
    # Only the answer and the credited names' lookup (members not in memory) are requests.
    made = {(r.method, re.sub(r"\d+", "N", r.path)) for r in fake.requests[before:]}
    assert made <= {
        ("POST", "/interactions/N/token-N/callback"),
        ("GET", "/guilds/N/members/N"),
        ("PATCH", "/webhooks/N/token-N/messages/@original"),
    }, made

    swedish = f"<@{ghost}> hjälpte till i <#{fake.new_id()}> med <@&{fake.new_id()}>, tack!"
    sent = await bot.run("submit", {"text": swedish}, locale="sv-SE")
    await bot.answer(sent)
    story = next(s for s in await stories(bot) if s.number == 2)
    assert story.text == "@någon hjälpte till i en kanal med en grupp, tack!"


async def test_a_credited_member_named_by_the_interaction_costs_no_lookup(bot: Harness) -> None:
    """The resolved data names the people a slash command mentions; crediting them uses that
    name (the server nickname) and asks Discord for no member: the lookup was a REST round
    trip before the answer, under a per-route rate limit."""
    text = f"<@{bot.bo['id']}> sorted out the refund the same day."
    data = bot.slash("submit", {"text": text})
    data["resolved"]["members"][bot.bo["id"]]["nick"] = "Bo at Billing"
    before = len(bot.fake.requests)
    await bot.answer(await bot.send(CHAT_INPUT, data))

    [story] = await stories(bot)
    assert story.credited == [bot.bo["id"]]
    assert story.credited_names == {bot.bo["id"]: "Bo at Billing"}
    paths = [re.sub(r"\d+", "N", r.path) for r in bot.fake.requests[before:]]
    assert "/guilds/N/members/N" not in paths, paths


async def test_markup_typed_into_the_modal_is_stored_as_words(bot: Harness) -> None:
    """A modal sends raw text and resolves nothing: markup typed by hand is named from the
    server kept in memory, worded where unknown, and credits no one (the picker does)."""
    fake = bot.fake
    opened = await bot.run("submit")
    modal = (await bot.callback(opened)).json["data"]
    typed = {
        "text": f"<@{fake.app_id}> and <@{bot.bo['id']}> answered in <#{fake.channel_id}>.",
        "title": f"Thanks <@&{fake.mod_role_id}>",
    }
    sent = await bot.send(MODAL_SUBMIT, submission(modal, typed))

    assert (await bot.answer(sent))["content"].startswith("Story #1 is saved.")
    [story] = await stories(bot)
    assert story.text == "@Storybot and @someone answered in #support."
    assert story.title == "Thanks @Support leads"
    assert story.credited == []


async def test_tag_autocomplete_answers_in_the_users_language(bot: Harness) -> None:
    english = await bot.send(AUTOCOMPLETE, bot.slash("browse", {"tag": "spe"}, focused="tag"))
    swedish = await bot.send(
        AUTOCOMPLETE, bot.slash("browse", {"tag": "snabb"}, focused="tag"), locale="sv-SE"
    )

    english_choices = (await bot.callback(english)).json
    assert english_choices["type"] == 8
    assert {"name": "Speed", "value": "speed"} in english_choices["data"]["choices"]
    swedish_choices = (await bot.callback(swedish)).json["data"]["choices"]
    assert swedish_choices[0]["value"] == "speed"
    assert swedish_choices[0]["name"] != "Speed"


async def test_tags_autocomplete_completes_the_last_of_several(bot: Harness) -> None:
    iid = await bot.send(AUTOCOMPLETE, bot.slash("submit", {"tags": "speed, foll"}, focused="tags"))

    choices = (await bot.callback(iid)).json["data"]["choices"]
    assert choices[0]["value"] == "speed, follow-up"


async def test_editing_keeps_the_credited_colleagues_the_modal_cannot_show(bot: Harness) -> None:
    colleague = bot.bo["id"]
    saved = await bot.run("submit", {"text": f"<@{colleague}> found the lost parcel in time."})
    await bot.answer(saved)

    opened = await bot.run("edit", {"number": 1})
    modal = (await bot.callback(opened)).json["data"]
    assert inputs(modal)["text"] == "@Bo found the lost parcel in time."  # stored as words
    sent = await bot.send(MODAL_SUBMIT, submission(modal, {"title": "Parcel found"}))

    assert (await bot.answer(sent))["content"].startswith("Story #1 is updated.")
    [story] = await stories(bot)
    assert (story.title, story.credited) == ("Parcel found", [colleague])


async def test_a_modal_opened_before_a_restart_can_still_be_sent(harness: Harness) -> None:
    before = await harness.start()
    opened = await harness.run("submit")
    modal = (await harness.callback(opened)).json["data"]
    await before.stop()

    await harness.start()
    typed = {"text": "Sent after the bot restarted, and still saved."}
    sent = await harness.send(MODAL_SUBMIT, submission(modal, typed))
    assert (await harness.answer(sent))["content"].startswith("Story #1 is saved.")


async def test_an_edit_opened_before_a_restart_keeps_what_the_modal_cannot_show(
    harness: Harness,
) -> None:
    """The credited colleague rides in a draft in the database, not in the process."""
    before = await harness.start()
    saved = await harness.run("submit", {"text": f"<@{harness.bo['id']}> fixed it overnight."})
    await harness.answer(saved)
    opened = await harness.run("edit", {"number": 1})
    modal = (await harness.callback(opened)).json["data"]
    await before.stop()

    await harness.start()  # a new process
    sent = await harness.send(MODAL_SUBMIT, submission(modal, {"title": "Overnight fix"}))
    assert (await harness.answer(sent))["content"].startswith("Story #1 is updated.")
    [story] = await stories(harness)
    assert (story.title, story.credited) == ("Overnight fix", [harness.bo["id"]])


async def test_an_edit_whose_carried_values_expired_is_not_saved_blindly(
    harness: Harness,
) -> None:
    await harness.start()
    saved = await harness.run("submit", {"text": f"<@{harness.bo['id']}> fixed it overnight."})
    await harness.answer(saved)
    opened = await harness.run("edit", {"number": 1})
    modal = (await harness.callback(opened)).json["data"]

    harness.clock.advance(minutes=61)  # the draft holding the credited colleague expired
    sent = await harness.send(MODAL_SUBMIT, submission(modal, {"title": "Overnight fix"}))
    answer = await harness.answer(sent)
    assert answer["content"].startswith("Your form was open so long")
    [story] = await stories(harness)
    assert story.title != "Overnight fix" and story.credited == [harness.bo["id"]]

    reopened = await harness.click(harness.message_of(sent), buttons(answer)["Fix and send again"])
    again = (await harness.callback(reopened)).json["data"]
    assert inputs(again)["title"] == "Overnight fix"
    retried = await harness.send(MODAL_SUBMIT, submission(again, {}))
    assert (await harness.answer(retried))["content"].startswith("Story #1 is updated.")
    [story] = await stories(harness)
    assert (story.title, story.credited) == ("Overnight fix", [harness.bo["id"]])


async def test_a_form_carrying_someone_elses_draft_is_not_saved(bot: Harness) -> None:
    """The carry key rides in the modal's custom_id, which a client can replay: another
    user's draft (here Anna's, holding the colleague she credits) is not used."""
    annas = await bot.run("submit", {"text": f"<@{bot.mo['id']}> fixed it overnight."})
    await bot.answer(annas)
    bos = await bot.run("submit", {"text": "Bo's own story about a quick refund."}, who=bot.bo)
    await bot.answer(bos)
    opened = await bot.run("edit", {"number": 1})
    annas_key = ModalRef.decode((await bot.callback(opened)).json["data"]["custom_id"]).carry
    assert annas_key

    own = await bot.run("edit", {"number": 2}, who=bot.bo)
    modal = (await bot.callback(own)).json["data"]
    modal["custom_id"] = ModalRef("sb1:edit-form:2", "", annas_key).encode()
    sent = await bot.send(MODAL_SUBMIT, submission(modal, {"title": "Taken over"}), who=bot.bo)
    assert (await bot.answer(sent))["content"].startswith("Your form was open so long")
    story = next(s for s in await stories(bot) if s.number == 2)
    assert (story.title, story.credited) != ("Taken over", [bot.mo["id"]])
    assert story.credited == []


async def test_a_draft_button_reopens_only_for_its_owner(bot: Harness) -> None:
    opened = await bot.run("submit")
    modal = (await bot.callback(opened)).json["data"]
    sent = await bot.send(MODAL_SUBMIT, submission(modal, {"text": "Too short"}))
    answer = await bot.answer(sent)
    fix = buttons(answer)["Fix and send again"]

    other = await bot.click(bot.message_of(sent), fix, who=bot.bo)
    refused = (await bot.callback(other)).json
    assert refused["type"] == 4 and refused["data"]["content"].startswith("That draft is gone")
    mine = await bot.click(bot.message_of(sent), fix)
    assert (await bot.callback(mine)).json["type"] == 9  # the modal, for its owner


async def test_a_tag_choice_that_does_not_fit_is_left_out_not_cut(bot: Harness) -> None:
    """A choice's value is at most 100 characters; a cut one would name another tag."""
    typed = "x" * 90 + ", foll"  # "…, follow-up" would be 101 characters
    iid = await bot.send(AUTOCOMPLETE, bot.slash("submit", {"tags": typed}, focused="tags"))
    choices = (await bot.callback(iid)).json["data"]["choices"]
    assert all(len(c["value"]) <= 100 for c in choices)
    assert all(c["value"].startswith("x" * 90 + ", ") for c in choices)
    assert not any(c["value"].endswith("…") for c in choices)
    assert "x" * 90 + ", follow-up" not in [c["value"] for c in choices]
