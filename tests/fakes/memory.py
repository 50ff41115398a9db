"""Hand-written in-memory fakes of bot.ports, for fast unit tests of the core.

One `FakeDatabase` holds the committed tables; every `FakeUnitOfWork` made by its `factory()`
works on a private copy taken at `__aenter__` and merges its changes back on `commit()`.
Leaving the block without committing discards them, like a rollback.

Concurrency is approximated optimistically: a commit that changes a row another unit of work
changed and committed since this one began raises `Conflict` (first committer wins), as does a
commit that would break a unique rule (client key, space). Inserts that the ports call "safe
across processes" (appreciate, add_if_absent, claim_announcement, claim_notice) also see rows
other units of work committed meanwhile, and then answer False; a draft key taken meanwhile
raises Conflict, like the primary key.

Domain objects are copied in and out, so a handler mutating what it got changes nothing until
it hands the object back (update, save_settings, put).

The storage suite (tests/storage) runs its repository tests on this fake as well as on SQLite
and PostgreSQL, so where it answers differently from the SQL repositories a test says so.
Search ranking is the exception: the fake only sketches it.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import itertools
import json
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self, TypeVar

from bot import search_text
from bot.domain import (
    ChannelRef,
    Community,
    CommunitySettings,
    Feature,
    IsoWeek,
    LinkCode,
    Platform,
    SpaceRef,
    Story,
)
from bot.errors import Conflict, StorageUnavailable
from bot.ports import (
    AnnounceFailed,
    CommunityRepository,
    DraftRepository,
    FeatureRepository,
    Keyset,
    LinkRepository,
    PublishedRepository,
    PublishedSlice,
    Ranked,
    RateLog,
    SearchDoc,
    SearchQuery,
    Slice,
    StoryRepository,
    UnitOfWorkFactory,
)
from bot.replies import Reply

T = TypeVar("T")

StoryKey = tuple[int, int]  # community id, story number
AppreciationKey = tuple[int, Platform, str]  # story id, platform, user id
FeatureKey = tuple[int, IsoWeek]  # community id, week
ClaimKey = tuple[int, IsoWeek, int, str]  # community id, week, story number, channel key
NoticeKey = tuple[int, IsoWeek, str, str]  # community id, week, channel key, reason

_MISSING: Any = object()


def _copy(value: T) -> T:
    return copy.deepcopy(value)


def _stored_story(story: Story) -> Story:
    """A copy as the database keeps it: times in UTC, whatever zone they were given in."""
    stored = _copy(story)
    stored.created_at = stored.created_at.astimezone(dt.UTC)
    stored.updated_at = stored.updated_at.astimezone(dt.UTC)
    return stored


def _stored_feature(feature: Feature) -> Feature:
    stored = _copy(feature)
    stored.featured_at = stored.featured_at.astimezone(dt.UTC)
    return stored


@dataclass(slots=True)
class _Row:
    story: Story
    doc: SearchDoc


@dataclass(slots=True)
class _State:
    """The tables, keyed by their primary keys. Values are owned here: copy in, copy out."""

    communities: dict[int, Community] = field(default_factory=dict)
    counters: dict[int, int] = field(default_factory=dict)  # community id -> last story number
    stories: dict[StoryKey, _Row] = field(default_factory=dict)
    appreciations: dict[AppreciationKey, dt.datetime] = field(default_factory=dict)
    features: dict[FeatureKey, Feature] = field(default_factory=dict)
    claims: dict[ClaimKey, bool] = field(default_factory=dict)
    notices: dict[NoticeKey, dt.datetime] = field(default_factory=dict)
    drafts: dict[str, tuple[dict[str, Any], dt.datetime]] = field(default_factory=dict)
    link_codes: dict[int, LinkCode] = field(default_factory=dict)
    link_failures: dict[int, tuple[SpaceRef, dt.datetime]] = field(default_factory=dict)
    # id -> (community id, platform, user id, at): the rate limit's submission log
    submissions: dict[int, tuple[int, Platform, str, dt.datetime]] = field(default_factory=dict)
    weekly_due: dict[int, dt.datetime] = field(default_factory=dict)  # absent: unsettled
    # The spaces table's name column: kept by space, so it moves with the space on link/unlink.
    space_names: dict[SpaceRef, str] = field(default_factory=dict)

    def table(self, name: str) -> dict[Any, Any]:
        table: dict[Any, Any] = getattr(self, name)
        return table


WEEKLY_UNSETTLED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_TABLES = tuple(f.name for f in dataclasses.fields(_State))


def _merge(live: _State, base: _State, staged: _State) -> _State:
    """Apply what `staged` changed relative to `base` onto `live`; Conflict on a clash."""
    merged = copy.deepcopy(live)
    for name in _TABLES:
        before, after, now = base.table(name), staged.table(name), live.table(name)
        target = merged.table(name)
        for key in before.keys() | after.keys():
            old, new = before.get(key, _MISSING), after.get(key, _MISSING)
            if old is new or old == new:
                continue
            if now.get(key, _MISSING) != old:
                raise Conflict(f"{name} {key!r} was changed by a concurrent unit of work")
            if new is _MISSING:
                del target[key]
            else:
                target[key] = copy.deepcopy(new)
    _check_unique(merged)
    return merged


def _check_unique(state: _State) -> None:
    client_keys: set[tuple[int, str]] = set()
    for row in state.stories.values():
        if row.story.client_key is not None:
            key = (row.story.community_id, row.story.client_key)
            if key in client_keys:
                raise Conflict(f"duplicate client key {key!r}")
            client_keys.add(key)
    spaces: set[SpaceRef] = set()
    tokens = [c.settings.wall_token for c in state.communities.values() if c.settings.wall_token]
    if len(tokens) != len(set(tokens)):
        raise Conflict("two communities share a wall token")
    for community in state.communities.values():
        for space in community.spaces:
            if space in spaces:
                raise Conflict(f"space {space.key} belongs to two communities")
            spaces.add(space)


def _page(ranked: list[Ranked], position: Keyset | None, size: int) -> Slice:
    """Order by (rank desc, number desc) and cut one page at `position` (see bot.ports.Keyset)."""
    ordered = sorted(ranked, key=lambda r: (r.rank, r.story.number), reverse=True)
    size = max(size, 0)
    if position is None:
        return Slice(items=ordered[:size], more=len(ordered) > size)
    at = (position.rank, position.number)
    if position.direction == "older":
        after = [r for r in ordered if (r.rank, r.story.number) < at]
        return Slice(items=after[:size], more=len(after) > size)
    before = [r for r in ordered if (r.rank, r.story.number) > at]
    return Slice(items=before[max(len(before) - size, 0) :], more=len(before) > size)


class FakeDatabase:
    """The committed state shared by every unit of work its `factory()` makes.

    Set `unavailable = True`, or call `fail_next(n)`, to make storage calls (repository methods
    and commit) raise StorageUnavailable.
    """

    def __init__(self) -> None:
        self._state = _State()
        self._community_ids = itertools.count(1)
        self._story_ids = itertools.count(1)
        self._link_ids = itertools.count(1)
        self._changes = itertools.count(1)
        self._failures = 0
        self.unavailable = False
        self.committed = 0  # commits across all units of work
        self.uows: list[FakeUnitOfWork] = []  # every unit of work the factory made
        self.single_writes = 0  # how many of them were asked for single_write

    def factory(self) -> UnitOfWorkFactory:
        def new(*, read_only: bool = False, single_write: bool = False) -> FakeUnitOfWork:
            # Single write or not, a unit of work here commits on its own: that changes only
            # when a commit reaches the disk, which this fake has none of.
            uow = FakeUnitOfWork(self, read_only=read_only)
            self.single_writes += single_write
            self.uows.append(uow)
            return uow

        return new

    def weekly_changed(self) -> dt.datetime:
        """Due at once, and unlike any earlier value (see storage.models.weekly_changed)."""
        return WEEKLY_UNSETTLED + dt.timedelta(microseconds=next(self._changes))

    def fail_next(self, n: int = 1) -> None:
        """The next `n` storage calls raise StorageUnavailable."""
        self._failures = n

    # Read-only views of the committed state, for assertions.

    def story(self, community_id: int, number: int) -> Story | None:
        row = self._state.stories.get((community_id, number))
        return _copy(row.story) if row else None

    def doc(self, community_id: int, number: int) -> SearchDoc | None:
        row = self._state.stories.get((community_id, number))
        return row.doc if row else None

    def community(self, community_id: int) -> Community | None:
        return _copy(self._state.communities.get(community_id))

    def space_name(self, space: SpaceRef) -> str | None:
        return self._state.space_names.get(space)

    def feature(self, community_id: int, week: IsoWeek) -> Feature | None:
        return _copy(self._state.features.get((community_id, week)))

    def claimed(self, feature: Feature, channel: ChannelRef) -> bool:
        return _claim_key(feature, channel) in self._state.claims

    def noticed(self) -> list[NoticeKey]:
        return sorted(self._state.notices, key=repr)

    def draft_keys(self) -> list[str]:
        return sorted(self._state.drafts)

    def _check(self) -> None:
        if self.unavailable:
            raise StorageUnavailable("fake database is unavailable")
        if self._failures > 0:
            self._failures -= 1
            raise StorageUnavailable("fake database failure (fail_next)")


class FakeUnitOfWork:
    """A read-only one refuses to commit or leave with a change, as the databases refuse any
    write inside a read-only transaction."""

    def __init__(self, db: FakeDatabase, *, read_only: bool = False) -> None:
        self.db = db
        self.read_only = read_only
        self.communities: CommunityRepository = FakeCommunityRepository(self)
        self.stories: StoryRepository = FakeStoryRepository(self)
        self.features: FeatureRepository = FakeFeatureRepository(self)
        self.drafts: DraftRepository = FakeDraftRepository(self)
        self.links: LinkRepository = FakeLinkRepository(self)
        self.published: PublishedRepository = FakePublishedRepository(self)
        self.committed = 0
        self._base: _State | None = None
        self._staged: _State | None = None

    async def __aenter__(self) -> Self:
        if self._staged is not None:
            raise RuntimeError("unit of work entered twice")
        self._begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        changed = self.read_only and self._staged != self._base
        self._base = self._staged = None
        if changed and exc is None:
            raise RuntimeError("a read-only unit of work wrote")

    async def commit(self) -> None:
        staged = self._call()
        assert self._base is not None
        if self.read_only and staged != self._base:
            raise RuntimeError("a read-only unit of work wrote")
        self.db._state = _merge(self.db._state, self._base, staged)
        self.committed += 1
        self.db.committed += 1
        self._begin()

    def _begin(self) -> None:
        self._base = copy.deepcopy(self.db._state)
        self._staged = copy.deepcopy(self.db._state)

    def _call(self) -> _State:
        """The staged state, for one storage call."""
        if self._staged is None:
            raise RuntimeError("use the unit of work inside `async with`")
        self.db._check()
        return self._staged

    def _taken(self, table: str, key: object) -> bool:
        """Whether `key` exists here, or was committed by someone else since this one began."""
        assert self._staged is not None and self._base is not None
        if key in self._staged.table(table):
            return True
        return key in self.db._state.table(table) and key not in self._base.table(table)

    def _visible(self, table: str) -> Iterator[Any]:
        """Rows here plus rows committed by others since this one began (for unique checks)."""
        assert self._staged is not None and self._base is not None
        staged = self._staged.table(table)
        yield from staged.values()
        base = self._base.table(table)
        for key, value in self.db._state.table(table).items():
            if key not in base and key not in staged:
                yield value


def _named(community: Community | None, state: _State) -> Community | None:
    """A copy of `community` with its spaces' names, as the SQL repository reads them."""
    if community is None:
        return None
    found = _copy(community)
    found.space_names = {s: state.space_names[s] for s in found.spaces if s in state.space_names}
    return found


class FakeCommunityRepository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    async def for_space(self, space: SpaceRef) -> Community | None:
        state = self._uow._call()
        for community in state.communities.values():
            if space in community.spaces:
                return _named(community, state)
        return None

    async def owner_of(self, space: SpaceRef) -> int | None:
        state = self._uow._call()
        return next((i for i, c in state.communities.items() if space in c.spaces), None)

    async def name_space(self, space: SpaceRef, name: str) -> None:
        state = self._uow._call()
        if any(space in c.spaces for c in state.communities.values()):  # like the UPDATE
            state.space_names[space] = name

    async def create(self, space: SpaceRef, settings: CommunitySettings) -> Community:
        state = self._uow._call()
        existing = next((c for c in self._uow._visible("communities") if space in c.spaces), None)
        if existing is not None:  # like the SQL repository: the space's community wins
            return _named(existing, state)
        community = Community(
            id=next(self._uow.db._community_ids), settings=_copy(settings), spaces=[space]
        )
        state.communities[community.id] = community
        state.counters[community.id] = 0
        return _copy(community)

    async def get(self, community_id: int) -> Community | None:
        state = self._uow._call()
        return _named(state.communities.get(community_id), state)

    async def save_settings(self, community: Community) -> None:
        state = self._uow._call()
        stored = state.communities.get(community.id)
        if stored is not None:  # like an UPDATE that matches no row
            stored.settings = _copy(community.settings)
            state.weekly_due[community.id] = self._uow.db.weekly_changed()

    async def all_ids(self) -> list[int]:
        return sorted(self._uow._call().communities)

    async def weekly_due(self, now: dt.datetime) -> list[tuple[int, dt.datetime]]:
        state = self._uow._call()
        due = [(state.weekly_due.get(i, WEEKLY_UNSETTLED), i) for i in state.communities]
        return [(i, at) for at, i in sorted(due) if at <= now]

    async def settle_weekly(self, community_id: int, seen: dt.datetime, until: dt.datetime) -> bool:
        state = self._uow._call()
        if community_id not in state.communities:
            return False
        live = self._uow.db._state.weekly_due.get(community_id, WEEKLY_UNSETTLED)
        if state.weekly_due.get(community_id, WEEKLY_UNSETTLED) != seen or live != seen:
            return False  # changed since the tick read it, as the SQL UPDATE's WHERE checks
        state.weekly_due[community_id] = until
        return True

    async def next_story_number(self, community_id: int) -> int:
        state = self._uow._call()
        if community_id not in state.communities:
            raise LookupError(f"no community {community_id}")
        state.counters[community_id] = state.counters.get(community_id, 0) + 1
        return state.counters[community_id]

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
        if await self.owner_of(space) != community_id:
            return False
        if await self.submissions_since(community_id, platform, user_id, since) >= limit:
            return False
        log = self._uow._call().submissions
        log[next(self._uow.db._link_ids)] = (community_id, platform, user_id, at)
        return True

    async def forget_submissions(self, before: dt.datetime) -> int:
        log = self._uow._call().submissions
        old = [key for key, (_, _, _, at) in log.items() if at < before]
        for key in old:
            del log[key]
        return len(old)

    async def submissions_since(
        self, community_id: int, platform: Platform, user_id: str, since: dt.datetime
    ) -> int:
        return sum(
            1
            for cid, p, u, at in self._uow._call().submissions.values()
            if (cid, p, u) == (community_id, platform, user_id) and at >= since
        )


class FakeStoryRepository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    async def add(self, story: Story, doc: SearchDoc) -> Story:
        state = self._uow._call()
        key = (story.community_id, story.number)
        if story.community_id not in state.communities:
            raise LookupError(f"no community {story.community_id}")
        if self._uow._taken("stories", key):
            raise Conflict(f"story number {key!r} exists")
        if story.client_key is not None and any(
            row.story.community_id == story.community_id
            and row.story.client_key == story.client_key
            for row in self._uow._visible("stories")
        ):
            raise Conflict(f"client key {story.client_key!r} exists")
        stored = _stored_story(story)
        stored.id = next(self._uow.db._story_ids)
        state.stories[key] = _Row(stored, doc)
        return _copy(stored)

    async def add_next(self, story: Story, doc: SearchDoc, log: RateLog) -> Story | None:
        number = await self._uow.communities.next_story_number(story.community_id)
        stored = await self.add(dataclasses.replace(story, number=number), doc)
        author = story.author
        logged = await self._uow.communities.log_submission(
            story.community_id,
            author.platform,
            author.user_id,
            story.created_at,
            since=log.since,
            limit=log.limit,
            space=log.space,
        )
        return stored if logged else None

    async def get(self, community_id: int, number: int) -> Story | None:
        row = self._uow._call().stories.get((community_id, number))
        return _copy(row.story) if row else None

    async def by_client_key(self, community_id: int, client_key: str) -> Story | None:
        for row in self._uow._call().stories.values():
            if row.story.community_id == community_id and row.story.client_key == client_key:
                return _copy(row.story)
        return None

    async def update(self, story: Story, doc: SearchDoc) -> None:
        """Overwrite the story and its doc; id and appreciations stay as stored."""
        state = self._uow._call()
        key = (story.community_id, story.number)
        row = state.stories.get(key)
        if row is None:  # like an UPDATE that matches no row
            return
        stored = _stored_story(story)
        stored.id = row.story.id
        stored.appreciations = row.story.appreciations
        state.stories[key] = _Row(stored, doc)

    async def delete(self, community_id: int, number: int) -> bool:
        state = self._uow._call()
        row = state.stories.pop((community_id, number), None)
        if row is None:
            return False
        for key in [k for k in state.appreciations if k[0] == row.story.id]:
            del state.appreciations[key]
        # Features and announcement claims go with their story, as the foreign keys cascade.
        for fkey in [
            k
            for k, f in state.features.items()
            if f.community_id == community_id and f.story_number == number
        ]:
            del state.features[fkey]
        for ckey in [k for k in state.claims if k[0] == community_id and k[2] == number]:
            del state.claims[ckey]
        return True

    async def count_by_author_since(
        self, community_id: int, platform: Platform, user_id: str, since: dt.datetime
    ) -> int:
        return sum(
            1
            for story in self._stories(self._uow._call(), community_id)
            if story.is_author(platform, user_id) and story.created_at >= since
        )

    async def browse(
        self, community_id: int, tag: str | None, position: Keyset | None, size: int
    ) -> Slice:
        state = self._uow._call()
        ranked = [
            Ranked(_copy(story))
            for story in self._published(state, community_id)
            if tag is None or tag in story.tags
        ]
        return _page(ranked, position, size)

    async def search(
        self, community_id: int, query: SearchQuery, position: Keyset | None, size: int
    ) -> Slice:
        """Published stories matching every group, ranked by bot.search_text.tier."""
        state = self._uow._call()
        ranked: list[Ranked] = []
        for (cid, _), row in state.stories.items():
            if cid != community_id or not row.story.published:
                continue
            if not query.groups:
                ranked.append(Ranked(_copy(row.story), 0))
                continue
            tier = search_text.tier(
                query,
                body=set(row.doc.body.split()),
                strong=set(row.doc.strong.split()),
                parts=set(row.doc.parts.split()),
            )
            if tier is not None:
                ranked.append(Ranked(_copy(row.story), tier))
        return _page(ranked, position, size)

    async def tag_counts(self, community_id: int) -> list[tuple[str, int]]:
        counts: Counter[str] = Counter()
        for story in self._published(self._uow._call(), community_id):
            counts.update(set(story.tags))
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    async def appreciate(
        self, story: Story, platform: Platform, user_id: str, at: dt.datetime
    ) -> bool:
        """Count one appreciation on the stored story (the argument is left untouched)."""
        state = self._uow._call()
        row = state.stories.get((story.community_id, story.number))
        if row is None or row.story.id is None:
            raise LookupError(f"no story {story.community_id}/{story.number}")
        key = (row.story.id, platform, user_id)
        if self._uow._taken("appreciations", key):
            return False
        state.appreciations[key] = at
        row.story.appreciations += 1
        return True

    async def most_appreciated(
        self, community_id: int, since: dt.datetime, until: dt.datetime, limit: int
    ) -> list[Story]:
        stories = [
            story
            for story in self._published(self._uow._call(), community_id)
            if since <= story.created_at < until
        ]
        stories.sort(key=lambda s: (-s.appreciations, s.created_at, s.number))
        return [_copy(story) for story in stories[: max(limit, 0)]]

    async def export(self, community_id: int | None) -> list[Story]:
        state = self._uow._call()
        return [
            _copy(state.stories[key].story)
            for key in sorted(state.stories)
            if community_id is None or key[0] == community_id
        ]

    @staticmethod
    def _stories(state: _State, community_id: int) -> Iterable[Story]:
        return (row.story for (cid, _), row in state.stories.items() if cid == community_id)

    @classmethod
    def _published(cls, state: _State, community_id: int) -> Iterable[Story]:
        return (story for story in cls._stories(state, community_id) if story.published)


class FakePublishedRepository:
    """The wall's reads, with the same rule as storage/published.py (bot.wall.is_public)."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    async def wall(self, token: str) -> Community | None:
        for community in self._uow._call().communities.values():
            if community.settings.wall_enabled and community.settings.wall_token == token:
                return _named(community, self._uow._call())
        return None

    async def walls(self) -> list[Community]:
        state = self._uow._call()
        return [
            _named(state.communities[i], state)  # type: ignore[misc]
            for i in sorted(state.communities)
            if state.communities[i].settings.wall_enabled
        ]

    def _public(self, community_id: int) -> list[Story]:
        state = self._uow._call()
        stories = FakeStoryRepository._stories(state, community_id)
        return sorted((s for s in stories if s.publishable), key=lambda s: -s.number)

    async def page(
        self, community_id: int, tag: str | None, before: int | None, size: int
    ) -> PublishedSlice:
        found = [
            s
            for s in self._public(community_id)
            if (tag is None or tag in s.tags) and (before is None or s.number < before)
        ]
        page = [_copy(s) for s in found[: max(size, 0)]]
        return PublishedSlice(page, page[-1].number if len(found) > size and page else None)

    async def story(self, community_id: int, number: int) -> Story | None:
        return next((_copy(s) for s in self._public(community_id) if s.number == number), None)

    async def tag_counts(self, community_id: int, recent: int) -> list[tuple[str, int]]:
        counts: Counter[str] = Counter()
        for story in self._public(community_id)[: max(recent, 0)]:
            counts.update(set(story.tags))
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    async def tagged_since(
        self, community_id: int, since: dt.datetime
    ) -> list[tuple[dt.datetime, str]]:
        return [
            (s.created_at, tag)
            for s in self._public(community_id)
            if s.created_at >= since
            for tag in dict.fromkeys(s.tags)
        ]

    async def most_appreciated(
        self, community_id: int, since: dt.datetime, limit: int
    ) -> list[Story]:
        found = [
            s for s in self._public(community_id) if s.created_at >= since and s.appreciations > 0
        ]
        found.sort(key=lambda s: (-s.appreciations, s.created_at, s.number))
        return [_copy(s) for s in found[: max(limit, 0)]]


def _claim_key(feature: Feature, channel: ChannelRef) -> ClaimKey:
    return (feature.community_id, feature.week, feature.story_number, channel.key)


def _week_order(week: IsoWeek) -> tuple[int, int]:
    return (week.year, week.week)


class FakeFeatureRepository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    async def get(self, community_id: int, week: IsoWeek) -> Feature | None:
        return _copy(self._uow._call().features.get((community_id, week)))

    async def put(self, feature: Feature) -> Feature | None:
        state = self._featurable(feature)
        key = (feature.community_id, feature.week)
        previous = state.features.get(key)
        state.features[key] = _stored_feature(feature)
        state.weekly_due[feature.community_id] = self._uow.db.weekly_changed()
        return _copy(previous)

    async def add_if_absent(self, feature: Feature) -> bool:
        features = self._featurable(feature).features
        key = (feature.community_id, feature.week)
        if self._uow._taken("features", key):
            return False
        features[key] = _stored_feature(feature)
        return True

    def _featurable(self, feature: Feature) -> _State:
        """The staged state, if the featured story exists (a foreign key in SQL)."""
        state = self._uow._call()
        if (feature.community_id, feature.story_number) not in state.stories:
            raise LookupError(f"no story {feature.community_id}/{feature.story_number}")
        return state

    async def release(self, community_id: int, week: IsoWeek, story_number: int) -> bool:
        features = self._uow._call().features
        found = features.get((community_id, week))
        if found is None or found.story_number != story_number:
            return False
        del features[(community_id, week)]
        return True

    async def history(self, community_id: int, limit: int) -> list[Feature]:
        features = [
            f for f in self._uow._call().features.values() if f.community_id == community_id
        ]
        features.sort(key=lambda f: _week_order(f.week), reverse=True)
        return [_copy(f) for f in features[: max(limit, 0)]]

    async def weeks_by_story(self, community_id: int | None) -> dict[tuple[int, int], list[str]]:
        """Weeks in chronological order."""
        features = sorted(
            self._uow._call().features.values(),
            key=lambda f: (f.community_id, _week_order(f.week)),
        )
        weeks: dict[tuple[int, int], list[str]] = {}
        for f in features:
            if community_id is None or f.community_id == community_id:
                weeks.setdefault((f.community_id, f.story_number), []).append(str(f.week))
        return weeks

    async def claim_announcement(self, feature: Feature, channel: ChannelRef) -> bool:
        """No story, no claim: like SQL, where the claim row references the story."""
        state = self._uow._call()
        claims = state.claims
        key = _claim_key(feature, channel)
        if (feature.community_id, feature.story_number) not in state.stories:
            return False
        if self._uow._taken("claims", key):
            return False
        claims[key] = True
        return True

    async def release_announcement(self, feature: Feature, channel: ChannelRef) -> None:
        state = self._uow._call()
        state.claims.pop(_claim_key(feature, channel), None)
        state.weekly_due[feature.community_id] = self._uow.db.weekly_changed()

    async def claim_notice(
        self, community_id: int, week: IsoWeek, channel: ChannelRef, reason: str, at: dt.datetime
    ) -> bool:
        notices = self._uow._call().notices
        key = (community_id, week, channel.key, reason)
        if self._uow._taken("notices", key):
            return False
        notices[key] = at
        return True


class FakeDraftRepository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    async def put(self, key: str, payload: dict[str, Any], expires_at: dt.datetime) -> None:
        drafts = self._uow._call().drafts
        if self._uow._taken("drafts", key):
            raise Conflict(f"draft {key!r} exists")
        # Through JSON, as the database stores it: tuples come back as lists, and a payload
        # that would not survive the database fails here too.
        drafts[key] = (json.loads(json.dumps(payload)), expires_at)

    async def get(self, key: str, now: dt.datetime) -> dict[str, Any] | None:
        found = self._uow._call().drafts.get(key)
        if found is None or found[1] <= now:
            return None
        return _copy(found[0])

    async def purge(self, now: dt.datetime) -> int:
        drafts = self._uow._call().drafts
        expired = [key for key, (_, expires_at) in drafts.items() if expires_at <= now]
        for key in expired:
            del drafts[key]
        return len(expired)


class FakeLinkRepository:
    """The same moves as storage/links.py, on the in-memory tables."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    async def add_code(self, code: LinkCode) -> LinkCode:
        state = self._uow._call()
        if code.community_id not in state.communities:
            raise LookupError(f"no community {code.community_id}")
        if any(c.digest == code.digest for c in self._uow._visible("link_codes")):
            raise Conflict("duplicate link code digest")
        stored = dataclasses.replace(code, id=next(self._uow.db._link_ids))
        state.link_codes[stored.id] = _copy(stored)  # type: ignore[index]
        return _copy(stored)

    async def codes_since(self, since: dt.datetime) -> list[LinkCode]:
        codes = [c for c in self._uow._call().link_codes.values() if c.created_at >= since]
        codes.sort(key=lambda c: (c.created_at, c.id or 0))
        return [_copy(c) for c in codes]

    async def code_by_digest(self, digest: str) -> LinkCode | None:
        found = [c for c in self._uow._call().link_codes.values() if c.digest == digest]
        return _copy(found[0]) if found else None

    async def codes_made_since(self, space: SpaceRef, since: dt.datetime) -> int:
        codes = self._uow._call().link_codes.values()
        return sum(1 for c in codes if c.space == space and c.created_at >= since)

    async def use_code(self, code_id: int, at: dt.datetime) -> bool:
        code = self._uow._call().link_codes.get(code_id)
        live = self._uow.db._state.link_codes.get(code_id)
        if code is None or code.used_at is not None or (live is not None and live.used_at):
            return False
        code.used_at = at
        return True

    async def record_failure(self, space: SpaceRef, at: dt.datetime) -> None:
        self._uow._call().link_failures[next(self._uow.db._link_ids)] = (space, at)

    async def failures_since(self, space: SpaceRef, since: dt.datetime) -> int:
        failures = self._uow._call().link_failures.values()
        return sum(1 for where, at in failures if where == space and at >= since)

    async def prune(self, before: dt.datetime) -> None:
        state = self._uow._call()
        for key in [k for k, c in state.link_codes.items() if c.created_at < before]:
            del state.link_codes[key]
        for key in [k for k, (_, at) in state.link_failures.items() if at < before]:
            del state.link_failures[key]

    async def merge(self, source_id: int, target_id: int) -> list[tuple[int, int]]:
        state = self._uow._call()
        if source_id == target_id:
            raise ValueError("a community cannot merge into itself")
        if source_id not in state.communities or target_id not in state.communities:
            raise LookupError("no such community")
        start = state.counters.get(target_id, 0)
        olds = sorted(n for cid, n in state.stories if cid == source_id)
        mapping = [(old, start + i) for i, old in enumerate(olds, 1)]
        renumber = dict(mapping)
        target_keys = {
            row.story.client_key
            for (cid, _), row in state.stories.items()
            if cid == target_id and row.story.client_key is not None
        }
        for old, new in mapping:
            row = state.stories.pop((source_id, old))
            row.story.community_id, row.story.number = target_id, new
            if row.story.client_key in target_keys:
                row.story.client_key = None
            state.stories[(target_id, new)] = row
        for (cid, week), feature in list(state.features.items()):
            if cid != source_id:
                continue
            del state.features[(cid, week)]
            if (target_id, week) not in state.features:
                feature.community_id = target_id
                feature.story_number = renumber[feature.story_number]
                state.features[(target_id, week)] = feature
        for key in [k for k in state.claims if k[0] == source_id]:
            del state.claims[key]
            state.claims[(target_id, key[1], renumber[key[2]], key[3])] = True
        for code in state.link_codes.values():
            if code.community_id == source_id:
                code.community_id = target_id
        source = state.communities.pop(source_id)
        state.communities[target_id].spaces.extend(source.spaces)
        del state.counters[source_id]
        state.counters[target_id] = start + len(mapping)
        return mapping

    async def split(
        self, community_id: int, space: SpaceRef, settings: CommunitySettings
    ) -> tuple[Community, list[int]]:
        state = self._uow._call()
        community = state.communities.get(community_id)
        if community is None or space not in community.spaces:
            raise LookupError(f"space {space.key} is not in community {community_id}")
        community.spaces.remove(space)
        new = Community(
            id=next(self._uow.db._community_ids), settings=_copy(settings), spaces=[space]
        )
        state.communities[new.id] = new
        numbers = sorted(
            n
            for (cid, n), row in state.stories.items()
            if cid == community_id and row.story.origin == space
        )
        for number in numbers:
            row = state.stories.pop((community_id, number))
            row.story.community_id = new.id
            state.stories[(new.id, number)] = row
        moved = set(numbers)
        for (cid, week), feature in list(state.features.items()):
            if cid == community_id and feature.story_number in moved:
                del state.features[(cid, week)]
                feature.community_id = new.id
                state.features[(new.id, week)] = feature
        for key in [k for k in state.claims if k[0] == community_id and k[2] in moved]:
            del state.claims[key]
            state.claims[(new.id, *key[1:])] = True
        state.counters[new.id] = max(numbers, default=0)
        return _copy(new), numbers


DEFAULT_NOW = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)  # a Monday, 2026-W02


class FakeClock:
    """A bot.ports.Clock that stands still until told: `clock.now = …` or `clock.advance(…)`."""

    def __init__(self, now: dt.datetime = DEFAULT_NOW) -> None:
        self.now = now

    @property
    def now(self) -> dt.datetime:
        return self._now

    @now.setter
    def now(self, value: dt.datetime) -> None:
        if value.utcoffset() is None:
            raise ValueError("FakeClock needs a timezone-aware datetime")
        self._now = value.astimezone(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self._now

    def advance(self, **delta: float) -> dt.datetime:
        """Move forward by `timedelta(**delta)`; returns the new time."""
        self._now += dt.timedelta(**delta)
        return self._now


class FakeAnnouncer:
    """An Announcer and a Directory of one platform. Records every announcement in
    `.posted`; `fail_with(reason)` fails the next one; `.names` is who the directory knows."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.posted: list[tuple[ChannelRef, Reply]] = []
        self.notices: list[tuple[SpaceRef, list[str], Reply]] = []
        self.names: dict[str, str] = {}  # what display_names knows, by user id
        self._failures: deque[str] = deque()

    def fail_with(self, reason: str) -> None:
        """The next announce raises AnnounceFailed(reason); calls queue up."""
        self._failures.append(reason)

    async def announce(self, channel: ChannelRef, reply: Reply) -> None:
        if channel.space.platform != self.platform:
            raise AssertionError(f"{self.platform} announcer asked to post to {channel.key}")
        if self._failures:
            raise AnnounceFailed(self._failures.popleft())
        self.posted.append((channel, reply))

    async def notify_moderators(self, space: SpaceRef, user_ids: list[str], reply: Reply) -> None:
        self.notices.append((space, user_ids, reply))

    async def display_names(self, space: SpaceRef, user_ids: list[str]) -> dict[str, str]:
        return {u: self.names[u] for u in user_ids if u in self.names}
