"""LinkRepository over SQLAlchemy: link codes, wrong-code attempts, and the two moves that
link and unlink communities, each inside the caller's one transaction."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update

from bot.domain import Community, CommunitySettings, LinkCode, SpaceRef, Status
from storage.communities import insert_community_row
from storage.models import (
    AnnouncementRow,
    CommunityRow,
    FeatureRow,
    LinkCodeRow,
    LinkFailureRow,
    SpaceRow,
    StoryRow,
    StoryTagRow,
    TagCountRow,
)
from storage.repositories import Repository, guarded


def _to_code(row: Any) -> LinkCode:
    return LinkCode(
        id=row.id,
        community_id=row.community_id,
        space=SpaceRef.parse(row.space_key),
        digest=row.digest,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
    )


class SqlLinkRepository(Repository):
    @guarded
    async def add_code(self, code: LinkCode) -> LinkCode:
        stmt = (
            LinkCodeRow.__table__.insert()
            .values(
                community_id=code.community_id,
                space_key=code.space.key,
                digest=code.digest,
                created_at=code.created_at,
                expires_at=code.expires_at,
                used_at=code.used_at,
            )
            .returning(LinkCodeRow.id)
        )
        code_id = (await self._db.execute(stmt)).scalar_one()
        return dataclasses.replace(code, id=code_id)

    @guarded
    async def codes_since(self, since: dt.datetime) -> list[LinkCode]:
        stmt = (
            select(LinkCodeRow.__table__)
            .where(LinkCodeRow.created_at >= since)
            .order_by(LinkCodeRow.created_at, LinkCodeRow.id)
        )
        return [_to_code(row) for row in await self._db.execute(stmt)]

    @guarded
    async def code_by_digest(self, digest: str) -> LinkCode | None:
        stmt = select(LinkCodeRow.__table__).where(LinkCodeRow.digest == digest)
        row = (await self._db.execute(stmt)).first()
        return _to_code(row) if row is not None else None

    @guarded
    async def codes_made_since(self, space: SpaceRef, since: dt.datetime) -> int:
        stmt = select(func.count()).where(
            LinkCodeRow.space_key == space.key, LinkCodeRow.created_at >= since
        )
        return int((await self._db.execute(stmt)).scalar_one())

    @guarded
    async def use_code(self, code_id: int, at: dt.datetime) -> bool:
        """The row lock of the UPDATE queues a concurrent user, who then finds it used."""
        stmt = (
            update(LinkCodeRow)
            .where(LinkCodeRow.id == code_id, LinkCodeRow.used_at.is_(None))
            .values(used_at=at)
            .returning(LinkCodeRow.id)
        )
        return (await self._db.execute(stmt)).first() is not None

    @guarded
    async def record_failure(self, space: SpaceRef, at: dt.datetime) -> None:
        await self._db.execute(LinkFailureRow.__table__.insert().values(space_key=space.key, at=at))

    @guarded
    async def failures_since(self, space: SpaceRef, since: dt.datetime) -> int:
        stmt = select(func.count()).where(
            LinkFailureRow.space_key == space.key, LinkFailureRow.at >= since
        )
        return int((await self._db.execute(stmt)).scalar_one())

    @guarded
    async def prune(self, before: dt.datetime) -> None:
        await self._db.execute(delete(LinkCodeRow).where(LinkCodeRow.created_at < before))
        await self._db.execute(delete(LinkFailureRow).where(LinkFailureRow.at < before))

    async def _lock_counter(self, community_id: int) -> int:
        """A no-op UPDATE of the story counter: it takes the row lock submissions queue on."""
        stmt = (
            update(CommunityRow)
            .where(CommunityRow.id == community_id)
            .values(last_number=CommunityRow.last_number)
            .returning(CommunityRow.last_number)
        )
        last = (await self._db.execute(stmt)).scalar_one_or_none()
        if last is None:
            raise LookupError(f"no community {community_id}")
        return int(last)

    async def _set_counter(self, community_id: int, last: int) -> None:
        await self._db.execute(
            update(CommunityRow).where(CommunityRow.id == community_id).values(last_number=last)
        )

    async def _recount_tags(self, *community_ids: int) -> None:
        """Rebuild the kept tag counts (published stories only, as StoryRepository keeps them)
        of communities whose stories a merge or split moved."""
        await self._db.execute(
            delete(TagCountRow).where(TagCountRow.community_id.in_(community_ids))
        )
        counted = (
            select(StoryTagRow.community_id, StoryTagRow.tag, func.count())
            .join(StoryRow, StoryRow.id == StoryTagRow.story_id)
            .where(
                StoryTagRow.community_id.in_(community_ids),
                StoryRow.status == Status.PUBLISHED.value,
            )
            .group_by(StoryTagRow.community_id, StoryTagRow.tag)
        )
        await self._db.execute(
            TagCountRow.__table__.insert().from_select(["community_id", "tag", "stories"], counted)
        )

    @guarded
    async def merge(self, source_id: int, target_id: int) -> list[tuple[int, int]]:
        if source_id == target_id:
            raise ValueError("a community cannot merge into itself")
        # Lower id first, so two links crossing each other cannot deadlock.
        last = {cid: await self._lock_counter(cid) for cid in sorted((source_id, target_id))}
        start = last[target_id]
        rows = (
            await self._db.execute(
                select(StoryRow.id, StoryRow.number)
                .where(StoryRow.community_id == source_id)
                .order_by(StoryRow.number)
            )
        ).all()
        renumbered = [(story_id, old, start + i) for i, (story_id, old) in enumerate(rows, 1)]

        # Client keys make retried submissions idempotent within a community: a clash with the
        # target (two platforms' ids that happen to be equal) is cleared rather than merged.
        target_keys = select(StoryRow.client_key).where(
            StoryRow.community_id == target_id, StoryRow.client_key.is_not(None)
        )
        await self._db.execute(
            update(StoryRow)
            .where(StoryRow.community_id == source_id, StoryRow.client_key.in_(target_keys))
            .values(client_key=None)
        )
        if renumbered:
            # One executemany; new numbers lie above every target number, so no row collides.
            stories = StoryRow.__table__
            await self._db.execute(
                update(stories)
                .where(stories.c.id == bindparam("story_id"))
                .values(community_id=target_id, number=bindparam("new_number")),
                [{"story_id": sid, "new_number": new} for sid, _, new in renumbered],
            )
        story_number = (
            select(StoryRow.number).where(StoryRow.id == StoryTagRow.story_id).scalar_subquery()
        )
        await self._db.execute(
            update(StoryTagRow)
            .where(StoryTagRow.community_id == source_id)
            .values(community_id=target_id, number=story_number)
        )
        # The target keeps its own story of the week where both sides had one.
        target_weeks = select(FeatureRow.week).where(FeatureRow.community_id == target_id)
        await self._db.execute(
            delete(FeatureRow).where(
                FeatureRow.community_id == source_id, FeatureRow.week.in_(target_weeks)
            )
        )
        for table in (FeatureRow, AnnouncementRow, SpaceRow, LinkCodeRow):
            await self._db.execute(
                update(table).where(table.community_id == source_id).values(community_id=target_id)
            )
        await self._set_counter(target_id, start + len(renumbered))
        await self._db.execute(delete(CommunityRow).where(CommunityRow.id == source_id))
        await self._recount_tags(source_id, target_id)
        return [(old, new) for _, old, new in renumbered]

    @guarded
    async def split(
        self, community_id: int, space: SpaceRef, settings: CommunitySettings
    ) -> tuple[Community, list[int]]:
        await self._lock_counter(community_id)
        new_id = await insert_community_row(self._db, settings)
        moved_space = await self._db.execute(
            update(SpaceRow)
            .where(
                SpaceRow.community_id == community_id,
                SpaceRow.platform == str(space.platform),
                SpaceRow.external_id == space.external_id,
            )
            .values(community_id=new_id)
            .returning(SpaceRow.id)
        )
        if moved_space.first() is None:
            raise LookupError(f"space {space.key} is not in community {community_id}")
        moved = await self._db.execute(
            update(StoryRow)
            .where(StoryRow.community_id == community_id, StoryRow.origin_space == space.key)
            .values(community_id=new_id)
            .returning(StoryRow.number)
        )
        numbers = sorted(int(n) for n in moved.scalars())
        moved_ids = select(StoryRow.id).where(StoryRow.community_id == new_id)
        for table in (StoryTagRow, FeatureRow, AnnouncementRow):
            await self._db.execute(
                update(table)
                .where(table.community_id == community_id, table.story_id.in_(moved_ids))
                .values(community_id=new_id)
            )
        await self._set_counter(new_id, max(numbers, default=0))
        await self._recount_tags(community_id, new_id)
        return Community(id=new_id, settings=copy.deepcopy(settings), spaces=[space]), numbers
