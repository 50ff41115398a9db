"""Moderator actions and the weekly feature as readers see it."""

from __future__ import annotations

import datetime as dt

from bot import cards, weekly
from bot import commands as c
from bot.context import Context
from bot.domain import NOTE_MAX, SHORTLIST_SIZE, Feature, Status
from bot.errors import NotFound, ValidationError
from bot.i18n_marker import N_
from bot.indexing import search_doc
from bot.permissions import require_moderator
from bot.replies import Fields, Reply, Text
from bot.validation import clean_text


async def feature(cmd: c.FeatureStory, ctx: Context) -> Reply:
    require_moderator(ctx.actor, ctx.community)
    t = ctx.t
    note = clean_text(cmd.note) or None
    if note and len(note) > NOTE_MAX:
        raise ValidationError(N_("The note is too long: at most {max} characters."), max=NOTE_MAX)
    now = ctx.clock()
    week = weekly.current_week(ctx.community.settings, now)
    async with ctx.uow() as uow:
        story = await uow.stories.get(ctx.community_id, cmd.number)
        if story is None or not story.published:
            raise NotFound(N_("There is no story #{number}."), number=cmd.number)
        chosen = Feature(ctx.community_id, week, story.number, ctx.actor.user_id, note, now)
        replaced = await uow.features.put(chosen)
        await uow.commit()

    lines = [t("#{number} is the story of the week {week}.", number=story.number, week=str(week))]
    if replaced and replaced.story_number != story.number:
        lines.append(t("It replaces #{number}.", number=replaced.story_number))
    if not ctx.community.settings.highlight_channels:
        lines.append(
            t(
                "No highlight channel is set, so nothing was announced. "
                "Run /story config channel in the channel you want."
            )
        )
    else:
        result = await weekly.announce(chosen, ctx.community, story, ctx)
        if result.posted:
            lines.append(
                t.plural("Announced in {n} channel.", "Announced in {n} channels.", result.posted)
            )
        lines.extend(t(weekly.ANNOUNCE_PROBLEMS[p]) for p in dict.fromkeys(result.problems))
    return Reply(blocks=(Text(" ".join(lines)),))


async def featured(cmd: c.ShowFeatured, ctx: Context) -> Reply:
    t = ctx.t
    week = weekly.current_week(ctx.community.settings, ctx.clock())
    async with ctx.uow() as uow:
        history = await uow.features.history(ctx.community_id, 10)
        current = next((f for f in history if f.week == week), None)
        story = await uow.stories.get(ctx.community_id, current.story_number) if current else None
    blocks: list = [Text(t("Story of the week {week}", week=str(week)), heading=True)]
    if story is not None and (story.published or ctx.moderator):
        if current and current.note:
            blocks.append(Text(t("From the moderators: {note}", note=current.note)))
        blocks.append(cards.card(story, ctx, full=True))
    else:
        blocks.append(Text(t("No story has been featured this week yet.")))
    earlier = [f for f in history if f.week != week]
    if earlier:
        blocks.append(Text(t("Earlier weeks"), heading=True))
        blocks.append(Fields(tuple((str(f.week), f"#{f.story_number}") for f in earlier)))
    return Reply(blocks=tuple(blocks))


async def shortlist(cmd: c.Shortlist, ctx: Context) -> Reply:
    t = ctx.t
    now = ctx.clock()
    async with ctx.uow() as uow:
        best = await uow.stories.most_appreciated(
            ctx.community_id,
            now - dt.timedelta(days=7),
            now + dt.timedelta(seconds=1),
            SHORTLIST_SIZE,
        )
    if not best:
        return Reply(blocks=(Text(t("No stories in the past 7 days yet.")),))
    heading = Text(t("Most appreciated stories of the past 7 days"), heading=True)
    return Reply(blocks=(heading, *(cards.card(s, ctx, full=False) for s in best)))


async def hide(cmd: c.Hide, ctx: Context) -> Reply:
    return await _set_status(cmd.number, Status.HIDDEN, ctx)


async def unhide(cmd: c.Unhide, ctx: Context) -> Reply:
    return await _set_status(cmd.number, Status.PUBLISHED, ctx)


async def _set_status(number: int, status: Status, ctx: Context) -> Reply:
    require_moderator(ctx.actor, ctx.community)
    async with ctx.uow() as uow:
        story = await uow.stories.get(ctx.community_id, number)
        if story is None:
            raise NotFound(N_("There is no story #{number}."), number=number)
        story.status = status
        story.updated_at = ctx.clock()
        await uow.stories.update(story, search_doc(story))
        if status is Status.HIDDEN:
            # A hidden story is no longer this week's feature: nobody announces it, and the
            # weekly job may pick another. (Deleting releases it too: the row cascades.)
            week = weekly.current_week(ctx.community.settings, ctx.clock())
            await uow.features.release(ctx.community_id, week, number)
        await uow.commit()
    if status is Status.HIDDEN:
        message = ctx.t(
            "Story #{number} is hidden. Only its author and moderators see it now.", number=number
        )
    else:
        message = ctx.t("Story #{number} is visible to everyone again.", number=number)
    return Reply(blocks=(Text(message),))
