"""Reading stories: browse, search, show, tags; and the reader's reactions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot import actions, cards, cursors, search_text, tags, weekly
from bot import commands as c
from bot.context import Context
from bot.domain import PAGE_SIZE
from bot.errors import NotFound, QueryTooBroad, ValidationError
from bot.i18n import Translator
from bot.i18n_marker import N_
from bot.permissions import require_visible
from bot.ports import Keyset, Slice
from bot.replies import Actions, Button, Fields, Pager, Reply, Style, Text

Fetch = Callable[[Keyset | None], Awaitable[Slice]]


async def browse(cmd: c.Browse, ctx: Context) -> Reply:
    t = ctx.t
    tag = tags.resolve(cmd.tag) if cmd.tag else None
    if tag is None:
        heading = t("All stories, newest first")
    else:
        heading = t("Stories tagged {tag}, newest first", tag=tags.display_name(tag, t.language))

    async def fetch(position: Keyset | None) -> Slice:
        async with ctx.uow() as uow:
            return await uow.stories.browse(ctx.community_id, tag, position, PAGE_SIZE)

    def action(cursor: str) -> str:
        return actions.encode("browse", tag or "", cursor)

    empty = (
        t("No stories yet. Be the first: /story")
        if tag is None
        else t("No stories tagged {tag} yet.", tag=tags.display_name(tag, t.language))
    )
    return await _page(ctx, heading, empty, cmd.cursor, fetch, action)


async def search(cmd: c.Search, ctx: Context) -> Reply:
    t = ctx.t
    query = search_text.query(cmd.words)
    if not query.groups:
        raise ValidationError(N_("Tell me what to search for, like /story search delay."))
    words = " ".join(search_text.words(cmd.words))

    async def fetch(position: Keyset | None) -> Slice:
        try:
            async with ctx.uow() as uow:
                return await uow.stories.search(ctx.community_id, query, position, PAGE_SIZE)
        except QueryTooBroad:
            # Searches take no locks, so a timeout means too many matches to rank in time
            # (common words in a very large community; see docs/PERFORMANCE.md).
            raise ValidationError(
                N_(
                    "Too many stories match to search them in time. "
                    "Add a rarer word, or browse by tag instead."
                )
            ) from None

    def action(cursor: str) -> str:
        return actions.search(words, cursor)

    heading = t("Stories matching “{words}”", words=cmd.words.strip()[:100])
    empty = t("No stories match “{words}”.", words=cmd.words.strip()[:100])
    return await _page(ctx, heading, empty, cmd.cursor, fetch, action)


async def _page(
    ctx: Context,
    heading: str,
    empty: str,
    cursor: str | None,
    fetch: Fetch,
    action: Callable[[str], str],
) -> Reply:
    """One page of a keyset-paged list, with Previous/Next that stay right as stories arrive."""
    position, page = cursors.decode(cursor)
    found = await fetch(position)
    if not found.items and position is not None:
        position, page = None, 1  # the page emptied under us (deletes): start over
        found = await fetch(None)
    if not found.items:
        return Reply(blocks=(Text(empty),))

    if position is None:
        has_newer, has_older = False, found.more
    elif position.direction == "older":
        has_newer, has_older = True, found.more
    else:
        has_newer, has_older = found.more, True
    first, last = found.items[0], found.items[-1]
    t = ctx.t
    previous = next_ = None
    if has_newer:
        token = cursors.encode(Keyset("newer", first.rank, first.story.number), max(page - 1, 1))
        previous = Button(t("‹ Previous"), action(token))
    if has_older:
        token = cursors.encode(Keyset("older", last.rank, last.story.number), page + 1)
        next_ = Button(t("Next ›"), action(token))
    story_cards = tuple(cards.card(item.story, ctx, full=False) for item in found.items)
    pager = Pager(t("Page {page}", page=page), previous, next_)
    return Reply(blocks=(Text(heading, heading=True), *story_cards, pager))


async def show(cmd: c.Show, ctx: Context) -> Reply:
    async with ctx.uow() as uow:
        story = await uow.stories.get(ctx.community_id, cmd.number)
    story = require_visible(story, cmd.number, ctx.actor, ctx.moderator)
    return Reply(blocks=(cards.card(story, ctx, full=True),))


async def list_tags(cmd: c.ListTags, ctx: Context) -> Reply:
    t = ctx.t
    async with ctx.uow() as uow:
        counts = await uow.stories.tag_counts(ctx.community_id)
    if not counts:
        return Reply(blocks=(Text(t("No tags in use yet.")),))
    items = tuple(
        (tags.display_name(slug, t.language), t.plural("{n} story", "{n} stories", count))
        for slug, count in counts
    )
    hint = t("Read the stories of a tag with /story browse <tag>.")
    return Reply(
        blocks=(Text(t("Tags in use, most used first"), heading=True), Fields(items), Text(hint))
    )


async def appreciate(cmd: c.Appreciate, ctx: Context) -> Reply:
    t = ctx.t
    async with ctx.uow() as uow:
        story = await uow.stories.get(ctx.community_id, cmd.number)
        if story is None or not story.published:
            raise NotFound(N_("There is no story #{number}."), number=cmd.number)
        if story.is_author(ctx.actor.space.platform, ctx.actor.user_id):
            raise ValidationError(N_("You can't appreciate your own story, but others can!"))
        added = await uow.stories.appreciate(
            story, ctx.actor.space.platform, ctx.actor.user_id, ctx.clock()
        )
        await uow.commit()
    if not added:
        return Reply(
            blocks=(Text(t("You have already appreciated #{number}.", number=cmd.number)),)
        )
    count = story.appreciations + 1
    return Reply(
        blocks=(
            Text(
                t(
                    "Thank you! #{number} now has {count}.",
                    number=cmd.number,
                    count=t.plural("{n} appreciation", "{n} appreciations", count),
                )
            ),
        )
    )


async def share(cmd: c.Share, ctx: Context) -> Reply:
    async with ctx.uow() as uow:
        story = await uow.stories.get(ctx.community_id, cmd.number)
    if story is None or not story.published:
        raise NotFound(N_("There is no story #{number}."), number=cmd.number)
    # The channel reads the community's language, whatever the sharer's own is.
    channel_t = Translator(ctx.community.settings.language)
    public = Reply(
        blocks=(
            Text(channel_t(N_("{name} shared a good-service story"), name=ctx.actor.display_name)),
            cards.card(story, ctx, full=True, t=channel_t, public=True),
        ),
        ephemeral=False,
        language=channel_t.language,
    )
    return Reply(
        blocks=(Text(ctx.t("Shared #{number} in this channel.", number=cmd.number)),),
        broadcast=public,
    )


HOME_NEWEST = 3


async def home(cmd: c.Home, ctx: Context) -> Reply:
    """This week's story, the newest stories, the tags in use, and a way to share one."""
    t = ctx.t
    week = weekly.current_week(ctx.community.settings, ctx.clock())
    async with ctx.uow() as uow:
        feature = await uow.features.get(ctx.community_id, week)
        featured = (
            await uow.stories.get(ctx.community_id, feature.story_number) if feature else None
        )
        newest = await uow.stories.browse(ctx.community_id, None, None, HOME_NEWEST)
        counts = await uow.stories.tag_counts(ctx.community_id)
    blocks: list = [
        Text(t("Share a story of good customer service, and read your colleagues' stories.")),
        Actions((Button(t("Share a story"), actions.encode("submit"), Style.PRIMARY),)),
        Text(t("Story of the week {week}", week=str(week)), heading=True),
    ]
    if featured is not None and featured.published:
        blocks.append(cards.card(featured, ctx, full=False))
    else:
        blocks.append(Text(t("No story has been featured this week yet.")))
    blocks.append(Text(t("Newest stories"), heading=True))
    blocks.extend(cards.card(item.story, ctx, full=False) for item in newest.items)
    if not newest.items:
        blocks.append(Text(t("No stories yet. Be the first: /story")))
    if counts:
        blocks.append(Text(t("Tags in use, most used first"), heading=True))
        blocks.append(
            Fields(
                tuple(
                    (
                        tags.display_name(slug, t.language),
                        t.plural("{n} story", "{n} stories", count),
                    )
                    for slug, count in counts[:10]
                )
            )
        )
    return Reply(blocks=tuple(blocks))
