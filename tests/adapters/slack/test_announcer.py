"""The announcer: posting to the highlight channel, mapping Slack's refusals to the core's
reasons, retrying per Retry-After, and telling moderators privately."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from adapters.slack.actors import ProfileCache
from adapters.slack.announcer import SlackAnnouncer
from adapters.slack.client import web_client
from bot.domain import ChannelRef, Platform, SpaceRef
from bot.ports import AnnounceFailed
from bot.replies import Reply, StoryCard, Text
from tests.adapters.slack.conftest import BO, MODERATOR, TOKEN, MakeSlack
from tests.adapters.slack.helpers import SPACE, actor, dump
from tests.fakes.memory import FakeClock, FakeDatabase
from tests.fakes.slack import FakeSlack

CHANNEL = ChannelRef(SPACE, "C0HIGHLIGHTS")
CARD = StoryCard(
    number=7,
    title="Called ahead <!here>",
    body="The courier called ahead <@U0EVIL> and brought a gift",
    meta=(("Tags", "Speed"),),
    footer="#7 · 3 appreciations",
    credited=(BO,),
)
ANNOUNCEMENT = Reply(blocks=(Text("Story of the week"), CARD), ephemeral=False)


@pytest.fixture
def announcer(fake: FakeSlack) -> SlackAnnouncer:
    client = web_client(TOKEN, fake.api_url)
    return SlackAnnouncer(client, ProfileCache(client))


async def test_announce_posts_to_the_channel_without_pinging_anyone(
    fake: FakeSlack, announcer: SlackAnnouncer
) -> None:
    await announcer.announce(CHANNEL, ANNOUNCEMENT)
    [post] = fake.called("chat.postMessage")
    assert post.args["channel"] == "C0HIGHLIGHTS"
    assert post.headers["Authorization"] == f"Bearer {TOKEN}"
    text = dump(post.args)
    assert "<!here>" not in text and "<@" not in text
    assert "&lt;!here&gt;" in text and "&lt;@U0EVIL&gt;" in text
    assert "*Credited*\\nBo" in text  # by name, from users.info
    assert post.args["unfurl_links"] is False and post.args["unfurl_media"] is False


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ("not_in_channel", "not_in_channel"),
        ("channel_not_found", "channel_not_found"),
        ("is_archived", "channel_not_found"),
        ("missing_scope", "missing_permissions"),
        ("restricted_action", "missing_permissions"),
        ("some_new_error", "unavailable"),
    ],
)
async def test_slack_refusals_become_the_cores_reasons(
    fake: FakeSlack, announcer: SlackAnnouncer, error: str, reason: str
) -> None:
    fake.fail("chat.postMessage", error)
    with pytest.raises(AnnounceFailed) as failed:
        await announcer.announce(CHANNEL, ANNOUNCEMENT)
    assert failed.value.reason == reason
    assert len(fake.called("chat.postMessage")) == 1  # refusals are not retried


async def test_a_rate_limit_is_waited_out_per_retry_after(
    fake: FakeSlack, announcer: SlackAnnouncer
) -> None:
    fake.rate_limit("chat.postMessage", retry_after=0)
    await announcer.announce(CHANNEL, ANNOUNCEMENT)
    assert len(fake.called("chat.postMessage")) == 2


async def test_a_rate_limit_that_persists_is_reported(
    fake: FakeSlack, announcer: SlackAnnouncer
) -> None:
    fake.rate_limit("chat.postMessage", retry_after=0, times=2)
    with pytest.raises(AnnounceFailed) as failed:
        await announcer.announce(CHANNEL, ANNOUNCEMENT)
    assert failed.value.reason == "rate_limited"


async def test_a_long_retry_after_is_reported_at_once_instead_of_waited(
    fake: FakeSlack, announcer: SlackAnnouncer
) -> None:
    fake.rate_limit("chat.postMessage", retry_after=120)
    with pytest.raises(AnnounceFailed) as failed:
        await announcer.announce(CHANNEL, ANNOUNCEMENT)
    assert failed.value.reason == "rate_limited"
    assert len(fake.called("chat.postMessage")) == 1


async def test_a_post_is_never_resent_after_a_server_error(
    fake: FakeSlack, announcer: SlackAnnouncer
) -> None:
    """Slack may have posted before answering 500: the HTTP layer must not post again (the
    weekly job's claims retry on their own round)."""
    fake.server_error("chat.postMessage")
    with pytest.raises(AnnounceFailed) as failed:
        await announcer.announce(CHANNEL, ANNOUNCEMENT)
    assert failed.value.reason == "unavailable"
    assert len(fake.called("chat.postMessage")) == 1


async def test_a_read_is_retried_once_after_a_server_error(fake: FakeSlack) -> None:
    fake.add_user("U0KIM", "Kim")
    fake.server_error("users.info")
    profiles = ProfileCache(web_client(TOKEN, fake.api_url))
    profile = await profiles.get("U0KIM")
    assert profile is not None and profile.name == "Kim"
    assert len(fake.called("users.info")) == 2


async def test_an_unreachable_slack_is_unavailable() -> None:
    client = web_client(TOKEN, "http://127.0.0.1:9/api/", timeout=2)  # nothing listens there
    announcer = SlackAnnouncer(client, ProfileCache(client))
    with pytest.raises(AnnounceFailed) as failed:
        await announcer.announce(CHANNEL, ANNOUNCEMENT)
    assert failed.value.reason == "unavailable"


async def test_moderators_are_told_by_direct_message(
    fake: FakeSlack, announcer: SlackAnnouncer
) -> None:
    notice = Reply(blocks=(Text("The story of the week could not be announced."),))
    await announcer.notify_moderators(SPACE, ["U0MODA", "U0MODB", "U0MODA"], notice)
    assert [c.args["users"] for c in fake.called("conversations.open")] == ["U0MODA", "U0MODB"]
    posts = fake.called("chat.postMessage")
    assert [p.args["channel"] for p in posts] == ["DU0MODA", "DU0MODB"]
    assert "could not be announced" in dump(posts[0].args)


async def test_a_notice_that_cannot_be_delivered_is_skipped_not_raised(
    fake: FakeSlack, announcer: SlackAnnouncer
) -> None:
    fake.fail("conversations.open", "user_not_found")
    notice = Reply(blocks=(Text("Fix the highlight channel"),))
    await announcer.notify_moderators(SPACE, ["U0GONE", "U0MODB"], notice)
    assert [p.args["channel"] for p in fake.called("chat.postMessage")] == ["DU0MODB"]


async def test_without_configured_moderators_the_workspace_admins_are_told(
    fake: FakeSlack, announcer: SlackAnnouncer
) -> None:
    await announcer.notify_moderators(SPACE, [], Reply(blocks=(Text("Fix it"),)))
    assert [c.args["users"] for c in fake.called("conversations.open")] == [MODERATOR]


async def test_labels_come_from_the_card_in_the_communitys_language(fake: FakeSlack) -> None:
    client = web_client(TOKEN, fake.api_url)
    announcer = SlackAnnouncer(client, ProfileCache(client))
    card = next(b for b in ANNOUNCEMENT.blocks if isinstance(b, StoryCard))
    swedish = dataclasses.replace(card, credited_label="Nämnda kollegor")
    await announcer.announce(CHANNEL, dataclasses.replace(ANNOUNCEMENT, blocks=(swedish,)))
    [post] = fake.called("chat.postMessage")
    assert "*Nämnda kollegor*\\nBo" in dump(post.args)


async def test_the_weekly_job_announces_and_warns_moderators_when_slack_refuses(
    make_slack: MakeSlack, fake: FakeSlack
) -> None:
    """The whole path: core weekly job → SlackAnnouncer → Slack refuses → moderator DMs."""
    clock = FakeClock(dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC))  # the week before
    db = FakeDatabase()
    slack = await make_slack(db=db, clock=clock)
    core = slack.runtime.core
    assert core is not None
    moderator = actor(MODERATOR, admin=True)
    assert not (await core.handle_text("config channel", moderator, "k1")).error
    reply = await core.handle_text(
        "submit The courier waited in the rain for us #speed", actor("U0ANNA"), "k2"
    )
    assert not reply.error
    assert not (await core.handle_text("appreciate 1", actor(BO), "k3")).error
    clock.advance(days=4)  # Monday 2026-01-05, past the weekly time
    fake.fail("chat.postMessage", "not_in_channel")

    [outcome] = await core.run_weekly()
    assert outcome.story_number == 1 and outcome.problems == ("not_in_channel",)
    [opened] = fake.called("conversations.open")
    assert opened.args["users"] == MODERATOR  # no moderator configured: the workspace admin
    notice = fake.called("chat.postMessage")[-1]
    assert notice.args["channel"] == f"D{MODERATOR}"
    assert "I am not a member of the highlight channel" in dump(notice.args)
    assert slack.stories()[0].number == 1


async def test_a_slack_that_hangs_is_cut_off_and_reported_not_waited_for(fake: FakeSlack) -> None:
    client = web_client(TOKEN, fake.api_url, timeout=1)
    announcer = SlackAnnouncer(client, ProfileCache(client))
    fake.slow("chat.postMessage", seconds=2)  # past the client's timeout; no blind re-post
    with pytest.raises(AnnounceFailed) as failed:
        await announcer.announce(CHANNEL, ANNOUNCEMENT)
    assert failed.value.reason == "unavailable"
    await announcer.announce(CHANNEL, ANNOUNCEMENT)  # the job's next try, once Slack answers
    assert len(fake.called("chat.postMessage")) == 2


async def test_name_lookups_run_a_few_at_a_time(fake: FakeSlack) -> None:
    ids = [f"U0P{i:02d}" for i in range(12)]
    for user in ids:
        fake.add_user(user, user.title())
    fake.slow("users.info", seconds=0.05, times=12)
    profiles = ProfileCache(web_client(TOKEN, fake.api_url), concurrency=3)
    await profiles.names(ids)
    assert len(fake.called("users.info")) == 12
    assert fake.in_flight_peak == 3


async def test_one_token_never_posts_in_another_workspace(
    fake: FakeSlack, announcer: SlackAnnouncer
) -> None:
    """A linked community spanning several workspaces, served by one SLACK_BOT_TOKEN: only
    the token's own workspace (auth.test) gets posts; the others are reported unreachable."""
    elsewhere = ChannelRef(SpaceRef(Platform.SLACK, "T0ELSEWHERE"), "C0THEIRS")
    with pytest.raises(AnnounceFailed) as failed:
        await announcer.announce(elsewhere, ANNOUNCEMENT)
    assert failed.value.args[0] == "unavailable"
    await announcer.notify_moderators(elsewhere.space, [MODERATOR], ANNOUNCEMENT)
    assert await announcer.display_names(elsewhere.space, [BO]) == {}
    assert fake.called("chat.postMessage") == [] and fake.called("users.info") == []
    await announcer.announce(CHANNEL, ANNOUNCEMENT)  # its own workspace still works
    [post] = fake.called("chat.postMessage")
    assert post.args["channel"] == CHANNEL.channel_id
