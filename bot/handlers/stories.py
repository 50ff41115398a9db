"""Submitting, editing and deleting stories."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re

from bot import cards, forms, mentions, ratelimit
from bot import commands as c
from bot.context import Context
from bot.domain import Author, Platform, Story
from bot.errors import Conflict, PermissionDenied, RateLimited
from bot.i18n_marker import N_
from bot.indexing import search_doc
from bot.permissions import is_author, require_visible
from bot.ports import RateLog, UnitOfWork
from bot.replies import Reply, Text
from bot.validation import CleanStory, clean_story

log = logging.getLogger(__name__)

NAMES_TIMEOUT = 2.0  # seconds; a slow platform costs the names, never the story


# What a user id looks like on each platform. Only such ids are looked up (one platform call
# each): free text in the credited field costs nothing.
USER_ID = {
    Platform.SLACK: re.compile(r"[UW][A-Z0-9]{2,20}"),
    Platform.DISCORD: re.compile(r"[0-9]{15,21}"),
    Platform.CONSOLE: re.compile(r"[\w.-]{1,64}"),
}


def looks_like_user_id(platform: Platform, user_id: str) -> bool:
    return USER_ID[platform].fullmatch(user_id) is not None


async def credited_names(ctx: Context, user_ids: tuple[str, ...]) -> dict[str, str]:
    """Names of the credited colleagues as the platform shows them now, stored with the story
    so linked spaces on another platform can show them (an id means nothing there). Call it
    only after the refusals (rate limit, ownership): each id costs a platform call."""
    platform = ctx.actor.space.platform
    user_ids = tuple(u for u in user_ids if looks_like_user_id(platform, u))
    directory = ctx.directories.get(platform)
    if not user_ids or directory is None:
        return {}
    try:
        async with asyncio.timeout(NAMES_TIMEOUT):
            found = await directory.display_names(ctx.actor.space, list(user_ids))
    except Exception:
        log.warning("credited names unavailable", exc_info=True)
        return {}
    return {u: found[u] for u in user_ids if found.get(u)}


async def open_submit_form(cmd: c.OpenSubmitForm, ctx: Context) -> Reply:
    # A saved message arrives with mentions in the neutral <@id|name> form: the text reads
    # "@anna" ("@someone" where the adapter found no name) and Anna is ticked in the
    # colleague picker.
    prefill = cmd.prefill or ""
    return Reply(
        form=forms.story_form(
            ctx.t,
            prefill=mentions.readable(prefill, ctx.t) or None,
            credited=mentions.credited(prefill),
        )
    )


async def submit(cmd: c.Submit, ctx: Context) -> Reply:
    clean = clean_story(mentions.in_words(cmd.story, ctx.t), ctx.community.settings)
    now = ctx.clock()
    actor = ctx.actor
    author = Author(actor.space.platform, actor.user_id, actor.display_name)
    # Refuse over the limit before looking names up (each a platform call); storing checks
    # again under the lock, so without names to look up the early check is not needed.
    if clean.credited:
        async with ctx.uow(read_only=True) as uow:
            await _check_rate(uow, ctx.community_id, author, now)
    names = await credited_names(ctx, clean.credited)
    clean = _with_names(clean, cmd.story, names, ctx)
    draft = Story(
        community_id=ctx.community_id,
        number=0,
        text=clean.text,
        title=clean.title,
        author=author,
        created_at=now,
        updated_at=now,
        customer=clean.customer,
        credited=list(clean.credited),
        tags=list(clean.tags),
        anonymous=clean.anonymous,
        consent=clean.consent,
        on_wall=clean.on_wall,
        source_url=cmd.source_url,
        client_key=cmd.client_key,
        origin=actor.space,
        credited_names=names,
    )
    try:
        stored = await _store_in_home(draft, ctx)
    except Conflict:
        # A retry of a submission already stored, here or in a request racing this one:
        # answer as it was answered.
        async with ctx.uow() as uow:
            stored = await uow.stories.by_client_key(draft.community_id, cmd.client_key)
        if stored is None:
            raise
    return _confirmation(stored, clean, ctx, verb=N_("Story #{number} is saved. Thank you!"))


def _with_names(
    clean: CleanStory,
    typed: c.StoryInput,
    names: dict[str, str],
    ctx: Context,
    *,
    suggest: bool = True,
) -> CleanStory:
    """Cleaned again with the credited people's looked-up names in place of their bare
    mentions ("@someone" when nobody could be named: the first cleaning's words)."""
    named = mentions.with_names(typed, names)
    if named == typed:  # no bare mention of anyone named
        return clean
    return clean_story(mentions.in_words(named, ctx.t), ctx.community.settings, suggest=suggest)


async def _store_in_home(draft: Story, ctx: Context) -> Story:
    """Store in the actor's community; if a link or unlink moved the space meanwhile, in the
    one the space belongs to now."""
    try:
        return await _store_new(draft, ctx)
    except LookupError:
        async with ctx.uow(read_only=True) as uow:
            home = await uow.communities.owner_of(ctx.actor.space)
        if home is None or home == draft.community_id:
            raise
        draft.community_id = home
        return await _store_new(draft, ctx)


async def _store_new(draft: Story, ctx: Context) -> Story:
    assert draft.client_key is not None
    community_id = draft.community_id
    # Single write: SQLite shares one durable commit (one disk flush) among submissions
    # arriving together; PostgreSQL runs add_next as a transaction of its own.
    async with ctx.uow(single_write=True) as uow:
        # Reserving the number locks the community's counter, and the rate log is read after
        # that, so the same user's parallel submissions cannot both pass the limit. A retry of
        # a stored submission (same client key) raises Conflict, even when the rate log would
        # refuse it, and `submit` answers with the stored story; leaving rolls the number back.
        # Retries are rare, so no lookup runs before every insert.
        at = draft.created_at
        log = RateLog(since=at - ratelimit.WINDOW, limit=ratelimit.LIMIT, space=ctx.actor.space)
        stored = await uow.stories.add_next(draft, search_doc(draft), log)
        if stored is None:
            # An unlink that committed while we waited for the counter may have moved this
            # space to a community of its own: then the story belongs there (_store_in_home).
            if await uow.communities.owner_of(ctx.actor.space) != community_id:
                raise LookupError(f"space {ctx.actor.space.key} left community {community_id}")
            raise _over_the_limit()
        await uow.commit()
    return stored


async def _check_rate(uow: UnitOfWork, community_id: int, author: Author, now: dt.datetime) -> None:
    """Counts submissions logged in the window, not surviving stories: sharing ten,
    deleting them and sharing ten more within a minute is refused."""
    recent = await uow.communities.submissions_since(
        community_id,
        author.platform,
        author.user_id,
        now - ratelimit.WINDOW,
    )
    if recent >= ratelimit.LIMIT:
        raise _over_the_limit()


def _over_the_limit() -> RateLimited:
    return RateLimited(
        N_("You have shared {max} stories in the last minute. Wait a moment and try again."),
        max=ratelimit.LIMIT,
    )


def _confirmation(story: Story, clean: CleanStory, ctx: Context, *, verb: str) -> Reply:
    t = ctx.t
    lines = [t(verb, number=story.number)]
    if clean.emails_masked or clean.phones_masked:
        hidden = []
        if clean.emails_masked:
            hidden.append(
                t.plural("{n} e-mail address", "{n} e-mail addresses", clean.emails_masked)
            )
        if clean.phones_masked:
            hidden.append(t.plural("{n} phone number", "{n} phone numbers", clean.phones_masked))
        lines.append(
            t("To protect privacy I hid {what} before saving.", what=t(" and ").join(hidden))
        )
    if clean.suggested_tags:
        lines.append(
            t(
                "You gave no tags, so I added: {tags}. Edit the story to change them.",
                tags=cards.tag_names(list(clean.tags), t),
            )
        )
    return Reply(blocks=(Text(" ".join(lines)), cards.card(story, ctx, full=True)))


async def open_edit_form(cmd: c.OpenEditForm, ctx: Context) -> Reply:
    async with ctx.uow() as uow:
        story = await _own_story(uow, cmd.number, ctx)
    return Reply(form=forms.story_form(ctx.t, story=story))


async def edit(cmd: c.Edit, ctx: Context) -> Reply:
    clean = clean_story(mentions.in_words(cmd.story, ctx.t), ctx.community.settings, suggest=False)
    async with ctx.uow() as uow:  # refuse someone else's story before any name lookup
        await _own_story(uow, cmd.number, ctx)
    names = await credited_names(ctx, clean.credited)
    clean = _with_names(clean, cmd.story, names, ctx, suggest=False)
    async with ctx.uow() as uow:
        story = await _own_story(uow, cmd.number, ctx)
        story.text = clean.text
        story.title = clean.title
        story.customer = clean.customer
        story.credited = list(clean.credited)
        story.credited_names = {
            u: names.get(u) or story.credited_names.get(u, "")
            for u in clean.credited
            if names.get(u) or story.credited_names.get(u)
        }
        story.tags = list(clean.tags)
        story.anonymous = clean.anonymous
        story.consent = clean.consent
        story.on_wall = clean.on_wall
        story.updated_at = ctx.clock()
        await uow.stories.update(story, search_doc(story))
        await uow.commit()
    return _confirmation(story, clean, ctx, verb=N_("Story #{number} is updated."))


async def delete(cmd: c.Delete, ctx: Context) -> Reply:
    async with ctx.uow() as uow:
        story = require_visible(
            await uow.stories.get(ctx.community_id, cmd.number),
            cmd.number,
            ctx.actor,
            ctx.moderator,
        )
        if not (ctx.moderator or is_author(story, ctx.actor)):
            raise PermissionDenied(
                N_("Only the author or a moderator can delete story #{number}."), number=cmd.number
            )
        await uow.stories.delete(ctx.community_id, cmd.number)
        await uow.commit()
    return Reply(blocks=(Text(ctx.t("Story #{number} is deleted for good.", number=cmd.number)),))


async def _own_story(uow: UnitOfWork, number: int, ctx: Context) -> Story:
    story = require_visible(
        await uow.stories.get(ctx.community_id, number),
        number,
        ctx.actor,
        ctx.moderator,
    )
    if not is_author(story, ctx.actor):
        raise PermissionDenied(N_("Only the author can edit story #{number}."), number=number)
    return story
