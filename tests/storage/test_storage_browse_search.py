"""Browse and search: keyset paging both ways, AND-of-OR matching, ranking, index use.

The last tests replay one seeded corpus into the in-memory fake of the ports and into the real
database, and demand the same pages from both: so SQLite and PostgreSQL agree with each other
because each agrees with the fake.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain import Author, CommunitySettings, Platform, SpaceRef
from bot.ports import Keyset, SearchDoc, SearchQuery, Slice, UnitOfWork
from storage import stories as stories_sql
from storage.models import StoryRow
from tests.fakes.memory import FakeDatabase
from tests.storage.builders import (
    HIDDEN,
    PUBLISHED,
    T0,
    UowFactory,
    make_doc,
    make_story,
    new_community,
    numbers,
    submit,
    submit_many,
)


def older(item: Any) -> Keyset:
    return Keyset("older", item.rank, item.story.number)


def newer(item: Any) -> Keyset:
    return Keyset("newer", item.rank, item.story.number)


def rank_zero(page: Slice) -> bool:
    return all(item.rank == 0 for item in page.items)


def query(*groups: str) -> SearchQuery:
    """query("a b", "c") is (a OR b) AND c."""
    return SearchQuery(tuple(tuple(group.split()) for group in groups))


# Browse ------------------------------------------------------------------------------------


async def test_browse_pages_older_and_newer_skipping_hidden(uows: UowFactory) -> None:
    community = await new_community(uows)
    for n in range(1, 13):
        await submit(uows, community, status=HIDDEN if n in (4, 9) else PUBLISHED)
    async with uows() as uow:
        browse = uow.stories.browse
        first = await browse(community, None, None, 4)
        assert (numbers(first.items), first.more) == ([12, 11, 10, 8], True)
        second = await browse(community, None, older(first.items[-1]), 4)
        assert (numbers(second.items), second.more) == ([7, 6, 5, 3], True)
        third = await browse(community, None, older(second.items[-1]), 4)
        assert (numbers(third.items), third.more) == ([2, 1], False)
        # Back up again: the page right above the position, in display order.
        back = await browse(community, None, newer(third.items[0]), 4)
        assert (numbers(back.items), back.more) == ([7, 6, 5, 3], True)
        top = await browse(community, None, newer(back.items[0]), 4)
        assert (numbers(top.items), top.more) == ([12, 11, 10, 8], False)
        short = await browse(community, None, newer(second.items[1]), 4)
        assert (numbers(short.items), short.more) == ([11, 10, 8, 7], True)
        assert rank_zero(first)


async def test_browse_by_tag(uows: UowFactory) -> None:
    community = await new_community(uows)
    tags = [["a"], ["b"], ["a", "b"], ["a"], ["a"], ["a"]]
    for n, t in enumerate(tags, 1):
        await submit(uows, community, tags=t, status=HIDDEN if n == 5 else PUBLISHED)
    async with uows() as uow:
        page = await uow.stories.browse(community, "a", None, 2)
        assert (numbers(page.items), page.more) == ([6, 4], True)
        page = await uow.stories.browse(community, "a", older(page.items[-1]), 2)
        assert (numbers(page.items), page.more) == ([3, 1], False)
        page = await uow.stories.browse(community, "b", None, 5)
        assert (numbers(page.items), page.more) == ([3, 2], False)
        assert (await uow.stories.browse(community, "nope", None, 5)).items == []


async def test_browse_pages_stay_put_when_stories_arrive_between_pages(
    uows: UowFactory,
) -> None:
    community = await new_community(uows)
    await submit_many(uows, community, 6, tags=["t"])
    async with uows() as uow:
        first = await uow.stories.browse(community, "t", None, 3)
    await submit_many(uows, community, 2, tags=["t"])  # 7 and 8 arrive while reading page 1
    async with uows() as uow:
        second = await uow.stories.browse(community, "t", older(first.items[-1]), 3)
        assert (numbers(second.items), second.more) == ([3, 2, 1], False)
        above = await uow.stories.browse(community, "t", newer(first.items[0]), 3)
        assert (numbers(above.items), above.more) == ([8, 7], False)


async def test_page_size_zero_only_says_whether_there_is_more(uows: UowFactory) -> None:
    community = await new_community(uows)
    await submit(uows, community)
    async with uows() as uow:
        page = await uow.stories.browse(community, None, None, 0)
    assert page.items == [] and page.more is True


# Search ------------------------------------------------------------------------------------


async def _corpus(uows: UowFactory) -> int:
    community = await new_community(uows)
    docs = [
        ("kund hjälp snabb", "kund"),  # 1
        ("kund vänlig", "vänlig"),  # 2
        ("hjälp telefon", ""),  # 3
        ("kund telefon vänlig", "telefon"),  # 4
        ("snabb", "snabb"),  # 5
        ("kund hjälp", "kund hjälp"),  # 6
    ]
    for body, strong in docs:
        await submit(uows, community, make_doc(body, strong))
    await submit(uows, community, make_doc("kund hjälp", "kund hjälp"), status=HIDDEN)  # 7
    return community


async def test_search_is_an_and_of_ors(uows: UowFactory) -> None:
    community = await _corpus(uows)
    async with uows() as uow:

        async def hits(*groups: str) -> list[int]:
            page = await uow.stories.search(community, query(*groups), None, 10)
            return sorted(numbers(page.items))

        assert await hits("kund") == [1, 2, 4, 6]
        assert await hits("kund", "hjälp") == [1, 6]
        assert await hits("vänlig telefon") == [2, 3, 4]
        assert await hits("vänlig telefon", "kund") == [2, 4]
        assert await hits("saknas") == []
        assert await hits("kund", "saknas") == []
        assert await hits("kund saknas") == [1, 2, 4, 6]


async def test_search_ranks_strong_matches_first_then_newest(uows: UowFactory) -> None:
    community = await _corpus(uows)
    async with uows() as uow:
        page = await uow.stories.search(community, query("kund", "hjälp vänlig"), None, 10)
    # Tier 2: every group in the title or tags (6); tier 1: the rest, newest first (4, 2, 1),
    # however many groups they have among the strong words (1 and 2 have one, 4 none).
    assert [(r.story.number, r.rank) for r in page.items] == [(6, 2), (4, 1), (2, 1), (1, 1)]


async def test_search_pages_across_ranks_both_ways(uows: UowFactory) -> None:
    community = await _corpus(uows)
    q = query("kund", "hjälp vänlig")
    async with uows() as uow:
        search = uow.stories.search
        first = await search(community, q, None, 2)
        assert ([(r.story.number, r.rank) for r in first.items], first.more) == (
            [(6, 2), (4, 1)],
            True,
        )
        second = await search(community, q, older(first.items[-1]), 2)
        assert ([(r.story.number, r.rank) for r in second.items], second.more) == (
            [(2, 1), (1, 1)],
            False,
        )
        back = await search(community, q, newer(second.items[0]), 2)
        assert ([(r.story.number, r.rank) for r in back.items], back.more) == (
            [(6, 2), (4, 1)],
            False,
        )
        back = await search(community, q, newer(second.items[0]), 1)
        assert ([(r.story.number, r.rank) for r in back.items], back.more) == ([(4, 1)], True)


async def test_compound_parts_rank_after_the_word_and_short_words_skip_them(
    uows: UowFactory,
) -> None:
    community = await new_community(uows)
    docs = [
        SearchDoc("faktura fel", "faktura"),  # 1: the word in the title
        SearchDoc("fakturafel rafael", "", parts="faktura fel"),  # 2: only as a part
        SearchDoc("faktura", ""),  # 3: the word in the text
        SearchDoc("annat", "", parts="faktura"),  # 4: only as a part
        SearchDoc("rafael", "", parts="fel"),  # 5: "fel" only inside another word
    ]
    for doc in docs:
        await submit(uows, community, doc)
    async with uows() as uow:
        search = uow.stories.search
        page = await search(community, SearchQuery((("faktura",),), (True,)), None, 10)
        assert [(r.story.number, r.rank) for r in page.items] == [(1, 2), (3, 1), (4, 0), (2, 0)]
        # Paging walks across the tiers both ways.
        first = await search(community, SearchQuery((("faktura",),), (True,)), None, 3)
        assert (numbers(first.items), first.more) == ([1, 3, 4], True)
        rest = await search(
            community, SearchQuery((("faktura",),), (True,)), older(first.items[-1]), 3
        )
        assert (numbers(rest.items), rest.more) == ([2], False)
        back = await search(
            community, SearchQuery((("faktura",),), (True,)), newer(rest.items[0]), 2
        )
        assert (numbers(back.items), back.more) == ([3, 4], True)
        # A word not flagged for parts (under four letters) matches whole words only.
        short = await search(community, SearchQuery((("fel",),), (False,)), None, 10)
        assert numbers(short.items) == [1]


async def test_search_edge_queries(uows: UowFactory) -> None:
    community = await _corpus(uows)
    async with uows() as uow:
        everything = await uow.stories.search(community, SearchQuery(()), None, 10)
        assert numbers(everything.items) == [6, 5, 4, 3, 2, 1] and rank_zero(everything)
        empty_group = await uow.stories.search(community, SearchQuery((("kund",), ())), None, 10)
        assert empty_group.items == []
        # Query syntax of either database, and quotes, are only text: no error, no match.
        for word in [
            '"',
            "'",
            'a"b',
            "o'neil",
            "AND",
            "OR",
            "NOT",
            "NEAR",
            "*",
            "!",
            "&",
            "|",
            ":*",
            "\\",
            "(",
            "stories_fts",
        ]:
            page = await uow.stories.search(community, query(word), None, 10)
            assert page.items == [], word
        assert numbers((await uow.stories.search(community, query("NOT kund"), None, 9)).items) == [
            6,
            1,
            4,
            2,
        ]


async def test_search_keeps_accents_apart(uows: UowFactory) -> None:
    community = await new_community(uows)
    await submit(uows, community, make_doc("café"))
    await submit(uows, community, make_doc("cafe"))
    await submit(uows, community, make_doc("ärende"))
    async with uows() as uow:

        async def hits(word: str) -> list[int]:
            return numbers((await uow.stories.search(community, query(word), None, 5)).items)

        assert await hits("café") == [1]
        assert await hits("cafe") == [2]
        assert await hits("arende") == []
        assert await hits("ärende") == [3]


@pytest.mark.sql_only
async def test_a_search_page_holds_no_story_twice_when_stories_arrive_between_its_steps(
    engine: AsyncEngine, uows: UowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL searches a tier in two steps (storage.stories._pg_tier_statement); the
    second goes on from the number the first started at, even if stories arrived since."""
    monkeypatch.setattr(stories_sql, "WALK_ROWS", 3)
    community = await new_community(uows)
    await submit_many(uows, community, 8, tags=["t"])
    async with uows(read_only=True) as uow:
        db = uow.stories._db  # type: ignore[attr-defined]
        execute = db.execute
        arrived: list[int] = []

        first_step = stories_sql._pg_tier_statement(False, "top")
        firsts = 0

        async def with_arrivals(statement: Any, parameters: Any = None) -> Any:
            nonlocal firsts
            # The strong tier finds nothing; once the body tier's first step has found 8 and 7,
            # two stories arrive before whatever the search sends next.
            if firsts == 2 and not arrived:
                arrived.extend(s.number for s in await submit_many(uows, community, 2))
            firsts += statement is first_step
            return await execute(statement, parameters)

        monkeypatch.setattr(db, "execute", with_arrivals)
        page = await uow.stories.search(community, query("word"), None, 6)
    if engine.dialect.name == "postgresql":
        assert arrived == [9, 10]
    assert numbers(page.items) == [8, 7, 6, 5, 4, 3] and page.more


# Index use ---------------------------------------------------------------------------------


async def _plan(
    engine: AsyncEngine,
    uows: UowFactory,
    run: Callable[[UnitOfWork], Awaitable[object]],
    containing: str = "",
) -> str:
    """The query plan of the last SELECT that `run` sent (that contains `containing`)."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and containing in statement:
            seen.append((statement, params))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with uows() as uow:  # closed before EXPLAIN: SQLite has one writer at a time
            await run(uow)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    statement, params = seen[-1]
    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # On a near-empty table a sequential scan always wins; ask what the index offers.
            await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            result = await connection.exec_driver_sql("EXPLAIN " + statement, params)
            return "\n".join(row[0] for row in result)
        result = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
        return "\n".join(str(row[-1]) for row in result)


async def _filler(engine: AsyncEngine, community: int, count: int) -> None:
    """Many published stories without the searched words, so only the text index is selective."""
    rows = [
        {
            "community_id": community,
            "number": 100 + i,
            "title": "t",
            "text": "t",
            "credited": [],
            "tags": ["t"],
            "author_platform": "slack",
            "author_id": "U",
            "author_name": "A",
            "anonymous": False,
            "consent": False,
            "status": "published",
            "created_at": T0,
            "updated_at": T0,
            "search_body": f"filler w{i}",
            "search_strong": "",
        }
        for i in range(count)
    ]
    async with engine.begin() as connection:
        await connection.execute(StoryRow.__table__.insert(), rows)
        if engine.dialect.name == "postgresql":
            await connection.exec_driver_sql("ANALYZE stories")


async def test_browse_and_search_use_their_indexes(engine: AsyncEngine, uows: UowFactory) -> None:
    community = await _corpus(uows)
    await _filler(engine, community, 2000)
    at = Keyset("older", 0, 5)
    browse_all = await _plan(engine, uows, lambda u: u.stories.browse(community, None, at, 5))
    browse_tag = await _plan(engine, uows, lambda u: u.stories.browse(community, "t", at, 5))
    # The last tier's walk of the text index (the stories are then read by id).
    index_query = "search_vector" if engine.dialect.name == "postgresql" else "MATCH"
    found = await _plan(
        engine, uows, lambda u: u.stories.search(community, query("kund"), None, 5), index_query
    )

    assert "ix_stories_browse" in browse_all or "uq_stories_community_id_number" in browse_all
    assert "ix_story_tags_browse" in browse_tag
    if engine.dialect.name == "postgresql":
        assert "ix_stories_search" in found
        assert "Seq Scan" not in browse_all + browse_tag
    else:
        assert "VIRTUAL TABLE" in found  # FTS5's index
        assert "TEMP B-TREE" not in browse_all + browse_tag  # the index gives the order


# Same answers as the fake ------------------------------------------------------------------

# Swedish letters, an accent kept apart from its plain twin, CJK, digits and mixed words.
VOCAB = [
    *("kund", "hjälp", "snabb", "vänlig", "ärende", "öppen", "tack", "help", "quick"),
    *("café", "cafe", "naïve", "日本", "x1", "2026", "007", "straße"),
]
TAGS = ["billing", "chat", "phone", "åäö"]


async def _seed(uows: Callable[[], UnitOfWork], seed: int) -> int:
    """One community with stories, tags, authors and appreciations drawn from `seed`."""
    rng = random.Random(seed)
    async with uows() as uow:
        community = await uow.communities.create(
            SpaceRef(Platform.SLACK, f"T{seed}"), CommunitySettings()
        )
        for _ in range(40):
            body = rng.sample(VOCAB, rng.randint(1, 5))
            strong = rng.sample(body, rng.randint(0, len(body)))
            parts = rng.sample([w for w in VOCAB if w not in body], rng.randint(0, 2))
            fields: dict[str, Any] = {
                "tags": rng.sample(TAGS, rng.randint(0, 2)),
                "status": HIDDEN if rng.random() < 0.2 else PUBLISHED,
                "created_at": T0 + dt.timedelta(hours=rng.randint(0, 24 * 14)),
                "author": Author(Platform.SLACK, f"U{rng.randint(1, 3)}", "A"),
            }
            number = await uow.communities.next_story_number(community.id)
            story = await uow.stories.add(
                make_story(community.id, number, **fields),
                SearchDoc(" ".join(body), " ".join(strong), " ".join(parts)),
            )
            for user in range(rng.randint(0, 4)):
                await uow.stories.appreciate(story, Platform.SLACK, f"V{user}", T0)
        await uow.commit()
    return community.id


def _queries(seed: int) -> list[SearchQuery]:
    rng = random.Random(seed)
    words = [*VOCAB, "saknas"]
    found = [SearchQuery(())]
    for _ in range(24):
        groups = tuple(
            tuple(rng.sample(words, rng.randint(1, 3))) for _ in range(rng.randint(1, 3))
        )
        # Which words may match as compound parts (the core sets it for words of 4+ letters).
        found.append(SearchQuery(groups, tuple(rng.random() < 0.6 for _ in groups)))
    return found


Pages = list[tuple[list[tuple[int, int]], bool]]


async def _walk(fetch: Callable[[Keyset | None], Awaitable[Slice]]) -> Pages:
    """Every page down (older) from the top, then every page back up (newer)."""
    pages: Pages = []
    page = await fetch(None)
    while True:
        pages.append(([(r.story.number, r.rank) for r in page.items], page.more))
        if not page.more or not page.items:
            break
        page = await fetch(older(page.items[-1]))
    while page.items:
        page = await fetch(newer(page.items[0]))
        pages.append(([(r.story.number, r.rank) for r in page.items], page.more))
        if not page.more:
            break
    return pages


async def _answers(uow: UnitOfWork, community: int, seed: int) -> list[object]:
    """Everything the read side says about the seeded community, paged in both directions."""
    stories = uow.stories
    answers: list[object] = []
    for i, q in enumerate(_queries(seed)):
        size = (3, 7)[i % 2]
        answers.append(await _walk(lambda p, q=q, s=size: stories.search(community, q, p, s)))
    for tag in [None, *TAGS]:
        answers.append(await _walk(lambda p, t=tag: stories.browse(community, t, p, 4)))
    answers.append(await stories.tag_counts(community))
    for days in (3, 7, 15):
        top = await stories.most_appreciated(community, T0, T0 + dt.timedelta(days=days), 6)
        answers.append(numbers(top))
    for user in ("U1", "U2"):
        since = T0 + dt.timedelta(days=5)
        answers.append(await stories.count_by_author_since(community, Platform.SLACK, user, since))
    answers.append([_comparable(s) for s in await stories.export(community)])
    return answers


# PostgreSQL's search covers WALK_ROWS story numbers in a first step, the rest in a second
# (storage.stories._pg_tier_statement); with 3 every page of 40 stories needs both.
@pytest.mark.parametrize("walk_rows", [stories_sql.WALK_ROWS, 3])
async def test_search_and_browse_answer_exactly_like_the_fake(
    uows: UowFactory, walk_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stories_sql, "WALK_ROWS", walk_rows)
    for seed in (1,):
        fake = FakeDatabase().factory()
        real_id, fake_id = await _seed(uows, seed), await _seed(fake, seed)
        async with uows() as real_uow, fake() as fake_uow:
            real = await _answers(real_uow, real_id, seed)
            expected = await _answers(fake_uow, fake_id, seed)
        assert len(real) == len(expected) > 30
        for got, want in zip(real, expected, strict=True):
            assert got == want


def _comparable(story: Any) -> tuple[Any, ...]:
    """A story without its storage id, which the fake counts differently."""
    return (
        story.number,
        story.title,
        story.tags,
        story.status,
        story.created_at,
        story.appreciations,
        story.author,
    )
