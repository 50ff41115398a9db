"""/story and its subcommands through the real Bolt app, answered through the fake Slack."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from bot.core import Core
from bot.domain import Platform, SpaceRef
from bot.taxonomy import TAXONOMY
from tests.adapters.slack.conftest import ANNA, BO, MODERATOR, MakeSlack, SlackHarness
from tests.adapters.slack.helpers import button, buttons, dump, inputs, seed
from tests.fakes import slack_payloads as payloads
from tests.fakes.memory import FakeDatabase
from tests.fakes.slack import TEAM
from tests.fakes.slack_blockkit import assert_no_markup_from_data, assert_valid_blocks


async def test_story_without_text_opens_the_submit_modal_with_every_field(
    slack: SlackHarness,
) -> None:
    trigger = payloads.trigger_id()
    answer = await slack.command("", trigger=trigger)
    assert answer.status == 200 and answer.text == ""  # acked at once, empty

    call = await slack.fake.wait_for_form()
    # The trigger opened a placeholder at once; the form replaced it (Slack's 3 seconds).
    [placeholder] = slack.fake.called("views.open")
    assert placeholder.args["trigger_id"] == trigger
    assert call.method == "views.update"
    assert call.args["view_id"] == placeholder.answer["view"]["id"]
    view = call.args["view"]
    assert view["type"] == "modal" and view["callback_id"] == "storybot_form"
    assert view["title"]["text"] == "Share a story"
    assert view["submit"]["text"] == "Submit"
    fields = inputs(view)
    assert list(fields) == [
        "f:text",
        "f:title",
        "f:customer",
        "f:credited",
        "f:tags",
        "f:tags:free",
        "f:anonymous",
        "f:consent",
        "f:on_wall",
    ]
    text = fields["f:text"]
    assert text["element"]["multiline"] is True and text["element"]["max_length"] == 3000
    assert text["optional"] is False and fields["f:title"]["optional"] is True
    assert fields["f:credited"]["element"]["type"] == "multi_users_select"
    tags = fields["f:tags"]["element"]
    assert tags["type"] == "multi_static_select"
    assert {o["value"] for o in tags["options"]} == {tag.slug for tag in TAXONOMY}
    assert fields["f:tags:free"]["element"]["type"] == "plain_text_input"
    assert fields["f:anonymous"]["element"]["type"] == "checkboxes"
    assert fields["f:consent"]["element"]["type"] == "checkboxes"
    metadata = json.loads(view["private_metadata"])
    assert metadata["c"] == payloads.CHANNEL and metadata["a"] == "sb1:submit-form"
    assert slack.fake.responses == []  # nothing else was said


async def test_a_swedish_user_gets_the_modal_in_swedish(slack: SlackHarness) -> None:
    await slack.command("", user=BO)
    [info] = await slack.fake.wait_for("users.info")
    assert info.args["user"] == BO and info.args["include_locale"] in (True, "true", "1")
    call = await slack.fake.wait_for_form()
    view = call.args["view"]
    assert view["title"]["text"] == "Dela en berättelse"
    assert view["submit"]["text"] == "Skicka"
    fields = inputs(view)
    assert fields["f:text"]["label"]["text"] == "Din berättelse"
    assert fields["f:tags"]["label"]["text"] == "Taggar (valfritt)"
    labels = {o["text"]["text"] for o in fields["f:tags"]["element"]["options"]}
    assert "Snabbhet" in labels and "Speed" not in labels
    assert json.loads(view["private_metadata"])["l"] == "sv"


async def test_help_is_answered_ephemerally_through_the_response_url(slack: SlackHarness) -> None:
    await slack.command("help")
    [response] = await slack.fake.wait_for_responses()
    assert response.method.startswith("command-")
    assert response.args["response_type"] == "ephemeral"
    assert response.args["blocks"][0]["type"] == "header"
    assert "Storybot collects stories of good customer service." in dump(response.args)
    assert "/story browse" in dump(response.args["blocks"])
    assert slack.fake.called("chat.postMessage") == []


async def test_help_in_swedish(slack: SlackHarness) -> None:
    await slack.command("hjälp", user=BO)
    [response] = await slack.fake.wait_for_responses()
    assert "Storybot samlar berättelser om bra kundservice." in dump(response.args)


async def test_a_one_line_submit_stores_the_story_and_confirms_it(slack: SlackHarness) -> None:
    await slack.command("submit The courier called ahead about the delay #speed")
    [response] = await slack.fake.wait_for_responses()
    [story] = slack.stories()
    assert story.text == "The courier called ahead about the delay"
    assert story.tags == ["speed"]
    assert story.author.display_name == "Anna"  # from users.info, not the payload handle
    assert "Story #1 is saved" in dump(response.args["blocks"])
    assert response.args["response_type"] == "ephemeral"


async def test_slack_escaping_in_command_text_is_undone_once(slack: SlackHarness) -> None:
    """Slack sends & < > as entities; the story keeps what the user typed."""
    await slack.command("submit Fish &amp; chips arrived warm, 2 &lt; 3 &gt; 1 #speed")
    await slack.fake.wait_for_responses()
    [story] = slack.stories()
    assert story.text == "Fish & chips arrived warm, 2 < 3 > 1"


async def test_slack_markup_in_a_command_is_stored_as_words(slack: SlackHarness) -> None:
    """What Slack sends with should_escape for @anna, #support, @cs-team, @here, a link and
    a date reads as words; the mentioned colleague is credited."""
    await slack.command(
        f"submit Thanks <@{BO}|bo> in <#C0SUP|support>, <!subteam^S0CS|@cs-team> and <!here>:"
        " see <https://example.com/t/1|the ticket> from <!date^1700000000^{{date}}|Nov 14> #speed"
    )
    await slack.fake.wait_for_responses()
    [story] = slack.stories()
    assert story.text == ("Thanks @bo in #support, @cs-team and @here: see the ticket from Nov 14")
    assert list(story.credited) == [BO]


async def test_a_retried_command_stores_one_story_and_answers_once(slack: SlackHarness) -> None:
    trigger = payloads.trigger_id()
    text = "submit A retried command is still one story #speed"
    assert (await slack.command(text, trigger=trigger)).status == 200
    await slack.fake.wait_for_responses()
    assert (await slack.command(text, trigger=trigger, retry=1)).status == 200
    await slack.command("help")  # a later request: proves the retry had its turn
    await slack.fake.wait_for_responses(2)
    assert len(slack.stories()) == 1
    assert len(slack.fake.responses) == 2


async def test_a_retry_handled_by_another_process_still_stores_once(
    make_slack: MakeSlack,
) -> None:
    """Two processes on one database: the trigger id is the core's idempotency key."""
    db = FakeDatabase()
    first, second = await make_slack(db=db), await make_slack(db=db)
    trigger = payloads.trigger_id()
    text = "submit The same retried quick submit #speed"
    await first.command(text, trigger=trigger)
    await first.fake.wait_for_responses()
    await second.command(text, trigger=trigger, retry=1)
    await second.fake.wait_for_responses(2)
    assert len(first.stories()) == 1
    assert "Story #1 is saved" in dump(first.fake.responses[1].args)


async def test_browse_pages_with_buttons_that_replace_the_same_message(
    slack: SlackHarness,
) -> None:
    await seed(slack, *(f"Story number {i} about a helpful courier" for i in range(1, 8)))
    await slack.command("browse")
    [page1] = await slack.fake.wait_for_responses()
    blocks = page1.args["blocks"]
    assert "Page 1" in dump(blocks)
    assert [b["text"]["text"] for b in buttons(blocks)][-1] == "Next ›"
    next_button = button(blocks, "Next")
    assert next_button["value"].startswith("sb1:browse:")
    assert len({b["action_id"] for b in buttons(blocks)}) == len(buttons(blocks))

    url = slack.response_url()
    await slack.interact(payloads.block_actions(next_button, user=ANNA, response_url=url))
    responses = await slack.fake.wait_for_responses(2)
    page2 = responses[1]
    assert page2.method == url.rsplit("/", 1)[1]
    assert page2.args["replace_original"] is True
    assert "Page 2" in dump(page2.args["blocks"])
    assert button(page2.args["blocks"], "‹ Previous")


async def test_appreciating_from_a_list_adds_a_message_and_keeps_the_list(
    slack: SlackHarness,
) -> None:
    await seed(slack, "A story worth appreciating, with a happy ending")
    await slack.command("browse")
    [page] = await slack.fake.wait_for_responses()
    appreciate = button(page.args["blocks"], "Appreciate")
    await slack.interact(
        payloads.block_actions(appreciate, user=ANNA, response_url=slack.response_url())
    )
    answer = (await slack.fake.wait_for_responses(2))[1]
    assert answer.args["replace_original"] is False
    assert "Thank you! #1 now has 1 appreciation." in dump(answer.args)
    assert slack.db.story(1, 1).appreciations == 1


async def test_a_click_on_a_button_in_swedish(slack: SlackHarness) -> None:
    await seed(slack, *(f"Berättelse nummer {i} om en hjälpsam kurir" for i in range(1, 8)))
    await slack.command("bläddra", user=BO)
    [page1] = await slack.fake.wait_for_responses()
    assert "Sida 1" in dump(page1.args["blocks"])
    next_button = button(page1.args["blocks"], "Nästa")
    await slack.interact(
        payloads.block_actions(next_button, user=BO, response_url=slack.response_url())
    )
    page2 = (await slack.fake.wait_for_responses(2))[1]
    assert "Sida 2" in dump(page2.args["blocks"])


async def test_sharing_posts_to_the_channel_without_pinging(slack: SlackHarness) -> None:
    await seed(slack, "Anna and Bo stayed late <!channel> to fix it", credited=(BO,))
    await slack.command("show 1")
    [card] = await slack.fake.wait_for_responses()
    shown = dump(card.args["blocks"])
    assert "Bo" in shown and "<@" not in shown  # by name in every answer, ephemeral too
    share = button(card.args["blocks"], "Share to channel")
    await slack.interact(
        payloads.block_actions(share, user=ANNA, response_url=slack.response_url())
    )

    [post] = await slack.fake.wait_for("chat.postMessage")
    assert post.args["channel"] == payloads.CHANNEL
    posted = dump(post.args)
    assert "Anna shared a good-service story" in posted
    assert "<!channel>" not in posted and "&lt;!channel&gt;" in posted
    assert "<@" not in posted  # credited by name in public
    assert "Bo" in dump(post.args["blocks"])
    assert post.args["unfurl_links"] is False
    answer = (await slack.fake.wait_for_responses(2))[1]
    assert "Shared #1 in this channel." in dump(answer.args)


async def test_sharing_where_the_bot_is_not_a_member_goes_through_the_response_url(
    slack: SlackHarness,
) -> None:
    await seed(slack, "A story to share in a channel the bot has not joined")
    slack.fake.fail("chat.postMessage", "not_in_channel")
    await slack.command("share 1")
    responses = await slack.fake.wait_for_responses(2)
    public, private = responses
    assert public.args["response_type"] == "in_channel"
    assert "shared a good-service story" in dump(public.args)
    assert private.args["response_type"] == "ephemeral"
    assert "Shared #1" in dump(private.args)


async def test_when_nothing_can_post_the_user_is_told_in_plain_words(
    slack: SlackHarness,
) -> None:
    await seed(slack, "A story that cannot be shared anywhere at all")
    slack.fake.fail("chat.postMessage", "channel_not_found")
    slack.fake.response_status = 404  # an expired response_url
    await slack.command("share 1")
    [ephemeral] = await slack.fake.wait_for("chat.postEphemeral")
    assert "I can't post in this conversation" in dump(ephemeral.args)


async def test_export_is_uploaded_to_the_moderator_in_a_direct_message(
    slack: SlackHarness,
) -> None:
    await seed(slack, "A story that ends up in the export file")
    await slack.command("export", user=MODERATOR)
    [complete] = await slack.fake.wait_for("files.completeUploadExternal")
    [opened] = slack.fake.called("conversations.open")
    assert opened.args["users"] == MODERATOR
    assert complete.args["channel_id"] == f"D{MODERATOR}"
    [uploaded] = slack.fake.uploads
    assert b"A story that ends up in the export file" in uploaded
    [response] = await slack.fake.wait_for_responses()
    assert "in a direct message" in dump(response.args)
    assert response.args["response_type"] == "ephemeral"


async def test_the_adapters_own_words_follow_the_replys_language(slack: SlackHarness) -> None:
    """The upload note is the adapter's: it is written in the language the core answered in."""
    slack.fake.users[MODERATOR]["locale"] = "sv-SE"
    await seed(slack, "A story that ends up in the export file")
    await slack.command("export", user=MODERATOR)
    await slack.fake.wait_for("files.completeUploadExternal")
    [response] = await slack.fake.wait_for_responses()
    assert "till dig i ett direktmeddelande" in dump(response.args)


async def test_a_refusal_is_answered_with_the_reason(slack: SlackHarness) -> None:
    await slack.command("show 99")
    [response] = await slack.fake.wait_for_responses()
    assert "There is no story #99." in dump(response.args)
    assert ":warning:" in response.args["blocks"][0]["text"]["text"]


async def test_a_refusal_in_swedish(slack: SlackHarness) -> None:
    await slack.command("visa 99", user=BO)
    [response] = await slack.fake.wait_for_responses()
    assert "Det finns ingen berättelse #99." in dump(response.args)


async def test_users_info_failing_falls_back_gracefully(slack: SlackHarness) -> None:
    slack.fake.fail("users.info", "user_not_found")
    await slack.command("submit Still saved when Slack will not say who I am #speed")
    [response] = await slack.fake.wait_for_responses()
    [story] = slack.stories()
    assert story.author.display_name == "u0anna"  # the payload's user_name
    assert "Story #1 is saved" in dump(response.args)


HOSTILE = "Kim fixed it <!channel> <!here> <!everyone> <@U123> <#C123> <https://evil.example|x> &"


async def test_every_subcommand_answers_valid_block_kit_that_pings_nobody(
    slack: SlackHarness,
) -> None:
    """The real replies of the core, hostile story text included, through the referee."""
    await seed(
        slack,
        *(f"{HOSTILE} story {i} about a helpful courier" for i in range(1, 8)),
        title=HOSTILE[:90],
        customer=HOSTILE[:90],
        tags=("speed", "weekend"),
        credited=(BO,),
    )
    lines = [
        "help",
        "browse",
        "browse speed",
        "search courier",
        "show 1",
        "tags",
        "featured",
        "shortlist",
        "config",
        "config channel",
        "feature 1 A note <!here>",
        "hide 2",
        "unhide 2",
        "appreciate 1",
        "delete 3",
        "show 99",
        "nonsense",
    ]
    for count, line in enumerate(lines, 1):
        await slack.command(line, user=MODERATOR)
        response = (await slack.fake.wait_for_responses(count))[-1]
        assert_valid_blocks(response.args["blocks"], 50)
        assert_no_markup_from_data(response.args, mentions_allowed=True)
        for ping in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C123>"):
            assert ping not in dump(response.args), (line, ping)
    [announcement] = slack.fake.called("chat.postMessage")  # from "feature 1"
    assert announcement.args["channel"] == payloads.CHANNEL
    assert_valid_blocks(announcement.args["blocks"], 50)
    assert_no_markup_from_data(announcement.args, mentions_allowed=False)


class SlowTextCore(Core):
    async def handle_text(self, *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.8)
        return await super().handle_text(*args, **kwargs)


async def test_a_slow_core_never_delays_the_ack(make_slack: MakeSlack) -> None:
    db = FakeDatabase()
    slack = await make_slack(db=db, core_type=SlowTextCore)
    started = time.monotonic()
    answer = await slack.command("submit Slow but never lost, this story #speed")
    assert answer.status == 200 and time.monotonic() - started < 0.6
    assert slack.fake.responses == []
    [response] = await slack.fake.wait_for_responses()
    assert "Story #1 is saved" in dump(response.args)


async def test_a_slack_connect_user_adds_to_the_installing_workspaces_community(
    slack: SlackHarness,
) -> None:
    """In a channel shared with another organisation, the acting user's team_id is theirs;
    the story belongs to the community of the workspace the app is installed in."""
    line = "submit A partner's agent fixed it in a shared channel #speed"
    await slack.command(line, team="T0PARTNER")
    await slack.fake.wait_for_responses()
    [story] = slack.stories()
    community = slack.db.community(story.community_id)
    assert community is not None
    assert community.spaces == [SpaceRef(Platform.SLACK, TEAM)]


async def test_the_workspace_is_known_by_its_name_from_auth_test(slack: SlackHarness) -> None:
    """The auth.test at start names the installed workspace (not its domain, "acme"): no
    call per request. A Slack Connect user's own workspace never renames the installing one."""
    await slack.command("tags")
    await slack.fake.wait_for_responses()
    space = SpaceRef(Platform.SLACK, TEAM)
    assert slack.db.space_name(space) == "Acme"
    checks = len(slack.fake.called("auth.test"))
    await slack.command("tags", team="T0PARTNER")
    await slack.fake.wait_for_responses(2)
    assert slack.db.space_name(space) == "Acme"
    assert len(slack.fake.called("auth.test")) == checks


async def test_the_form_opens_even_when_a_lookup_outlasts_the_trigger(
    slack: SlackHarness,
) -> None:
    """The fake refuses a trigger older than 3 s, as Slack does. Saving a message looks up
    its permalink; the placeholder opens before that, so the form still appears."""
    slack.fake.slow("chat.getPermalink", seconds=3.2)
    payload = payloads.message_action(
        "The porter carried our bags up five floors",
        user=ANNA,
        author=BO,
        response_url=slack.response_url(),
    )
    await slack.interact(payload)
    shown = await slack.fake.wait_for_form(within=10)
    assert shown.args["view"]["callback_id"] == "storybot_form"
    assert all(c.answer.get("ok") for c in slack.fake.called("views.open"))
