"""Small builders for storage tests: stories, docs, communities, committed submissions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from bot.domain import (
    Author,
    ChannelRef,
    CommunitySettings,
    Feature,
    IsoWeek,
    Platform,
    SpaceRef,
    Status,
    Story,
)
from bot.ports import SearchDoc, UnitOfWork

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)  # Monday of 2026-W02

UowFactory = Callable[[], UnitOfWork]


def make_story(community_id: int, number: int, **fields: Any) -> Story:
    fields.setdefault("text", f"Story {number}: the support team went the extra mile.")
    fields.setdefault("title", f"Story {number}")
    fields.setdefault("author", Author(Platform.SLACK, "U1", "Ann"))
    fields.setdefault("created_at", T0)
    fields.setdefault("updated_at", fields["created_at"])
    return Story(community_id=community_id, number=number, **fields)


def make_doc(body: str = "", strong: str = "") -> SearchDoc:
    return SearchDoc(body=body or strong, strong=strong)


async def new_community(uows: UowFactory, external_id: str = "T1") -> int:
    async with uows() as uow:
        community = await uow.communities.create(
            SpaceRef(Platform.SLACK, external_id), CommunitySettings()
        )
        await uow.commit()
    return community.id


async def submit(
    uows: UowFactory, community_id: int, doc: SearchDoc | None = None, **fields: Any
) -> Story:
    """Reserve the next number and add a story, in one committed unit of work."""
    async with uows() as uow:
        number = await uow.communities.next_story_number(community_id)
        story = await uow.stories.add(
            make_story(community_id, number, **fields), doc or make_doc("word")
        )
        await uow.commit()
    return story


async def submit_many(
    uows: UowFactory, community_id: int, count: int, **fields: Any
) -> list[Story]:
    return [await submit(uows, community_id, **fields) for _ in range(count)]


def numbers(items: Sequence[Any]) -> list[int]:
    """Story numbers of a list of Story or Ranked."""
    return [getattr(item, "story", item).number for item in items]


def make_feature(community_id: int, number: int, week: str = "2026-W02", **fields: Any) -> Feature:
    fields.setdefault("featured_by", None)
    fields.setdefault("note", None)
    fields.setdefault("featured_at", T0)
    return Feature(
        community_id=community_id, week=IsoWeek.parse(week), story_number=number, **fields
    )


HIDDEN = Status.HIDDEN
PUBLISHED = Status.PUBLISHED
CHANNEL = ChannelRef(SpaceRef(Platform.SLACK, "T1"), "C-HIGHLIGHT")
