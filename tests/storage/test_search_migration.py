"""Migration "lemmas": stories stored before it are indexed again by the core's new rules."""

from __future__ import annotations

import asyncio

from alembic import command

from bot import search_text
from bot.ports import SearchDoc
from storage import create_engine, uow_factory
from storage.migrate import alembic_config, upgrade
from tests.storage.builders import make_story, new_community


async def test_upgrade_reindexes_stories_stored_with_stems(empty_url: str) -> None:
    await upgrade(empty_url)
    engine = create_engine(empty_url)
    uows = uow_factory(engine)
    try:
        community = await new_community(uows)
        story = make_story(
            community, 1, title="Leveransen", text="Vi ordnade ersättningsbussar och bytte tåg."
        )
        async with uows() as uow:
            # What the Snowball-only rules stored before the migration.
            await uow.stories.add(
                story, SearchDoc(body="leverans ordn ersättningsbuss bytt", strong="leverans")
            )
            await uow.commit()

        async def found(words: str) -> list[tuple[int, int]]:
            async with uows() as uow:
                page = await uow.stories.search(community, search_text.query(words), None, 5)
            return [(r.story.number, r.rank) for r in page.items]

        assert await found("byta") == []  # the old index knows no lemmas
        await engine.dispose()
        config = alembic_config(empty_url)
        # Back to the revision before lemmas, then up again: the re-index runs.
        await asyncio.to_thread(command.downgrade, config, "lemmas-1")
        await upgrade(empty_url)

        assert await found("byta") == [(1, 1)]  # "bytte" is indexed as "byta" now
        assert await found("leveranser") == [(1, 2)]  # in the title
        assert await found("buss") == [(1, 0)]  # a compound part
    finally:
        await engine.dispose()
