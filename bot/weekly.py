"""The story of the week: which ISO week it is where a community lives, the weekly job's pick,
and announcing a feature exactly once per highlight channel."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot import cards
from bot.commands import Actor
from bot.context import Context
from bot.domain import (
    ChannelRef,
    Community,
    CommunitySettings,
    Feature,
    IsoWeek,
    Language,
    Platform,
    SpaceRef,
    Story,
)
from bot.i18n import Translator
from bot.i18n_marker import N_
from bot.lending import lend
from bot.platforms import space_labels
from bot.ports import AnnounceFailed, Announcer, Clock, UnitOfWorkFactory
from bot.replies import Reply, Text

log = logging.getLogger(__name__)

# What each announcer failure means to a moderator, and what to do about it.
ANNOUNCE_PROBLEMS = {
    "not_in_channel": N_(
        "I am not a member of the highlight channel. Invite me there, or pick another channel "
        "with /story config channel."
    ),
    "channel_not_found": N_(
        "The highlight channel no longer exists. Run /story config channel in the new one."
    ),
    "missing_permissions": N_(
        "I may not post in the highlight channel. Give me permission to send messages there."
    ),
    "rate_limited": N_("The platform asked me to slow down. I will try the announcement again."),
    "unavailable": N_("The platform could not be reached. I will try the announcement again."),
    "no_announcer": N_("That channel belongs to a platform this bot is not connected to now."),
}


def local_now(settings: CommunitySettings, now: dt.datetime) -> dt.datetime:
    return now.astimezone(ZoneInfo(settings.timezone))


def current_week(settings: CommunitySettings, now: dt.datetime) -> IsoWeek:
    return IsoWeek.of(local_now(settings, now).date())


def week_start(settings: CommunitySettings, week: IsoWeek) -> dt.datetime:
    """Monday 00:00 of the week in the community's time zone, as UTC."""
    local = dt.datetime.combine(week.monday(), dt.time(0), tzinfo=ZoneInfo(settings.timezone))
    return local.astimezone(dt.UTC)


def due_at(settings: CommunitySettings, week: IsoWeek) -> dt.datetime:
    """When the weekly job runs for `week`: its configured weekday and time, as UTC."""
    day = week.monday() + dt.timedelta(days=settings.weekly_weekday - 1)
    due = dt.datetime.combine(day, settings.weekly_time, tzinfo=ZoneInfo(settings.timezone))
    return due.astimezone(dt.UTC)


def is_due(settings: CommunitySettings, now: dt.datetime) -> bool:
    """The weekly job runs for a week once its configured weekday and time have passed."""
    return now >= due_at(settings, current_week(settings, now))


def next_due(settings: CommunitySettings, week: IsoWeek) -> dt.datetime:
    """When the job runs for the week after `week`."""
    return due_at(settings, IsoWeek.of(week.monday() + dt.timedelta(days=7)))


def announcement(
    community: Community,
    story: Story,
    feature: Feature,
    ctx: Context,
    platform: Platform | None = None,
) -> Reply:
    """The public post: always in the community's language, never with moderator details;
    credited colleagues as the platform it goes to can show them (see cards.card)."""
    t = Translator(community.settings.language)
    blocks: list[Text] = [Text(t("Story of the week {week}", week=str(feature.week)), heading=True)]
    if feature.note:
        blocks.append(Text(t("From the moderators: {note}", note=feature.note)))
    elif feature.featured_by is None:
        blocks.append(Text(t("Chosen by your appreciations last week.")))
    return Reply(
        blocks=(*blocks, cards.card(story, ctx, full=True, t=t, public=True, platform=platform)),
        ephemeral=False,
    )


@dataclass(frozen=True, slots=True)
class Announced:
    posted: int
    failures: tuple[tuple[ChannelRef, str], ...]  # channel, reason code (see ANNOUNCE_PROBLEMS)

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(reason for _, reason in self.failures))


async def announce(
    feature: Feature,
    community: Community,
    story: Story,
    ctx: Context,
) -> Announced:
    """Post to every highlight channel that has not had this feature yet.

    A claim row per (week, story, channel) makes this exactly-once across processes; a failed
    post releases its claim so that the weekly job tries again later.
    """
    posted = 0
    failures: list[tuple[ChannelRef, str]] = []
    if not story.published:
        return Announced(0, ())  # a hidden story is never posted publicly
    for channel in community.settings.highlight_channels:
        announcer = ctx.announcers.get(channel.space.platform)
        if announcer is None:
            failures.append((channel, "no_announcer"))
            continue
        async with ctx.uow() as uow:
            claimed = await uow.features.claim_announcement(feature, channel)
            await uow.commit()
        if not claimed:
            continue
        reply = announcement(community, story, feature, ctx, channel.space.platform)
        try:
            await announcer.announce(channel, reply)
            posted += 1
        except AnnounceFailed as failure:
            log.warning(
                "announcement failed", extra={"reason": failure.reason, "community": community.id}
            )
            failures.append((channel, failure.reason))
            async with ctx.uow() as uow:
                await uow.features.release_announcement(feature, channel)
                await uow.commit()
    return Announced(posted, tuple(failures))


@dataclass(frozen=True, slots=True)
class WeeklyOutcome:
    community_id: int
    week: IsoWeek
    story_number: int | None
    picked: bool  # the job chose the story (no moderator had)
    announced: int
    problems: tuple[str, ...] = ()
    # The community's spaces as operators know them ("Acme (Slack)"), in English.
    spaces: tuple[str, ...] = ()


def _outcome(
    community: Community,
    week: IsoWeek,
    story_number: int | None,
    picked: bool,
    announced: int,
    problems: tuple[str, ...] = (),
) -> WeeklyOutcome:
    spaces = space_labels(community, Translator(Language.EN))  # operators read English
    return WeeklyOutcome(community.id, week, story_number, picked, announced, problems, spaces)


async def run_weekly(
    uow: UnitOfWorkFactory,
    clock: Clock,
    announcers: Mapping[Platform, Announcer],
    *,
    dry_run: bool = False,
    force: bool = False,
) -> list[WeeklyOutcome]:
    """For every community whose weekly time has passed: make sure this week has a feature
    (last week's most appreciated story unless a moderator picked one) and that it is
    announced. Safe to run from any number of processes at once, and as often as you like.

    A tick reads only the communities that are due (one indexed query, so a tick with nothing
    due costs that query); each one settled is not read again until its next weekly time, or
    until its settings or its feature change. `force` looks at every community and settles none.
    """
    now = clock()
    if dry_run:
        # A dry run only reads: everything in one read-only unit of work.
        async with uow(read_only=True) as work:
            return await _run_due(lend(work), clock, announcers, now, dry_run, force)
    return await _run_due(uow, clock, announcers, now, dry_run, force)


async def _run_due(
    uow: UnitOfWorkFactory,
    clock: Clock,
    announcers: Mapping[Platform, Announcer],
    now: dt.datetime,
    dry_run: bool,
    force: bool,
) -> list[WeeklyOutcome]:
    async with uow(read_only=True) as work:
        if force:
            due: list[tuple[int, dt.datetime | None]] = [
                (i, None) for i in await work.communities.all_ids()
            ]
        else:
            due = list(await work.communities.weekly_due(now))
    outcomes = []
    for community_id, seen in due:
        try:
            outcome = await _run_for(
                community_id, seen, uow, clock, announcers, now, dry_run, force
            )
        except Exception:
            # One community's broken data or platform must not cost the others their week.
            log.exception("weekly job failed for a community", extra={"community": community_id})
            continue
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


async def _run_for(
    community_id: int,
    seen: dt.datetime | None,
    uow: UnitOfWorkFactory,
    clock: Clock,
    announcers: Mapping[Platform, Announcer],
    now: dt.datetime,
    dry_run: bool,
    force: bool,
) -> WeeklyOutcome | None:
    async with uow(read_only=dry_run) as work:
        community = await work.communities.get(community_id)
        if community is None:
            return None
        settings = community.settings
        week = current_week(settings, now)
        # Settling is only for a real tick: a dry or forced run changes nothing.
        settle = seen is not None and not dry_run and not force
        if not (force or is_due(settings, now)):
            if settle:
                await work.communities.settle_weekly(community_id, seen, due_at(settings, week))
                await work.commit()
            return None
        feature = await work.features.get(community_id, week)
        picked = False
        if feature is not None and not dry_run:
            story = await work.stories.get(community_id, feature.story_number)
            if story is None or not story.published:
                # Hidden since it was featured: the week is free again, pick anew.
                await work.features.release(community_id, week, feature.story_number)
                await work.commit()
                feature = None
        if feature is None:
            last = week.previous()
            best = await work.stories.most_appreciated(
                community_id, week_start(settings, last), week_start(settings, week), 1
            )
            if not best:
                if settle:  # last week's stories will not change: nothing to do this week
                    await work.communities.settle_weekly(
                        community_id, seen, next_due(settings, week)
                    )
                    await work.commit()
                return _outcome(community, week, None, False, 0)
            feature = Feature(community_id, week, best[0].number, None, None, now)
            if dry_run:
                return _outcome(community, week, feature.story_number, True, 0)
            picked = await work.features.add_if_absent(feature)
            await work.commit()
    if dry_run:
        return _outcome(community, week, feature.story_number, False, 0)
    async with uow() as work:
        # Another process may have won the insert: announce whatever the week holds now.
        feature = await work.features.get(community_id, week)
        story = await work.stories.get(community_id, feature.story_number) if feature else None
    if feature is None or story is None or not story.published:
        return _outcome(community, week, None, False, 0)
    ctx = job_context(community, uow, clock, announcers)
    result = await announce(feature, community, story, ctx)
    await _tell_moderators(community, week, result, uow, clock, announcers)
    # Every channel posted, here or by another process (a claim it holds). A failure, here or
    # there, releases its claim and makes the community due again: retried on the next tick.
    if seen is not None and not force and not result.failures:
        async with uow() as work:
            await work.communities.settle_weekly(community_id, seen, next_due(settings, week))
            await work.commit()
    return _outcome(community, week, feature.story_number, picked, result.posted, result.problems)


async def _tell_moderators(
    community: Community,
    week: IsoWeek,
    result: Announced,
    uow: UnitOfWorkFactory,
    clock: Clock,
    announcers: Mapping[Platform, Announcer],
) -> None:
    """The job retries failed announcements on every tick, in every process; moderators hear
    of each failure once a week, in the community's language, with what to do about it. A
    claim row in the database decides who tells them, so N processes send one notice."""
    t = Translator(community.settings.language)
    for channel, reason in result.failures:
        announcer = announcers.get(channel.space.platform)
        if announcer is None:
            continue
        async with uow() as work:
            claimed = await work.features.claim_notice(community.id, week, channel, reason, clock())
            await work.commit()
        if not claimed:
            continue
        prefix = f"{channel.space.platform}:"
        moderators = [
            u.removeprefix(prefix)
            for u in community.settings.moderator_users
            if u.startswith(prefix)
        ]
        message = (
            t("The story of the week could not be announced.")
            + " "
            + t(ANNOUNCE_PROBLEMS.get(reason, ANNOUNCE_PROBLEMS["unavailable"]))
        )
        await announcer.notify_moderators(channel.space, moderators, Reply(blocks=(Text(message),)))


def job_context(
    community: Community,
    uow: UnitOfWorkFactory,
    clock: Clock,
    announcers: Mapping[Platform, Announcer],
) -> Context:
    """The weekly job acts as nobody in particular, in the community's language. A community
    whose spaces were all removed still gets a context (on a placeholder space)."""
    space = community.spaces[0] if community.spaces else SpaceRef(Platform.CONSOLE, "storybot")
    actor = Actor(space=space, user_id="storybot", display_name="Storybot")
    return Context(
        actor=actor,
        community=community,
        t=Translator(community.settings.language),
        uow=uow,
        clock=clock,
        moderator=False,
        announcers=announcers,
    )
