"""What must hold whatever happens: an answer in time, no pings, one story per interaction,
Discord's errors survived and explained."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from adapters.discord.drafts import Draft, DraftStore
from bot.core import Core
from tests.adapters.discord.conftest import Harness, buttons
from tests.adapters.discord.test_submit import submission
from tests.fakes.discord import CHAT_INPUT, EPHEMERAL, MODAL_SUBMIT


class GatedCore(Core):
    """A core that waits at a gate before doing anything: a slow database, on demand."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate = asyncio.Event()
        self.calls = 0

    async def _wait(self) -> None:
        self.calls += 1
        await self.gate.wait()

    async def handle(self, *args: Any, **kwargs: Any) -> Any:
        await self._wait()
        return await super().handle(*args, **kwargs)

    async def handle_text(self, *args: Any, **kwargs: Any) -> Any:
        await self._wait()
        return await super().handle_text(*args, **kwargs)

    async def handle_action(self, *args: Any, **kwargs: Any) -> Any:
        await self._wait()
        return await super().handle_action(*args, **kwargs)


async def gated(h: Harness, **options: Any) -> GatedCore:
    await h.start(core_type=GatedCore, **options)
    assert isinstance(h.core, GatedCore)
    return h.core


async def story_count(h: Harness) -> int:
    async with h.db.factory()() as uow:
        return len(await uow.stories.export(None))


async def test_a_slow_core_is_deferred_first_and_answered_later(harness: Harness) -> None:
    core = await gated(harness)
    iid = await harness.run("submit", {"text": "The shop stayed open late for my order."})

    callback = await harness.callback(iid)
    assert callback.json["type"] == 5 and callback.json["data"]["flags"] & EPHEMERAL
    await harness.fake.wait_until(lambda: core.calls == 1)  # deferred first, then called
    await asyncio.sleep(0.05)
    assert await story_count(harness) == 0  # the core is still working
    assert not harness.fake.calls("PATCH", rf"/webhooks/\d+/token-{iid}/messages/@original")
    core.gate.set()
    assert (await harness.answer(iid))["content"].startswith("Story #1 is saved.")


async def test_a_late_form_arrives_as_a_button_that_opens_it(harness: Harness) -> None:
    core = await gated(harness, form_deadline=0.05)
    iid = await harness.run("submit")

    callback = await harness.callback(iid)
    assert callback.json["type"] == 5  # no modal in time: deferred instead
    core.gate.set()
    answer = await harness.answer(iid)
    assert answer["content"] == "Your form is ready."

    core.gate.clear()  # the form is kept: opening it needs no core call
    clicked = await harness.click(harness.message_of(iid), buttons(answer)["Open the form"])
    opened = await harness.callback(clicked)
    assert opened.json["type"] == 9
    assert opened.json["data"]["title"] == "Share a story"


async def test_nothing_the_bot_sends_can_ping(bot: Harness) -> None:
    fake = bot.fake
    configured = await bot.moderator_run(
        "config", {"setting": "channel"}, channel_id=fake.highlight_channel_id
    )
    await bot.answer(configured)
    loud = (
        "@everyone @here <@123456789012345678> and <@&876543210987654321> "
        "thanked the night shift for the rescue."
    )
    submitted = await bot.run("submit", {"text": loud})
    saved = await bot.answer(submitted)
    shared = await bot.click(bot.message_of(submitted), buttons(saved)["Share to channel"])
    await bot.followups(shared)
    featured = await bot.moderator_run("feature", {"number": 1, "note": "@everyone look"})
    await bot.answer(featured)
    await fake.wait_for("POST", rf"/channels/{fake.highlight_channel_id}/messages")

    sent = fake.message_payloads()
    assert len(sent) >= 5
    for payload in sent:
        assert payload["allowed_mentions"] == {"parse": []}, payload
    shown = str(sent)
    assert "@everyone" not in shown and "@here" not in shown
    assert "<@&876543210987654321>" not in shown
    assert "@\\u200beveryone" in shown or "@\u200beveryone" in shown


async def test_the_same_interaction_twice_is_answered_once(bot: Harness) -> None:
    payload = bot.fake.interaction(
        CHAT_INPUT, bot.slash("submit", {"text": "Delivered a day early, with a note."}), bot.anna
    )
    await bot.fake.dispatch("INTERACTION_CREATE", payload)
    await bot.fake.dispatch("INTERACTION_CREATE", payload)  # e.g. replayed after a resume

    await bot.answer(int(payload["id"]))
    await asyncio.sleep(0.2)
    assert len(bot.fake.calls("POST", rf"/interactions/{payload['id']}/.+/callback")) == 1
    assert await story_count(bot) == 1


async def test_two_processes_with_the_same_interaction_store_one_story(harness: Harness) -> None:
    harness.fake.reject_duplicate_acks = False  # both get past the acknowledgement
    await harness.start()
    await harness.start()
    await harness.fake.wait_connected(2)

    iid = await harness.run("submit", {"text": "Both processes saw this one, it was lovely."})
    edits = await harness.fake.wait_for(
        "PATCH", rf"/webhooks/\d+/token-{iid}/messages/@original", 2
    )
    assert all(e.json["content"].startswith("Story #1 is saved.") for e in edits)
    assert await story_count(harness) == 1


async def test_too_late_to_answer_skips_the_work_and_keeps_running(bot: Harness) -> None:
    bot.fake.fail_next(
        "POST",
        r"/interactions/\d+/[^/]+/callback",
        404,
        {"message": "Unknown interaction", "code": 10062},
    )
    late = await bot.run("submit", {"text": "This one arrived after three seconds."})
    await bot.callback(late)
    await asyncio.sleep(0.1)
    assert await story_count(bot) == 0  # not acknowledged, so not saved behind the user's back

    iid = await bot.run("submit", {"text": "The next one is handled as usual."})
    assert (await bot.answer(iid))["content"].startswith("Story #1 is saved.")


async def test_a_refused_answer_is_explained_in_plain_words(bot: Harness) -> None:
    bot.fake.fail_next(
        "PATCH",
        r"/webhooks/\d+/[^/]+/messages/@original",
        400,
        {"message": "Invalid Form Body", "code": 50035},
    )
    iid = await bot.run("submit", {"text": "Deferred first, then the answer is refused."})
    [followup] = await bot.followups(iid)
    assert followup.json["content"] == "Discord did not accept my answer (400). Please try again."
    assert followup.json["flags"] & EPHEMERAL


async def test_a_refused_first_answer_is_explained_in_its_place(bot: Harness) -> None:
    bot.fake.fail_next(
        "POST",
        r"/interactions/\d+/[^/]+/callback",
        400,
        {"message": "Invalid Form Body", "code": 50035},
    )
    iid = await bot.run("help")
    refused, explained = await bot.fake.wait_for("POST", rf"/interactions/{iid}/[^/]+/callback", 2)
    assert "Storybot collects stories" in refused.json["data"]["content"]
    assert explained.json["type"] == 4 and explained.json["data"]["flags"] & EPHEMERAL
    assert explained.json["data"]["content"] == (
        "Discord did not accept my answer (400). Please try again."
    )


async def test_rate_limited_answers_are_retried_after_retry_after(bot: Harness) -> None:
    bot.fake.fail_next(
        "POST",
        r"/interactions/\d+/[^/]+/callback",
        429,
        {"message": "You are being rate limited.", "retry_after": 0.05, "global": False},
        headers={"Via": "1.1 google", "Retry-After": "1"},
    )
    iid = await bot.run("help")
    sent = await bot.fake.wait_for("POST", rf"/interactions/{iid}/[^/]+/callback", 2)
    assert sent[0].json == sent[1].json  # the same answer, sent again after the wait
    assert "Storybot collects stories" in sent[1].json["data"]["content"]


async def test_outside_a_server_the_bot_says_where_it_works(bot: Harness) -> None:
    payload = bot.fake.interaction(CHAT_INPUT, bot.slash("help"), bot.anna)
    for key in ("guild_id", "guild", "member"):
        payload.pop(key)
    payload["user"] = bot.anna
    payload["channel"] = {"id": payload["channel_id"], "type": 1, "recipients": [bot.anna]}
    payload["context"] = 1
    await bot.fake.dispatch("INTERACTION_CREATE", payload)

    answer = (await bot.callback(int(payload["id"]))).json
    assert answer["type"] == 4
    assert answer["data"]["content"].startswith("Storybot works inside a server.")


async def test_a_server_error_on_the_answer_is_retried_and_the_story_stored_once(
    bot: Harness,
) -> None:
    bot.fake.fail_next(
        "PATCH",
        r"/webhooks/\d+/[^/]+/messages/@original",
        502,
        {"message": "Bad Gateway", "code": 0},
    )
    iid = await bot.run("submit", {"text": "The mechanic phoned the moment the part arrived."})
    edits = await bot.fake.wait_for(
        "PATCH", rf"/webhooks/\d+/token-{iid}/messages/@original", 2, within=10
    )  # discord.py retries a 5xx by itself after a second
    assert edits[1].json["content"].startswith("Story #1 is saved.")
    assert await story_count(bot) == 1


class PublicCore(GatedCore):
    """Answers every command publicly (ephemeral=False), after the gate."""

    async def handle(self, *args: Any, **kwargs: Any) -> Any:
        return dataclasses.replace(await super().handle(*args, **kwargs), ephemeral=False)


async def test_a_public_answer_after_a_private_defer_is_really_public(harness: Harness) -> None:
    """A follow-up right after a defer only edits the private placeholder (documented, and
    the fake does it): the placeholder is edited first, then the public message follows."""
    await harness.start(core_type=PublicCore)
    core = harness.core
    iid = await harness.run("tags")
    assert (await harness.callback(iid)).json["data"]["flags"] & EPHEMERAL
    core.gate.set()
    await harness.fake.wait_for("DELETE", rf"/webhooks/\d+/token-{iid}/messages/@original")
    # The placeholder is gone; what is left is the answer, seen by everyone.
    [(content, flags)] = [(m["content"], m["flags"]) for m in harness.fake.messages.values()]
    assert content == "No tags in use yet." and not flags & EPHEMERAL


async def test_a_user_install_used_in_a_server_gets_an_answer_not_a_community(
    bot: Harness,
) -> None:
    iid = await bot.run("help", installed_in_guild=False)
    answer = (await bot.callback(iid)).json
    assert answer["type"] == 4
    assert answer["data"]["content"].startswith("Storybot is not added to this server.")
    async with bot.db.factory()() as uow:
        assert await uow.communities.all_ids() == []


class GatedDrafts(DraftStore):
    """A draft store behind a gate: a slow database for drafts only, on demand."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate = asyncio.Event()
        self.gate.set()

    async def put(self, draft: Draft) -> str | None:
        await self.gate.wait()
        return await super().put(draft)

    async def get(self, key: str, user_id: int) -> Draft | None:
        await self.gate.wait()
        return await super().get(key, user_id)


async def test_a_slow_draft_before_a_modal_gives_the_form_as_a_button(harness: Harness) -> None:
    """A modal must be the first response: keeping the colleagues it cannot show may not
    take longer than what is left of the 3 s; past it, the form comes behind a button."""
    drafts = GatedDrafts(harness.db.factory(), harness.clock)
    await harness.start(drafts=drafts, response_budget=0.3)
    saved = await harness.run("submit", {"text": f"<@{harness.bo['id']}> fixed it overnight."})
    await harness.answer(saved)

    drafts.gate.clear()
    opened = await harness.run("edit", {"number": 1})
    assert (await harness.callback(opened)).json["type"] == 5  # deferred, not a modal
    drafts.gate.set()
    answer = await harness.answer(opened)
    assert answer["content"] == "Your form is ready."
    clicked = await harness.click(harness.message_of(opened), buttons(answer)["Open the form"])
    modal = (await harness.callback(clicked)).json
    assert modal["type"] == 9 and modal["data"]["custom_id"].rsplit("|", 1)[1]  # carries


async def test_a_slow_draft_behind_a_button_is_offered_again(harness: Harness) -> None:
    drafts = GatedDrafts(harness.db.factory(), harness.clock)
    await harness.start(drafts=drafts, response_budget=0.3)
    opened = await harness.run("submit")
    modal = (await harness.callback(opened)).json["data"]
    sent = await harness.send(MODAL_SUBMIT, submission(modal, {"text": "Too short"}))
    fix = buttons(await harness.answer(sent))["Fix and send again"]

    drafts.gate.clear()
    clicked = await harness.click(harness.message_of(sent), fix)
    assert (await harness.callback(clicked)).json["type"] == 6  # deferred, not a modal
    drafts.gate.set()
    [again] = await harness.followups(clicked)
    assert buttons(again.json) == {"Open the form": fix}  # the same draft, offered again
