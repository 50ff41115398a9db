"""Submitting the story form, and the shortcuts that open it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.core import Core
from tests.adapters.slack.conftest import ANNA, BO, MODERATOR, MakeSlack, SlackHarness
from tests.adapters.slack.helpers import dump, inputs, seed
from tests.fakes import slack_payloads as payloads
from tests.fakes.memory import FakeDatabase
from tests.fakes.slack import Call

GOOD = {
    "f:text": "The courier called ahead about the delay & brought a small gift.",
    "f:title": "Called ahead",
    "f:customer": "Mrs Berg, order 12",
    "f:credited": [BO],
    "f:tags": ["speed"],
    "f:tags:free": "above and beyond, #weekend",
    "f:anonymous": True,
    "f:consent": True,
}


async def open_form(slack: SlackHarness, user: str = ANNA, text: str = "") -> dict[str, Any]:
    before = len(slack.fake.called("views.open"))
    await slack.command(text, user=user)
    shown = await slack.fake.wait_for_form(before + 1)
    return shown.args["view"]


async def submit(
    slack: SlackHarness,
    view: dict[str, Any],
    answers: dict[str, Any],
    *,
    view_id: str,
    user: str = ANNA,
) -> Any:
    answer = await slack.interact(
        payloads.view_submission(view, answers, user=user, view_id=view_id)
    )
    assert answer.status == 200
    return answer.json() if answer.text else None


async def test_a_submitted_form_stores_the_story_and_confirms_in_the_channel(
    slack: SlackHarness,
) -> None:
    view = await open_form(slack)
    assert await submit(slack, view, GOOD, view_id="V0SUBMIT1") is None  # empty ack: closes

    [story] = slack.stories()
    assert story.text == GOOD["f:text"]
    assert story.title == "Called ahead" and story.customer == "Mrs Berg, order 12"
    assert story.credited == [BO]
    assert story.tags == ["speed", "above-and-beyond", "weekend"]
    assert story.anonymous is True and story.consent is True
    assert story.client_key == "V0SUBMIT1"

    [ephemeral] = await slack.fake.wait_for("chat.postEphemeral")
    assert ephemeral.args["channel"] == payloads.CHANNEL and ephemeral.args["user"] == ANNA
    assert "Story #1 is saved. Thank you!" in dump(ephemeral.args)
    assert "&amp; brought" in dump(ephemeral.args["blocks"])


async def test_a_refused_form_stays_open_with_the_error_next_to_the_field(
    slack: SlackHarness,
) -> None:
    view = await open_form(slack)
    ack = await submit(slack, view, {**GOOD, "f:text": "Too short"}, view_id="V0SHORT")
    assert ack["response_action"] == "errors"
    assert list(ack["errors"]) == ["f:text"]
    assert "at least" in ack["errors"]["f:text"]
    assert slack.stories() == []
    assert slack.fake.called("chat.postEphemeral") == []


async def test_a_bad_free_tag_is_shown_on_the_tags(slack: SlackHarness) -> None:
    view = await open_form(slack)
    ack = await submit(slack, view, {**GOOD, "f:tags:free": "no <tags> here!"}, view_id="V0TAG")
    assert ack["response_action"] == "errors"
    assert set(ack["errors"]) == {"f:tags"}
    assert slack.stories() == []


async def test_the_errors_are_in_swedish_for_a_swedish_user(slack: SlackHarness) -> None:
    view = await open_form(slack, user=BO)
    ack = await submit(slack, view, {**GOOD, "f:text": "För kort"}, view_id="V0SV", user=BO)
    message = ack["errors"]["f:text"]
    assert "tecken" in message  # Swedish for characters


async def test_the_same_view_submitted_twice_stores_one_story(slack: SlackHarness) -> None:
    view = await open_form(slack)
    first = submit(slack, view, GOOD, view_id="V0TWICE")
    second = submit(slack, view, GOOD, view_id="V0TWICE")
    assert await asyncio.gather(first, second) == [None, None]
    assert await submit(slack, view, GOOD, view_id="V0TWICE") is None
    assert len(slack.stories()) == 1


class SlowCore(Core):
    """A core whose form handling takes longer than Slack waits for the ack."""

    delay = 0.5

    async def handle_form(self, *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(self.delay)
        return await super().handle_form(*args, **kwargs)


async def until_updated(slack: SlackHarness, view_id: str) -> Call:
    await slack.fake.wait_until(
        lambda: any(c.args.get("view_id") == view_id for c in slack.fake.called("views.update"))
    )
    return next(c for c in slack.fake.called("views.update") if c.args["view_id"] == view_id)


async def slow_slack(make_slack: MakeSlack) -> SlackHarness:
    db = FakeDatabase()
    return await make_slack(db=db, core_type=SlowCore, form_budget=0.1)


async def test_a_slow_core_still_saves_and_tells_the_user(make_slack: MakeSlack) -> None:
    slack = await slow_slack(make_slack)
    view = await open_form(slack)
    ack = await submit(slack, view, GOOD, view_id="V0SLOW")
    assert ack["response_action"] == "update"
    assert "Saving your story" in dump(ack["view"])
    assert slack.stories() == []  # still working after the ack

    update = await until_updated(slack, "V0SLOW")
    assert "Story #1 is saved" in dump(update.args["view"])
    [ephemeral] = await slack.fake.wait_for("chat.postEphemeral")
    assert "Story #1 is saved" in dump(ephemeral.args)
    assert len(slack.stories()) == 1


async def test_a_slow_refusal_gives_the_form_back_with_what_was_typed(
    make_slack: MakeSlack,
) -> None:
    slack = await slow_slack(make_slack)
    view = await open_form(slack)
    answers = {**GOOD, "f:text": "Too short"}
    ack = await submit(slack, view, answers, view_id="V0SLOWBAD")
    assert ack["response_action"] == "update"

    refilled = (await until_updated(slack, "V0SLOWBAD")).args["view"]
    assert refilled["callback_id"] == "storybot_form" and refilled["submit"]
    assert "at least" in refilled["blocks"][0]["text"]["text"]
    fields = inputs(refilled)
    assert fields["f:text"]["element"]["initial_value"] == "Too short"
    assert fields["f:title"]["element"]["initial_value"] == "Called ahead"
    assert fields["f:credited"]["element"]["initial_users"] == [BO]
    assert [o["value"] for o in fields["f:tags"]["element"]["initial_options"]] == ["speed"]
    assert fields["f:consent"]["element"]["initial_options"]
    assert json.loads(refilled["private_metadata"]) == json.loads(view["private_metadata"])
    assert slack.stories() == []
    assert slack.fake.called("chat.postEphemeral") == []


async def test_the_confirmation_falls_back_to_a_direct_message(slack: SlackHarness) -> None:
    view = await open_form(slack)
    slack.fake.fail("chat.postEphemeral", "not_in_channel")
    await submit(slack, view, GOOD, view_id="V0DM")
    [dm] = await slack.fake.wait_for("chat.postMessage")
    assert dm.args["channel"] == f"D{ANNA}"
    assert "Story #1 is saved" in dump(dm.args)
    assert "<@" not in dump(dm.args)  # a real message: the credited colleague by name


async def test_save_as_story_prefills_the_form_and_keeps_the_message_link(
    slack: SlackHarness,
) -> None:
    message = "Kim at the desk found our lost parcel &amp; drove it over &lt;3"
    payload = payloads.message_action(
        message, user=ANNA, author=BO, response_url=slack.response_url()
    )
    assert (await slack.interact(payload)).status == 200
    [link] = await slack.fake.wait_for("chat.getPermalink")
    assert link.args["channel"] == payloads.CHANNEL
    assert link.args["message_ts"] == "1700000050.000300"
    opened = await slack.fake.wait_for_form()
    assert slack.fake.called("views.open")[0].args["trigger_id"] == payload["trigger_id"]
    view = opened.args["view"]
    prefilled = inputs(view)["f:text"]["element"]["initial_value"]
    assert prefilled == "Kim at the desk found our lost parcel & drove it over <3"
    permalink = "https://acme.slack.com/archives/C0GENERAL/p1700000050000300"
    assert json.loads(view["private_metadata"])["u"] == permalink

    await submit(slack, view, {**GOOD, "f:text": prefilled}, view_id="V0SAVED")
    [story] = slack.stories()
    assert story.source_url == permalink
    [ephemeral] = await slack.fake.wait_for("chat.postEphemeral")
    assert f"<{permalink}|Original message>" in dump(ephemeral.args)


async def test_save_as_story_names_the_people_the_message_mentions(slack: SlackHarness) -> None:
    """A saved message carries bare <@U…>: the form reads names (cached users.info, or
    "someone") and the colleague picker starts with the people mentioned."""
    payload = payloads.message_action(
        f"<@{BO}> and <@U0GONE> rebooked us in <#C0SUP|support> &amp; called back",
        user=ANNA,
        author=MODERATOR,
        response_url=slack.response_url(),
    )
    await slack.interact(payload)
    opened = await slack.fake.wait_for_form()
    fields = inputs(opened.args["view"])
    assert fields["f:text"]["element"]["initial_value"] == (
        "@Bo and @someone rebooked us in #support & called back"
    )
    assert fields["f:credited"]["element"]["initial_users"] == [BO, "U0GONE"]


async def test_save_as_story_without_a_link_still_opens_the_form(slack: SlackHarness) -> None:
    slack.fake.fail("chat.getPermalink", "channel_not_found")
    payload = payloads.message_action(
        "A message in a channel the bot cannot read",
        user=ANNA,
        author=BO,
        response_url=slack.response_url(),
    )
    await slack.interact(payload)
    opened = await slack.fake.wait_for_form()
    assert "u" not in json.loads(opened.args["view"]["private_metadata"])


async def test_the_global_shortcut_opens_an_empty_form_and_confirms_by_dm(
    slack: SlackHarness,
) -> None:
    payload = payloads.global_shortcut(user=BO)
    await slack.interact(payload)
    opened = await slack.fake.wait_for_form()
    view = opened.args["view"]
    assert view["title"]["text"] == "Dela en berättelse"
    assert "initial_value" not in inputs(view)["f:text"]["element"]
    assert "c" not in json.loads(view["private_metadata"])

    await submit(slack, view, GOOD, view_id="V0GLOBAL", user=BO)
    [dm] = await slack.fake.wait_for("chat.postMessage")
    assert dm.args["channel"] == f"D{BO}"
    assert "Berättelse #1 är sparad. Tack!" in dump(dm.args)


async def test_the_edit_form_is_filled_in_and_saves_changes(slack: SlackHarness) -> None:
    await seed(
        slack,
        "The original story about a helpful courier",
        author=ANNA,
        tags=("speed", "weekend"),
        credited=(BO,),
        title="First title",
    )
    view = await open_form(slack, text="edit 1")
    assert view["title"]["text"] == "Edit story #1"
    fields = inputs(view)
    assert (
        fields["f:text"]["element"]["initial_value"] == "The original story about a helpful courier"
    )
    assert fields["f:credited"]["element"]["initial_users"] == [BO]
    assert [o["value"] for o in fields["f:tags"]["element"]["initial_options"]] == ["speed"]
    assert fields["f:tags:free"]["element"]["initial_value"] == "weekend"
    assert fields["f:consent"]["element"]["initial_options"]

    answers = {**GOOD, "f:text": "The edited story about a helpful courier"}
    assert await submit(slack, view, answers, view_id="V0EDIT") is None
    [story] = slack.stories()
    assert story.text == "The edited story about a helpful courier"
    [ephemeral] = await slack.fake.wait_for("chat.postEphemeral")
    assert "Story #1 is updated." in dump(ephemeral.args)
