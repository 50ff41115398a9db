"""FeatureRepository over SQLAlchemy: the story of each week, who announced it where, and
which failed announcements the moderators were told about."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import bindparam, delete, literal, select, update

from bot.domain import ChannelRef, Feature, IsoWeek
from storage.models import (
    AnnouncementRow,
    CommunityRow,
    FeatureRow,
    NoticeRow,
    StoryRow,
    weekly_changed,
)
from storage.repositories import Repository, guarded

_F = FeatureRow.__table__.c
_STORY = StoryRow.__table__.c
# A feature with its story's number, as plain rows (no ORM mapping), and statements built once.
_FEATURES = select(*FeatureRow.__table__.c, _STORY.number.label("story_number")).join_from(
    FeatureRow.__table__, StoryRow.__table__, _STORY.id == _F.story_id
)
_OF_WEEK = _FEATURES.where(
    _F.community_id == bindparam("community_id"), _F.week == bindparam("week")
)
_OF_WEEK_LOCKED = _OF_WEEK.with_for_update(of=FeatureRow.__table__)


def _to_feature(row: Any) -> Feature:
    return Feature(
        community_id=row.community_id,
        week=IsoWeek.parse(row.week),
        story_number=row.story_number,
        featured_by=row.featured_by,
        note=row.note,
        featured_at=row.featured_at,
    )


class SqlFeatureRepository(Repository):
    async def _row_values(self, feature: Feature) -> dict[str, Any]:
        story_id = await self._story_id(feature.community_id, feature.story_number)
        if story_id is None:
            raise LookupError(f"no story {feature.community_id}/{feature.story_number}")
        return {
            "community_id": feature.community_id,
            "week": str(feature.week),
            "story_id": story_id,
            "featured_by": feature.featured_by,
            "note": feature.note,
            "featured_at": feature.featured_at,
        }

    @guarded
    async def get(self, community_id: int, week: IsoWeek) -> Feature | None:
        params = {"community_id": community_id, "week": str(week)}
        found = (await self._db.execute(_OF_WEEK, params)).first()
        return _to_feature(found) if found else None

    @guarded
    async def put(self, feature: Feature) -> Feature | None:
        """Upsert the week's feature; returns the one it replaced.

        The read locks the old row on PostgreSQL (SQLite's write lock is already held), so the
        returned feature really is the one overwritten.
        """
        values = await self._row_values(feature)
        params = {"community_id": feature.community_id, "week": values["week"]}
        found = (await self._db.execute(_OF_WEEK_LOCKED, params)).first()
        previous = _to_feature(found) if found else None
        stmt = self._insert(FeatureRow.__table__).values(values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["community_id", "week"],
            set_={k: stmt.excluded[k] for k in ("story_id", "featured_by", "note", "featured_at")},
        )
        await self._db.execute(stmt)
        # The weekly job retries this pick's announcements if the moderator's own post failed.
        await self._due_again(feature.community_id)
        return previous

    async def _due_again(self, community_id: int) -> None:
        """The next weekly tick looks at this community again (see CommunityRow)."""
        await self._db.execute(
            update(CommunityRow)
            .where(CommunityRow.id == community_id)
            .values(weekly_due_at=weekly_changed())
        )

    @guarded
    async def add_if_absent(self, feature: Feature) -> bool:
        stmt = (
            self._insert(FeatureRow.__table__)
            .values(await self._row_values(feature))
            .on_conflict_do_nothing(index_elements=["community_id", "week"])
            .returning(literal(1))
        )
        return (await self._db.execute(stmt)).first() is not None

    @guarded
    async def release(self, community_id: int, week: IsoWeek, story_number: int) -> bool:
        story_id = await self._story_id(community_id, story_number)
        if story_id is None:
            return False
        stmt = (
            delete(FeatureRow)
            .where(
                FeatureRow.community_id == community_id,
                FeatureRow.week == str(week),
                FeatureRow.story_id == story_id,
            )
            .returning(FeatureRow.id)
        )
        return (await self._db.execute(stmt)).first() is not None

    @guarded
    async def history(self, community_id: int, limit: int) -> list[Feature]:
        stmt = (
            _FEATURES.where(_F.community_id == community_id)
            .order_by(_F.week.desc())
            .limit(max(limit, 0))
        )
        return [_to_feature(found) for found in await self._db.execute(stmt)]

    @guarded
    async def weeks_by_story(self, community_id: int | None) -> dict[tuple[int, int], list[str]]:
        """Weeks in chronological order."""
        stmt = (
            select(FeatureRow.community_id, StoryRow.number, FeatureRow.week)
            .join(StoryRow, StoryRow.id == FeatureRow.story_id)
            .order_by(FeatureRow.community_id, FeatureRow.week)
        )
        if community_id is not None:
            stmt = stmt.where(FeatureRow.community_id == community_id)
        weeks: defaultdict[tuple[int, int], list[str]] = defaultdict(list)
        for cid, number, week in await self._db.execute(stmt):
            weeks[(cid, number)].append(week)
        return dict(weeks)

    @guarded
    async def claim_announcement(self, feature: Feature, channel: ChannelRef) -> bool:
        """The unique row decides: only the one inserter gets True. No story, no claim."""
        story_id = await self._story_id(feature.community_id, feature.story_number)
        if story_id is None:
            return False
        stmt = (
            self._insert(AnnouncementRow.__table__)
            .values(
                community_id=feature.community_id,
                week=str(feature.week),
                story_id=story_id,
                channel_key=channel.key,
                claimed_at=dt.datetime.now(dt.UTC),
            )
            .on_conflict_do_nothing(
                index_elements=["community_id", "week", "story_id", "channel_key"]
            )
            .returning(literal(1))
        )
        return (await self._db.execute(stmt)).first() is not None

    @guarded
    async def release_announcement(self, feature: Feature, channel: ChannelRef) -> None:
        story_ids = select(StoryRow.id).where(
            StoryRow.community_id == feature.community_id,
            StoryRow.number == feature.story_number,
        )
        await self._db.execute(
            delete(AnnouncementRow).where(
                AnnouncementRow.community_id == feature.community_id,
                AnnouncementRow.week == str(feature.week),
                AnnouncementRow.story_id.in_(story_ids),
                AnnouncementRow.channel_key == channel.key,
            )
        )
        await self._due_again(feature.community_id)

    @guarded
    async def claim_notice(
        self, community_id: int, week: IsoWeek, channel: ChannelRef, reason: str, at: dt.datetime
    ) -> bool:
        """Like claim_announcement: the unique row decides, and the claim is never released,
        so a notice is sent at most once even if its sender dies before sending."""
        stmt = (
            self._insert(NoticeRow.__table__)
            .values(
                community_id=community_id,
                week=str(week),
                channel_key=channel.key,
                reason=reason,
                sent_at=at,
            )
            .on_conflict_do_nothing(
                index_elements=["community_id", "week", "channel_key", "reason"]
            )
            .returning(literal(1))
        )
        return (await self._db.execute(stmt)).first() is not None
