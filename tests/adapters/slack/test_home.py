"""The App Home tab, and clicks in it and in the modals it opens."""

from __future__ import annotations

import asyncio

from tests.adapters.slack.conftest import ANNA, BO, SlackHarness
from tests.adapters.slack.helpers import button, dump, seed
from tests.fakes import slack_payloads as payloads


async def open_home(slack: SlackHarness, user: str = ANNA) -> dict:
    answer = await slack.event(payloads.app_home_opened(user=user))
    assert answer.status == 200
    [published] = await slack.fake.wait_for("views.publish")
    assert published.args["user_id"] == user
    view = published.args["view"]
    return {**view, "id": "V0HOME"}


async def test_opening_the_home_tab_publishes_the_overview(slack: SlackHarness) -> None:
    await seed(slack, "The newest story, about a very kind courier")
    view = await open_home(slack)
    assert view["type"] == "home"
    assert len(view["blocks"]) <= 100
    share = button(view["blocks"], "Share a story")
    assert share["value"] == "sb1:submit" and share["style"] == "primary"
    assert "Newest stories" in dump(view)
    assert "The newest story, about a very kind courier" in dump(view)


async def test_the_home_tab_in_swedish(slack: SlackHarness) -> None:
    view = await open_home(slack, user=BO)
    assert button(view["blocks"], "Dela en berättelse")
    assert "Nyaste berättelserna" in dump(view)


async def test_the_messages_tab_publishes_nothing(slack: SlackHarness) -> None:
    await slack.event(payloads.app_home_opened(user=ANNA, tab="messages"))
    await slack.command("help")  # a later request, to know the event was processed
    await slack.fake.wait_for_responses()
    await asyncio.sleep(0.05)
    assert slack.fake.called("views.publish") == []


async def test_share_a_story_in_the_home_tab_opens_the_form(slack: SlackHarness) -> None:
    view = await open_home(slack)
    click = payloads.block_actions(button(view["blocks"], "Share a story"), user=ANNA, view=view)
    await slack.interact(click)
    opened = await slack.fake.wait_for_form()
    assert slack.fake.called("views.open")[0].args["trigger_id"] == click["trigger_id"]
    assert opened.args["view"]["callback_id"] == "storybot_form"


async def test_reading_from_home_opens_a_modal_and_clicks_there_update_it(
    slack: SlackHarness,
) -> None:
    await seed(slack, "A story read from the home tab, with a kind ending")
    home = await open_home(slack)
    await slack.interact(
        payloads.block_actions(button(home["blocks"], "Read #1"), user=ANNA, view=home)
    )
    opened = await slack.fake.wait_for_form()
    modal = {**opened.args["view"], "id": "V0MODAL"}
    assert modal["type"] == "modal" and modal["title"]["text"] == "Storybot"
    assert "A story read from the home tab" in dump(modal)

    await slack.interact(
        payloads.block_actions(button(modal["blocks"], "Appreciate"), user=ANNA, view=modal)
    )
    [update] = await slack.fake.wait_for("views.update")
    assert update.args["view_id"] == "V0MODAL"
    assert "Thank you! #1 now has 1 appreciation." in dump(update.args["view"])

    await slack.interact(
        payloads.block_actions(button(modal["blocks"], "Share to channel"), user=ANNA, view=modal)
    )
    updates = await slack.fake.wait_for("views.update", 2)
    assert "I can't post in this conversation" in dump(updates[1].args["view"])
    assert slack.fake.called("chat.postMessage") == []
