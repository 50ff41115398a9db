"""What the core needs from the outside world, as protocols.

storage/ implements the repositories and the unit of work; adapters implement the announcer;
tests implement all of them with small in-memory fakes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, Protocol, Self

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
from bot.replies import Reply

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True, slots=True)
class SearchDoc:
    """Pre-stemmed text the core hands to storage, so both databases index the same words.

    `body` holds the terms of title, text, customer and tags; `strong` the terms of the title
    and tags only, which rank a story higher; `parts` the terms of Swedish compound parts that
    are not in `body` ("faktura" for "fakturafelet"), which rank it lower.
    """

    body: str
    strong: str
    parts: str = ""


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """Every group must match; a group matches when any of its terms does. A group whose
    `in_parts` flag is set may also match through compound parts (missing flags: False)."""

    groups: tuple[tuple[str, ...], ...]
    in_parts: tuple[bool, ...] = ()


@dataclass(frozen=True, slots=True)
class Keyset:
    """A position in a list ordered by (rank desc, number desc).

    `older` pages continue after the position, `newer` pages come before it.
    """

    direction: Literal["older", "newer"]
    rank: int
    number: int


@dataclass(frozen=True, slots=True)
class Ranked:
    story: Story
    rank: int = 0


@dataclass(frozen=True, slots=True)
class Slice:
    """Up to `size` stories in display order, and whether more lie beyond in that direction."""

    items: list[Ranked]
    more: bool


@dataclass(frozen=True, slots=True)
class RateLog:
    """How StoryRepository.add_next logs a submission for the rate limit, as
    CommunityRepository.log_submission: refused when `limit` submissions by the story's author
    are logged since `since`, or when `space`, where it was made, no longer belongs to the
    story's community."""

    since: dt.datetime
    limit: int
    space: SpaceRef


class CommunityRepository(Protocol):
    async def for_space(self, space: SpaceRef) -> Community | None: ...

    async def owner_of(self, space: SpaceRef) -> int | None:
        """The id of the community `space` belongs to; for_space without the community."""
        ...

    async def create(self, space: SpaceRef, settings: CommunitySettings) -> Community: ...

    async def get(self, community_id: int) -> Community | None: ...

    async def save_settings(self, community: Community) -> None: ...

    async def name_space(self, space: SpaceRef, name: str) -> None:
        """Remember what the platform calls `space` (it keeps its name when it moves between
        communities); a space no community owns is left alone."""
        ...

    async def all_ids(self) -> list[int]: ...

    async def weekly_due(self, now: dt.datetime) -> list[tuple[int, dt.datetime]]:
        """(id, weekly_due_at) of the communities the weekly job has not settled up to `now`:
        one indexed query. A new community, a settings change and a moderator's pick make a
        community due."""
        ...

    async def settle_weekly(self, community_id: int, seen: dt.datetime, until: dt.datetime) -> bool:
        """Nothing for the weekly job here before `until`, unless the community changed since
        its weekly_due_at was read as `seen` (then False, and it stays due)."""
        ...

    async def next_story_number(self, community_id: int) -> int:
        """Reserve the next number; the reservation holds a lock until commit or rollback."""
        ...

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
        """Log one submission for the rate limit unless `limit` are already logged since
        `since`, or `space` (where it was made) no longer belongs to the community; whether it
        was logged. Check and log are one step, so callers that hold the community's counter
        (as StoryRepository.add_next does) cannot both pass the limit."""
        ...

    async def forget_submissions(self, before: dt.datetime) -> int:
        """Drop every community's log entries older than `before`; how many went."""
        ...

    async def submissions_since(
        self, community_id: int, platform: Platform, user_id: str, since: dt.datetime
    ) -> int:
        """Submissions logged since `since`, whether their stories still exist or not."""
        ...


class StoryRepository(Protocol):
    async def add(self, story: Story, doc: SearchDoc) -> Story:
        """Store under `story.number`; Conflict when the number or client key is taken."""
        ...

    async def add_next(self, story: Story, doc: SearchDoc, log: RateLog) -> Story | None:
        """Reserve the community's next number, store the story under it and log the
        submission: CommunityRepository.next_story_number, `add` and log_submission (by the
        story's author, at its created_at), in one call so a database may do all three in one
        statement. The reservation locks the counter until commit or rollback, and the log
        reads what committed before the lock was taken. None when the log refused: the caller
        must not commit. Conflict when the client key is taken, whether or not the log would
        have refused (a retry of the story that reached the limit is that story, not one too
        many); LookupError when there is no such community."""
        ...

    async def get(self, community_id: int, number: int) -> Story | None: ...

    async def by_client_key(self, community_id: int, client_key: str) -> Story | None: ...

    async def update(self, story: Story, doc: SearchDoc) -> None: ...

    async def delete(self, community_id: int, number: int) -> bool: ...

    async def count_by_author_since(
        self, community_id: int, platform: Platform, user_id: str, since: dt.datetime
    ) -> int: ...

    async def browse(
        self, community_id: int, tag: str | None, position: Keyset | None, size: int
    ) -> Slice: ...

    async def search(
        self, community_id: int, query: SearchQuery, position: Keyset | None, size: int
    ) -> Slice: ...

    async def tag_counts(self, community_id: int) -> list[tuple[str, int]]:
        """Tags of published stories with their counts, most used first, then by slug."""
        ...

    async def appreciate(
        self, story: Story, platform: Platform, user_id: str, at: dt.datetime
    ) -> bool:
        """Record one appreciation; False when this user had already given one."""
        ...

    async def most_appreciated(
        self, community_id: int, since: dt.datetime, until: dt.datetime, limit: int
    ) -> list[Story]:
        """Published stories created in [since, until), most appreciated first, ties earliest."""
        ...

    async def export(self, community_id: int | None) -> list[Story]: ...


@dataclass(frozen=True, slots=True)
class PublishedSlice:
    """Public stories newest first; `older` is the number to continue below, if any."""

    stories: list[Story]
    older: int | None


class PublishedRepository(Protocol):
    """What the public web wall may read: only stories of a wall that is on, with the
    customer's consent and the author's choice, neither hidden nor deleted."""

    async def wall(self, token: str) -> Community | None:
        """The community whose wall is on at this token; None for unknown or off alike."""
        ...

    async def walls(self) -> list[Community]:
        """Every community whose wall is on."""
        ...

    async def page(
        self, community_id: int, tag: str | None, before: int | None, size: int
    ) -> PublishedSlice:
        """Up to `size` public stories numbered below `before` (all when None), newest first."""
        ...

    async def story(self, community_id: int, number: int) -> Story | None: ...

    async def tag_counts(self, community_id: int, recent: int) -> list[tuple[str, int]]:
        """Tags of the newest `recent` public stories with their counts, most used first,
        then by slug."""
        ...

    async def tagged_since(
        self, community_id: int, since: dt.datetime
    ) -> list[tuple[dt.datetime, str]]:
        """(created at, tag) for every tag of every public story created at or after `since`:
        only two columns, so the insights read a quarter's tags, not its stories."""
        ...

    async def most_appreciated(
        self, community_id: int, since: dt.datetime, limit: int
    ) -> list[Story]:
        """Public stories created at or after `since` with at least one appreciation, most
        appreciated first, ties earliest first."""
        ...


class FeatureRepository(Protocol):
    async def get(self, community_id: int, week: IsoWeek) -> Feature | None: ...

    async def put(self, feature: Feature) -> Feature | None:
        """Feature a story for its week, replacing any earlier pick; returns the replaced."""
        ...

    async def add_if_absent(self, feature: Feature) -> bool:
        """Insert unless the week already has a feature (safe across processes)."""
        ...

    async def release(self, community_id: int, week: IsoWeek, story_number: int) -> bool:
        """Remove the week's feature if it is that story (hidden since); False if it was not."""
        ...

    async def history(self, community_id: int, limit: int) -> list[Feature]:
        """Newest week first."""
        ...

    async def weeks_by_story(self, community_id: int | None) -> dict[tuple[int, int], list[str]]:
        """(community id, story number) -> ISO weeks it was featured in."""
        ...

    async def claim_announcement(self, feature: Feature, channel: ChannelRef) -> bool:
        """True for exactly one caller per (week, story, channel), across processes."""
        ...

    async def release_announcement(self, feature: Feature, channel: ChannelRef) -> None: ...

    async def claim_notice(
        self, community_id: int, week: IsoWeek, channel: ChannelRef, reason: str, at: dt.datetime
    ) -> bool:
        """True for exactly one caller per (community, week, channel, reason), across
        processes: whoever gets it tells the moderators about that failed announcement."""
        ...


class DraftRepository(Protocol):
    """Short-lived JSON payloads under random keys (an adapter's form drafts), shared by every
    process so that a draft saved by one can be reopened by another, or after a restart."""

    async def put(self, key: str, payload: dict[str, Any], expires_at: dt.datetime) -> None:
        """Store a new draft; Conflict if the key is taken."""
        ...

    async def get(self, key: str, now: dt.datetime) -> dict[str, Any] | None:
        """The payload, or None when there is no such draft or it expired by `now`."""
        ...

    async def purge(self, now: dt.datetime) -> int:
        """Delete drafts expired by `now`; how many."""
        ...


class LinkRepository(Protocol):
    """Link codes, wrong-code attempts, and moving stories between communities."""

    async def add_code(self, code: LinkCode) -> LinkCode: ...

    async def codes_since(self, since: dt.datetime) -> list[LinkCode]:
        """Every code made at or after `since`, used or not, oldest first."""
        ...

    async def code_by_digest(self, digest: str) -> LinkCode | None:
        """The code with this digest (an indexed lookup), used or not."""
        ...

    async def codes_made_since(self, space: SpaceRef, since: dt.datetime) -> int:
        """How many codes `space` made at or after `since`."""
        ...

    async def use_code(self, code_id: int, at: dt.datetime) -> bool:
        """Mark a code used; False when it already was (exactly one user, across processes)."""
        ...

    async def record_failure(self, space: SpaceRef, at: dt.datetime) -> None: ...

    async def failures_since(self, space: SpaceRef, since: dt.datetime) -> int: ...

    async def prune(self, before: dt.datetime) -> None:
        """Forget codes made and wrong codes typed before `before`."""
        ...

    async def merge(self, source_id: int, target_id: int) -> list[tuple[int, int]]:
        """Move all of community `source_id` into `target_id`, then delete the source.

        Both story counters are locked first (lower id first), so a submission in either
        community waits for the move or fails after it; it never gets a duplicate number.
        Stories get the numbers after the target's counter, in their old order; tags,
        appreciations, announcement claims and spaces follow them; features follow unless the
        target already has one that week (the target's wins). A moved client key the target
        already uses is cleared. Returns (old, new) numbers in old order.
        """
        ...

    async def split(
        self, community_id: int, space: SpaceRef, settings: CommunitySettings
    ) -> tuple[Community, list[int]]:
        """Give `space` a new community with `settings`, and move to it the stories told in
        `space` with their numbers, tags, appreciations, features and claims. Returns the new
        community and the moved numbers, ascending."""
        ...


class UnitOfWork(Protocol):
    communities: CommunityRepository
    stories: StoryRepository
    features: FeatureRepository
    drafts: DraftRepository
    links: LinkRepository
    published: PublishedRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False, single_write: bool = False) -> UnitOfWork:
        """A new unit of work. A read-only one takes no write lock (readers never queue behind
        a writer) and any write inside it fails: for commands that write nothing.

        A single-write one holds one write call, StoryRepository.add_next (reads besides it are
        fine), and storage commits it as suits the database. It may share its transaction and
        its durable commit with other single-write units of work running at the same time (one
        disk flush for many submissions); leaving it without a commit then undoes only its own
        writes, and its commit() returns once the shared transaction is durable and raises if
        it failed. Or the write call may be a transaction of its own, when a database can do
        all of it in one statement that writes everything or nothing. Either way, keep its work
        to the database: others may wait their turn meanwhile."""
        ...


class AnnounceFailed(Exception):
    """The announcer could not post; `reason` is a key of bot.weekly.ANNOUNCE_PROBLEMS."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Announcer(Protocol):
    platform: Platform

    async def announce(self, channel: ChannelRef, reply: Reply) -> None:
        """Post a public message to a channel; raise AnnounceFailed when it cannot."""
        ...

    async def notify_moderators(self, space: SpaceRef, user_ids: list[str], reply: Reply) -> None:
        """Tell a space's moderators privately (e.g. a direct message) that something needs
        fixing. `user_ids` are the community's configured moderators on this platform; the
        adapter may add whom the platform itself knows as admins. Must not raise."""
        ...


class Directory(Protocol):
    """Who is who on a platform: the names people see there. Separate from the Announcer,
    which posts; an adapter may implement both in one class."""

    platform: Platform

    async def display_names(self, space: SpaceRef, user_ids: list[str]) -> dict[str, str]:
        """Display names of users of `space`, by id; unknown ones left out. Must not raise."""
        ...


AnnouncerMap = Sequence[Announcer]
