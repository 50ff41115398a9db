"""Look into a bot's database from outside, the way an auditor would after a fault.

`consistency_problems` lists every way a story could be half-stored: a number used twice, tags
that disagree with story_tags, a story missing from (or left behind in) the search index, or a
community counter behind its stories. An empty list means every story is whole.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from storage import normalise_url


@dataclass(frozen=True)
class StoredStory:
    id: int
    community_id: int
    number: int
    text: str
    tags: tuple[str, ...]


async def _query(database_url: str, work: Any) -> Any:
    engine = create_async_engine(normalise_url(database_url), poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await work(connection)
    finally:
        await engine.dispose()


async def stories(database_url: str) -> list[StoredStory]:
    async def read(connection: AsyncConnection) -> list[StoredStory]:
        rows = await connection.execute(
            text("SELECT id, community_id, number, text, tags FROM stories ORDER BY id")
        )
        return [
            StoredStory(r.id, r.community_id, r.number, r.text, tuple(_json_list(r.tags)))
            for r in rows
        ]

    return list(await _query(database_url, read))


async def consistency_problems(database_url: str) -> list[str]:
    async def check(connection: AsyncConnection) -> list[str]:
        problems: list[str] = []
        found = [
            tuple(r)
            for r in await connection.execute(
                text("SELECT id, community_id, number, tags, search_body FROM stories")
            )
        ]
        seen: dict[tuple[int, int], int] = {}
        for story_id, community, number, _tags, body in found:
            if (community, number) in seen:
                problems.append(f"number {number} used twice in community {community}")
            seen[(community, number)] = story_id
            if not body:
                problems.append(f"story {story_id} has no search text")

        tagged: dict[int, set[str]] = defaultdict(set)
        for story_id, tag, number in await connection.execute(
            text("SELECT story_id, tag, number FROM story_tags")
        ):
            tagged[story_id].add(tag)
            owner = next((s for s in found if s[0] == story_id), None)
            if owner is None:
                problems.append(f"story_tags row for missing story {story_id}")
            elif owner[2] != number:
                problems.append(f"story_tags of story {story_id} carry number {number}")
        for story_id, _community, _number, tags, _body in found:
            if set(_json_list(tags)) != tagged.get(story_id, set()):
                problems.append(f"story {story_id}: tags {tags} but story_tags {tagged[story_id]}")

        for community, last in await connection.execute(
            text("SELECT id, last_number FROM communities")
        ):
            highest = max((n for (c, n) in seen if c == community), default=0)
            if last < highest:
                problems.append(f"community {community} counter {last} < story {highest}")

        if connection.dialect.name == "sqlite":
            # One docsize row per indexed document: exactly the stories, no more, no fewer.
            indexed = {
                r[0] for r in await connection.execute(text("SELECT id FROM stories_fts_docsize"))
            }
            stored = {s[0] for s in found}
            if indexed != stored:
                problems.append(f"search index {sorted(indexed ^ stored)} out of step")
        return problems

    return list(await _query(database_url, check))


def _json_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return list(json.loads(value))
    return list(value or [])
