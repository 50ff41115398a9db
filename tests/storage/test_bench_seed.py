"""`storybot bench` seeds in bulk; the rows must be exactly what the core itself stores."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import corpus
from bench import database as storage_bench
from bot.commands import Actor, StoryInput, Submit
from bot.core import Core
from bot.domain import Platform, SpaceRef
from bot.indexing import search_doc
from bot.search_text import query
from storage import create_engine, uow_factory
from tests.storage.conftest import PG_ENV

STORIES = 150
SMALL = 4
# Everything but what the database or the submission assigns (id, community, number, key).
COMPARED = (
    "title, text, customer, credited, tags, author_platform, author_id, author_name, "
    "anonymous, consent, status, source_url, appreciations, created_at, updated_at, "
    "search_body, search_strong, search_parts"
)


@pytest.fixture
async def seeded(backend: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'bench.db'}"
    else:
        base = make_url(storage_bench.normalise_url(os.environ[PG_ENV]))
        url = base.set(database=f"bench_{uuid.uuid4().hex[:10]}").render_as_string(False)
    database = await storage_bench.fresh_database(url)
    engine = create_engine(database.url)
    try:
        plan = await storage_bench.seed(database.url, STORIES, small=SMALL)
        assert plan.communities == 1 + SMALL
        yield engine
    finally:
        await engine.dispose()
        await database.drop()


async def _rows(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as connection:
        return list(await connection.execute(text(sql), params))


async def test_a_seeded_story_is_stored_as_the_core_stores_the_same_submission(
    seeded: AsyncEngine,
) -> None:
    """Submit the text of seeded stories through the core (same author, same clock) and
    compare the raw column values: JSON text, booleans, timestamps, search text, tags."""
    samples = await _rows(
        seeded, f"SELECT id, {COMPARED} FROM stories WHERE appreciations = 0 ORDER BY id LIMIT 12"
    )
    assert any(row.customer for row in samples) and any(not row.customer for row in samples)
    story_ids = [row.id for row in samples]
    for index, seeded_row in enumerate(samples):
        at = (await _stories(seeded, seeded_row.id))[0].created_at
        core = Core(uow_factory(seeded), lambda at=at: at)
        space = SpaceRef(Platform.SLACK, f"T-CORE-{index}")
        author = Actor(space, seeded_row.author_id, seeded_row.author_name)
        story = StoryInput(
            text=seeded_row.text,
            title=seeded_row.title,
            customer=seeded_row.customer,
            tags=tuple((await _stories(seeded, seeded_row.id))[0].tags),
            anonymous=bool(seeded_row.anonymous),
            consent=bool(seeded_row.consent),
        )
        reply = await core.handle(Submit(story, client_key=f"core-{index}"), author)
        assert not reply.error, reply
        [core_row] = await _rows(
            seeded,
            f"SELECT id, {COMPARED} FROM stories WHERE client_key = :key",
            key=f"core-{index}",
        )
        assert tuple(core_row)[1:] == tuple(seeded_row)[1:]
        tags_of = "SELECT tag FROM story_tags WHERE story_id = :id ORDER BY tag"
        assert await _rows(seeded, tags_of, id=core_row.id) == await _rows(
            seeded, tags_of, id=seeded_row.id
        )
    assert len(set(story_ids)) == len(samples)


async def _stories(engine: AsyncEngine, story_id: int) -> list[Any]:
    async with uow_factory(engine)() as uow:
        return [s for s in await uow.stories.export(None) if s.id == story_id]


async def test_every_seeded_row_agrees_with_the_core_rules(seeded: AsyncEngine) -> None:
    async with uow_factory(seeded)() as uow:
        stories = await uow.stories.export(None)
    assert len(stories) == STORIES
    raw = {
        row.id: row
        for row in await _rows(
            seeded, "SELECT id, search_body, search_strong, search_parts FROM stories"
        )
    }
    for story in stories:
        doc = search_doc(story)  # the rule every write of the core follows
        row = raw[story.id]
        assert (row.search_body, row.search_strong, row.search_parts) == (
            doc.body,
            doc.strong,
            doc.parts,
        )

    # Numbers are 1..n per community with no gaps, and the counter says n.
    counters = dict(await _rows(seeded, "SELECT id, last_number FROM communities"))
    assert len(counters) == 1 + SMALL
    by_community: dict[int, list[int]] = {}
    for story in stories:
        by_community.setdefault(story.community_id, []).append(story.number)
    for community_id, numbers in by_community.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
        assert counters[community_id] == len(numbers)
    large = by_community[storage_bench.LARGE_COMMUNITY]
    assert len(large) > STORIES / 2  # one large community holds most stories

    # story_tags mirrors stories.tags; appreciation rows add up to the counts.
    tag_rows = await _rows(seeded, "SELECT story_id, community_id, tag, number FROM story_tags")
    expected = {(s.id, s.community_id, tag, s.number) for s in stories for tag in s.tags}
    assert {tuple(row) for row in tag_rows} == expected
    likes = dict(
        await _rows(seeded, "SELECT story_id, count(*) FROM appreciations GROUP BY story_id")
    )
    assert {s.id: s.appreciations for s in stories if s.appreciations} == likes
    assert likes, "some stories are appreciated"

    # The large community's wall is on (the web figures read it); a share of its stories is
    # public on it (customer consent and the author's wall choice), the others are not.
    walls = await _rows(seeded, "SELECT id, wall_token FROM communities WHERE wall_enabled")
    assert walls == [(storage_bench.LARGE_COMMUNITY, storage_bench.WALL_TOKEN)]
    public = [s for s in stories if s.consent and s.on_wall]
    assert 0 < len(public) < len(stories) / 2
    assert any(s.on_wall and not s.consent for s in stories)

    # The tag list's counters agree with the stories.
    counted: dict[tuple[int, str], int] = {}
    for story in stories:
        for tag in story.tags:
            counted[(story.community_id, tag)] = counted.get((story.community_id, tag), 0) + 1
    kept = await _rows(seeded, "SELECT community_id, tag, stories FROM tag_counts")
    assert {(c, t): n for c, t, n in kept} == counted


async def test_the_seeded_text_is_searchable_through_the_repository(seeded: AsyncEngine) -> None:
    """The full-text index was built after loading (FTS5 rebuild, GIN after COPY)."""
    async with uow_factory(seeded)() as uow:
        rare = await uow.stories.search(
            storage_bench.LARGE_COMMUNITY, query(corpus.RARE_WORD), None, 10
        )
        swedish = await uow.stories.search(
            storage_bench.LARGE_COMMUNITY, query(corpus.SWEDISH_INFLECTED), None, 10
        )
    assert [item.story.number for item in rare.items] == [
        storage_bench.SeedPlan(STORIES, SMALL).number(7)
    ]
    assert swedish.items and all(
        "förseningen" in item.story.text or "försening" in item.story.text for item in swedish.items
    )


async def test_the_bench_refuses_a_database_that_already_exists(tmp_path: Path) -> None:
    path = tmp_path / "mine.db"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="already exists"):
        await storage_bench.fresh_database(f"sqlite:///{path}")
    assert path.exists()


def test_seed_plan_numbers_match_the_order_of_arrival() -> None:
    plan = storage_bench.SeedPlan(1000, small=7)
    seen: dict[int, int] = {}
    for index in range(plan.stories):
        community = plan.community(index)
        seen[community] = seen.get(community, 0) + 1
        assert plan.number(index) == seen[community]
    assert storage_bench.last_numbers(plan) == seen


async def test_the_bench_measures_every_core_figure_on_this_backend(
    backend: str, tmp_path: Path
) -> None:
    """The raw floors replay through this backend's own driver (aiosqlite or asyncpg),
    submissions included, and the bench drops the database it made."""
    from bench import runner

    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'run.db'}"
    else:
        base = make_url(storage_bench.normalise_url(os.environ[PG_ENV]))
        url = base.set(database=f"bench_{uuid.uuid4().hex[:10]}").render_as_string(False)
    options = runner.Options(
        database=url, sizes=[300], samples=3, platforms=False, small_communities=5, out=str
    )
    [run] = await runner.run(options)
    assert run.skipped == ["platforms (--skip-platforms)"]
    # search: two words and a part; weekly idle; 50 at once; the wall's 3 pages and 3 feeds
    assert len(run.figures) == 21
    for figure in run.figures:
        assert not figure.failed, (figure.name, figure.note)
        assert len(figure.samples_ms) >= 3, figure.name
        assert len(figure.floor_ms) >= 3 or figure.floor == "none", figure.name
    assert run.submit_per_second > 0
    crowd = run.figures[14]
    assert crowd.name == "submit, 50 concurrent submitters" and len(crowd.samples_ms) == 500
    assert crowd.per_second > 0 and "none lost or duplicated" in crowd.note
    web = [f for f in run.figures if f.name.startswith("web ")]
    assert len(web) == 6 and all(f.target_p99_ms == 20 for f in web)
    # Dropped afterwards: the same name can be created again.
    again = await storage_bench.fresh_database(url)
    await again.drop()
