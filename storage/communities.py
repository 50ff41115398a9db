"""CommunityRepository over SQLAlchemy: communities, the spaces they own, the story counter."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Integer, Row, Select, bindparam, delete, func, select, update

from bot.domain import ChannelRef, Community, CommunitySettings, Language, Platform, SpaceRef
from bot.ports import RateLog
from storage.models import CommunityRow, SpaceRow, SubmissionRow, weekly_changed
from storage.repositories import Repository, guarded

if TYPE_CHECKING:
    from storage.repository_set import LazyConnection


def _settings_columns(settings: CommunitySettings) -> dict[str, Any]:
    return {
        "language": str(settings.language),
        "timezone": settings.timezone,
        "weekly_weekday": settings.weekly_weekday,
        "weekly_time": settings.weekly_time.strftime("%H:%M"),
        "free_tags": settings.free_tags,
        "highlight_channels": [
            {
                "platform": str(c.space.platform),
                "space": c.space.external_id,
                "channel": c.channel_id,
            }
            for c in settings.highlight_channels
        ],
        "moderator_users": list(settings.moderator_users),
        "moderator_roles": list(settings.moderator_roles),
        "moderator_origins": {k: list(v) for k, v in settings.moderator_origins.items()},
        "wall_enabled": settings.wall_enabled,
        "wall_token": settings.wall_token,
    }


async def insert_community_row(db: LazyConnection, settings: CommunitySettings) -> int:
    """A new community row with no stories yet (its space is claimed separately)."""
    stmt = (
        CommunityRow.__table__.insert()
        .values(
            _settings_columns(settings) | {"last_number": 0, "created_at": dt.datetime.now(dt.UTC)}
        )
        .returning(CommunityRow.id)
    )
    return int((await db.execute(stmt)).scalar_one())


def _to_settings(row: Any) -> CommunitySettings:
    """From a communities row (ORM object or Core row: the same attribute names)."""
    return CommunitySettings(
        language=Language(row.language),
        timezone=row.timezone,
        weekly_weekday=row.weekly_weekday,
        weekly_time=dt.time.fromisoformat(row.weekly_time),
        free_tags=row.free_tags,
        highlight_channels=[
            ChannelRef(SpaceRef(Platform(c["platform"]), c["space"]), c["channel"])
            for c in row.highlight_channels
        ],
        moderator_users=list(row.moderator_users),
        moderator_roles=list(row.moderator_roles),
        moderator_origins={k: list(v) for k, v in (row.moderator_origins or {}).items()},
        wall_enabled=row.wall_enabled,
        wall_token=row.wall_token,
    )


_COMMUNITIES = CommunityRow.__table__
_ITS_SPACES = SpaceRow.__table__.alias("its_spaces")
_SPACE = SpaceRow.__table__


def with_spaces() -> Select[Any]:
    """Communities' columns, one row per space each owns, oldest space first: whole
    Communities in one statement (every command starts by finding its community)."""
    return (
        select(
            _COMMUNITIES,
            _ITS_SPACES.c.platform.label("space_platform"),
            _ITS_SPACES.c.external_id.label("space_external_id"),
            _ITS_SPACES.c.name.label("space_name"),
        )
        .join_from(_COMMUNITIES, _ITS_SPACES, _ITS_SPACES.c.community_id == _COMMUNITIES.c.id)
        .order_by(_COMMUNITIES.c.id, _ITS_SPACES.c.id)
    )


# Built once: the statement every command runs first, then found in SQLAlchemy's cache.
_FOR_SPACE = (
    with_spaces()
    .join(_SPACE, _SPACE.c.community_id == _COMMUNITIES.c.id)
    .where(
        _SPACE.c.platform == bindparam("platform"),
        _SPACE.c.external_id == bindparam("external_id"),
    )
)
_OWNER = select(_SPACE.c.community_id).where(
    _SPACE.c.platform == bindparam("platform"), _SPACE.c.external_id == bindparam("external_id")
)
_BY_ID = with_spaces().where(_COMMUNITIES.c.id == bindparam("community_id"))


def to_communities(rows: Iterable[Row[Any]]) -> list[Community]:
    """Communities from with_spaces() rows, in their order."""
    found: dict[int, Community] = {}
    for r in rows:
        community = found.get(r.id)
        if community is None:
            community = found[r.id] = Community(id=r.id, settings=_to_settings(r), spaces=[])
        space = SpaceRef(Platform(r.space_platform), r.space_external_id)
        community.spaces.append(space)
        if r.space_name:
            community.space_names[space] = r.space_name
    return list(found.values())


def _to_community(rows: Iterable[Row[Any]]) -> Community | None:
    found = to_communities(rows)
    return found[0] if found else None


_SUBMISSIONS = SubmissionRow.__table__
NEXT_NUMBER = (
    update(_COMMUNITIES)
    .where(_COMMUNITIES.c.id == bindparam("community_id"))
    .values(last_number=_COMMUNITIES.c.last_number + 1)
    .returning(_COMMUNITIES.c.last_number)
)


async def reserve_number(db: LazyConnection, community_id: int) -> int:
    """Bump the counter in place: the row lock it takes queues concurrent submitters in this
    community until commit, so numbers have no gaps and a rollback returns the number."""
    number = (await db.execute(NEXT_NUMBER, {"community_id": community_id})).scalar_one_or_none()
    if number is None:
        raise LookupError(f"no community {community_id}")
    return int(number)


_SUBMISSIONS_SINCE = select(func.count()).where(
    _SUBMISSIONS.c.community_id == bindparam("community_id"),
    _SUBMISSIONS.c.author_platform == bindparam("author_platform"),
    _SUBMISSIONS.c.author_id == bindparam("author_id"),
    _SUBMISSIONS.c.at >= bindparam("since"),
)
# One statement checks and logs: INSERT … SELECT the new row WHERE the count in the window is
# under the limit and the space still belongs to the community (no row inserted: either not).
# SQLite's; PostgreSQL runs the same rule as a function (below), so a change to it needs a
# migration that replaces that function (tests/storage run both against the same cases).
_LOG_UNDER_LIMIT = _SUBMISSIONS.insert().from_select(
    ["community_id", "author_platform", "author_id", "at"],
    select(
        bindparam("community_id", type_=_SUBMISSIONS.c.community_id.type),
        bindparam("author_platform", type_=_SUBMISSIONS.c.author_platform.type),
        bindparam("author_id", type_=_SUBMISSIONS.c.author_id.type),
        bindparam("at", type_=_SUBMISSIONS.c.at.type),
    ).where(
        _SUBMISSIONS_SINCE.scalar_subquery() < bindparam("limit", type_=Integer()),
        select(_SPACE.c.id)
        .where(
            _SPACE.c.platform == bindparam("space_platform"),
            _SPACE.c.external_id == bindparam("space_id"),
            _SPACE.c.community_id == bindparam("community_id"),
        )
        .exists(),
    ),
)
# PostgreSQL: the same statement inside a function (migration log_function), so that
# StoryRepository.add_next can run it in its own statement after the counter's lock was
# taken. A statement's subqueries read the snapshot taken when it started, before it waited for
# the lock, and would miss what the lock's last holder logged; a VOLATILE function takes a new
# snapshot for each query it runs. True when it logged.
LOG_SUBMISSION_CALL = func.storybot_log_submission(
    bindparam("community_id", type_=_SUBMISSIONS.c.community_id.type),
    bindparam("author_platform", type_=_SUBMISSIONS.c.author_platform.type),
    bindparam("author_id", type_=_SUBMISSIONS.c.author_id.type),
    bindparam("at", type_=_SUBMISSIONS.c.at.type),
    bindparam("since", type_=_SUBMISSIONS.c.at.type),
    bindparam("limit", type_=Integer()),
    bindparam("space_platform", type_=_SPACE.c.platform.type),
    bindparam("space_id", type_=_SPACE.c.external_id.type),
    type_=Boolean(),
)
_LOG_SUBMISSION = {"postgresql": select(LOG_SUBMISSION_CALL), "sqlite": _LOG_UNDER_LIMIT}


def log_params(
    community_id: int, platform: Platform, user_id: str, at: dt.datetime, log: RateLog
) -> dict[str, Any]:
    """The parameters of _LOG_SUBMISSION, and of LOG_SUBMISSION_CALL in another statement."""
    return {
        "community_id": community_id,
        "author_platform": str(platform),
        "author_id": user_id,
        "at": at,
        "since": log.since,
        "limit": log.limit,
        "space_platform": str(log.space.platform),
        "space_id": log.space.external_id,
    }


async def log_under_limit(db: LazyConnection, dialect: str, params: dict[str, Any]) -> bool:
    """CommunityRepository.log_submission with log_params."""
    result = await db.execute(_LOG_SUBMISSION[dialect], params)
    return bool(result.scalar_one()) if dialect == "postgresql" else bool(result.rowcount)


_WEEKLY_DUE = (
    select(_COMMUNITIES.c.id, _COMMUNITIES.c.weekly_due_at)
    .where(_COMMUNITIES.c.weekly_due_at <= bindparam("now"))
    .order_by(_COMMUNITIES.c.weekly_due_at, _COMMUNITIES.c.id)
)
_SETTLE_WEEKLY = (
    update(_COMMUNITIES)
    .where(
        _COMMUNITIES.c.id == bindparam("community_id"),
        _COMMUNITIES.c.weekly_due_at == bindparam("seen"),
    )
    .values(weekly_due_at=bindparam("until"))
)


class SqlCommunityRepository(Repository):
    @guarded
    async def for_space(self, space: SpaceRef) -> Community | None:
        params = {"platform": str(space.platform), "external_id": space.external_id}
        return _to_community(await self._db.execute(_FOR_SPACE, params))

    @guarded
    async def owner_of(self, space: SpaceRef) -> int | None:
        params = {"platform": str(space.platform), "external_id": space.external_id}
        owner: int | None = (await self._db.execute(_OWNER, params)).scalar_one_or_none()
        return owner

    @guarded
    async def create(self, space: SpaceRef, settings: CommunitySettings) -> Community:
        """A community owning `space`; if a concurrent create won the space, that community.

        ON CONFLICT DO NOTHING waits for the other writer and keeps this transaction usable.
        """
        community_id = await insert_community_row(self._db, settings)
        claimed = await self._db.execute(
            self._insert(SpaceRow.__table__)
            .values(
                platform=str(space.platform),
                external_id=space.external_id,
                community_id=community_id,
            )
            .on_conflict_do_nothing(index_elements=["platform", "external_id"])
            .returning(SpaceRow.id)
        )
        if claimed.first() is not None:
            return Community(id=community_id, settings=copy.deepcopy(settings), spaces=[space])
        await self._db.execute(delete(CommunityRow).where(CommunityRow.id == community_id))
        winner = await self.for_space(space)
        if winner is None:  # won, then deleted again before we could read it
            raise LookupError(f"space {space.key} changed hands concurrently")
        return winner

    @guarded
    async def get(self, community_id: int) -> Community | None:
        return _to_community(await self._db.execute(_BY_ID, {"community_id": community_id}))

    @guarded
    async def save_settings(self, community: Community) -> None:
        # New settings may move the weekly time or add a channel: the next tick looks again.
        await self._db.execute(
            update(CommunityRow)
            .where(CommunityRow.id == community.id)
            .values(_settings_columns(community.settings) | {"weekly_due_at": weekly_changed()})
        )

    @guarded
    async def name_space(self, space: SpaceRef, name: str) -> None:
        await self._db.execute(
            update(SpaceRow)
            .where(
                SpaceRow.platform == str(space.platform), SpaceRow.external_id == space.external_id
            )
            .values(name=name)
        )

    @guarded
    async def weekly_due(self, now: dt.datetime) -> list[tuple[int, dt.datetime]]:
        """One range of ix_communities_weekly_due_at: a tick with nothing due costs this."""
        return [(i, due) for i, due in await self._db.execute(_WEEKLY_DUE, {"now": now})]

    @guarded
    async def settle_weekly(self, community_id: int, seen: dt.datetime, until: dt.datetime) -> bool:
        """Only if nothing changed since `seen` was read: a change meanwhile wrote its own
        time, and the next tick must look at the community again."""
        params = {"community_id": community_id, "seen": seen, "until": until}
        return bool((await self._db.execute(_SETTLE_WEEKLY, params)).rowcount)

    @guarded
    async def all_ids(self) -> list[int]:
        stmt = select(CommunityRow.id).order_by(CommunityRow.id)
        return list((await self._db.execute(stmt)).scalars())

    @guarded
    async def next_story_number(self, community_id: int) -> int:
        return await reserve_number(self._db, community_id)

    @guarded
    async def log_submission(
        self,
        community_id: int,
        platform: Platform,
        user_id: str,
        at: dt.datetime,
        *,
        since: dt.datetime,
        limit: int,
        space: SpaceRef,
    ) -> bool:
        params = log_params(community_id, platform, user_id, at, RateLog(since, limit, space))
        return await log_under_limit(self._db, self._dialect, params)

    @guarded
    async def submissions_since(
        self, community_id: int, platform: Platform, user_id: str, since: dt.datetime
    ) -> int:
        params = {
            "community_id": community_id,
            "author_platform": str(platform),
            "author_id": user_id,
            "since": since,
        }
        return int((await self._db.execute(_SUBMISSIONS_SINCE, params)).scalar_one())

    @guarded
    async def forget_submissions(self, before: dt.datetime) -> int:
        stmt = delete(SubmissionRow).where(SubmissionRow.at < before)
        result = await self._db.execute(stmt)
        return int(result.rowcount)
