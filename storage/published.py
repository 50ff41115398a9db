"""PublishedRepository over SQLAlchemy: what the public web wall may read.

Every query carries the whole rule (see bot.wall): wall on, customer consent, the author's
choice, published. Deleted stories are gone from the table, so they need no condition.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, select, true

from bot.domain import Community, Status, Story
from bot.ports import PublishedSlice
from storage.communities import to_communities, with_spaces
from storage.models import CommunityRow, StoryRow, StoryTagRow
from storage.repositories import Repository, guarded
from storage.stories import _to_story, story_rows

_S = StoryRow.__table__.c
_TAG = StoryTagRow.__table__.c
# The story's share of the rule, for the community bound as :community_id; the wall's share
# is checked by `wall()` first.
_PUBLIC = and_(
    _S.community_id == bindparam("community_id"),
    _S.on_wall == true(),
    _S.consent == true(),
    _S.status == Status.PUBLISHED.value,
)
# Built once (then found in SQLAlchemy's statement cache), as in storage.stories.
_WALLS = with_spaces().where(CommunityRow.__table__.c.wall_enabled == true())
_WALL = _WALLS.where(CommunityRow.__table__.c.wall_token == bindparam("token"))
_STORY = story_rows().where(_PUBLIC, _S.number == bindparam("number"))


@functools.cache
def _page_statement(tagged: bool, bounded: bool) -> Select[Any]:
    """A page of public stories newest first (with a tag), before a number, plus one.

    A tag page walks the tag's own index (community, tag, number) newest first, as browse by
    tag does; ordering by stories.number would walk every public story."""
    stmt = story_rows().where(_PUBLIC)
    order = _S.number
    if tagged:
        stmt = stmt.join(StoryTagRow.__table__, _TAG.story_id == _S.id).where(
            _TAG.community_id == bindparam("community_id"), _TAG.tag == bindparam("tag")
        )
        order = _TAG.number  # kept equal to stories.number by every write
    if bounded:
        stmt = stmt.where(order < bindparam("before"))
    return stmt.order_by(order.desc()).limit(bindparam("limit"))


def _tag_counts_statement(dialect: str) -> Select[Any]:
    """Over the newest :recent public stories only: the wall's filter stays one bounded
    index walk however large the community grows."""
    tag = _TAG.tag.collate("C") if dialect == "postgresql" else _TAG.tag
    newest = (
        select(_S.id).where(_PUBLIC).order_by(_S.number.desc()).limit(bindparam("recent"))
    ).subquery()
    count = func.count().label("n")
    return (
        select(_TAG.tag, count)
        .join_from(StoryTagRow.__table__, newest, newest.c.id == _TAG.story_id)
        .group_by(_TAG.tag)
        .order_by(count.desc(), tag.asc())
    )


_TAG_COUNTS = {dialect: _tag_counts_statement(dialect) for dialect in ("postgresql", "sqlite")}


class SqlPublishedRepository(Repository):
    @guarded
    async def wall(self, token: str) -> Community | None:
        found = to_communities(await self._db.execute(_WALL, {"token": token}))
        return found[0] if found else None

    @guarded
    async def walls(self) -> list[Community]:
        return to_communities(await self._db.execute(_WALLS))

    @guarded
    async def page(
        self, community_id: int, tag: str | None, before: int | None, size: int
    ) -> PublishedSlice:
        size = max(size, 0)
        params = {"community_id": community_id, "tag": tag, "before": before, "limit": size + 1}
        stmt = _page_statement(tag is not None, before is not None)
        rows = [_to_story(row) for row in await self._db.execute(stmt, params)]
        more = len(rows) > size
        rows = rows[:size]
        return PublishedSlice(rows, rows[-1].number if more and rows else None)

    @guarded
    async def story(self, community_id: int, number: int) -> Story | None:
        params = {"community_id": community_id, "number": number}
        row = (await self._db.execute(_STORY, params)).first()
        return _to_story(row) if row else None

    @guarded
    async def tag_counts(self, community_id: int, recent: int) -> list[tuple[str, int]]:
        """Over the newest `recent` public stories only (see _tag_counts_statement)."""
        params = {"community_id": community_id, "recent": max(recent, 0)}
        rows = await self._db.execute(_TAG_COUNTS[self._dialect], params)
        return [(t, n) for t, n in rows]

    @guarded
    async def tagged_since(
        self, community_id: int, since: dt.datetime
    ) -> list[tuple[dt.datetime, str]]:
        stmt = (
            select(StoryRow.created_at, StoryTagRow.tag)
            .join(StoryTagRow, StoryTagRow.story_id == StoryRow.id)
            .where(_PUBLIC, StoryRow.created_at >= since)
        )
        params = {"community_id": community_id}
        return [(at, tag) for at, tag in await self._db.execute(stmt, params)]

    @guarded
    async def most_appreciated(
        self, community_id: int, since: dt.datetime, limit: int
    ) -> list[Story]:
        stmt = (
            story_rows()
            .where(_PUBLIC, StoryRow.created_at >= since, StoryRow.appreciations > 0)
            .order_by(
                StoryRow.appreciations.desc(), StoryRow.created_at.asc(), StoryRow.number.asc()
            )
            .limit(max(limit, 0))
        )
        params = {"community_id": community_id}
        return [_to_story(row) for row in await self._db.execute(stmt, params)]
