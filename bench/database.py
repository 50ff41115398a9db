"""The database side of `storybot bench`: a fresh database, bulk seeding, and the raw floor.

Seeding writes exactly the rows the core would (the same columns, search text, story_tags,
appreciations and communities.last_number) but in bulk: one executemany per chunk on SQLite
with the full-text index rebuilt once at the end, COPY on PostgreSQL with the GIN index built
after loading. The floor of a core operation is the SQL its repositories actually issued,
recorded from the engine and replayed through the bare driver (aiosqlite, asyncpg).
"""

from __future__ import annotations

import abc
import asyncio
import collections
import contextlib
import dataclasses
import datetime as dt
import functools
import json
import os
import sqlite3
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

import aiosqlite
import asyncpg
from sqlalchemy import JSON, Table, event, make_url
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.corpus import Corpus, GeneratedStory, created_at
from storage.engine import READ_ONLY, create_engines, normalise_url
from storage.migrate import upgrade
from storage.models import (
    FTS_TABLE,
    PG_SEARCH_INDEX,
    WEEKLY_UNSETTLED,
    AppreciationRow,
    CommunityRow,
    SpaceRow,
    StoryRow,
    StoryTagRow,
    TagCountRow,
)
from storage.uow import SqlUnitOfWork, uow_factory

SMALL_COMMUNITIES = 1000
SMALL_SHARE = 10  # one story in this many goes to a small community
LARGE_COMMUNITY = 1
LARGE_SPACE = ("slack", "T0BENCHLARGE")
CHUNK = 20_000
TEMPLATES = 50_000
# The large community's public wall is on at this address (/wall/<token>); a fixed token, so a
# kept bench database can be opened in a browser. Letters, digits, - and _ as the route wants.
WALL_TOKEN = "bench-wall-0123456789abcdefghij"
ON_WALL_SHARE = 0.4  # stories whose author ticked "may appear on the public wall"


# Databases -----------------------------------------------------------------------------


@dataclasses.dataclass
class BenchDatabase:
    url: str  # normalised to an async driver
    drop: Callable[[], Awaitable[None]]

    @property
    def dialect(self) -> str:
        return make_url(self.url).get_backend_name()


async def fresh_database(url: str) -> BenchDatabase:
    """Create the database named by `url` (it must not exist yet) and migrate it.

    The bench never reuses or wipes a database it did not create: an existing SQLite file or
    PostgreSQL database is an error.
    """
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database
        if not path or path == ":memory:":
            raise ValueError("the bench needs a SQLite file, not an in-memory database")
        if _taken(path):
            raise ValueError(f"{path} already exists; the bench only uses a new database")

        async def drop_file() -> None:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path + suffix)

        await upgrade(url)
        return BenchDatabase(url, drop_file)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"unsupported database: {parsed.get_backend_name()}")
    name = parsed.database
    if not name or name in ("postgres", "template0", "template1"):
        raise ValueError("name a database of its own for the bench, e.g. .../storybot_bench")
    admin = _asyncpg_dsn(parsed.set(database="postgres"))
    connection = await asyncpg.connect(admin)
    try:
        if await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            raise ValueError(f"database {name} already exists; the bench only uses a new one")
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()

    async def drop_database() -> None:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    try:
        await upgrade(url)
    except BaseException:
        await drop_database()
        raise
    return BenchDatabase(url, drop_database)


def _taken(path: str) -> bool:
    return os.path.exists(path)


def _asyncpg_dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


# Seeding -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SeedPlan:
    """Which community each story goes to: most to one large community, the rest spread
    round-robin over SMALL_COMMUNITIES small ones."""

    stories: int
    small: int = SMALL_COMMUNITIES

    def number(self, index: int) -> int:
        """The story's number in its community: stories are numbered in index order."""
        if index % SMALL_SHARE == SMALL_SHARE - 1:
            return index // SMALL_SHARE // self.small + 1
        return index + 1 - (index + 1) // SMALL_SHARE

    def community(self, index: int) -> int:
        if index % SMALL_SHARE == SMALL_SHARE - 1:
            return 2 + (index // SMALL_SHARE) % self.small
        return LARGE_COMMUNITY

    @property
    def communities(self) -> int:
        return 1 + self.small


def _community_row(community_id: int, last_number: int, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": community_id,
        "language": "sv" if community_id % 3 == 0 else "en",
        "timezone": "Europe/Stockholm",
        "weekly_weekday": 1,
        "weekly_time": "09:00",
        "free_tags": True,
        "highlight_channels": [],
        "moderator_users": [],
        "moderator_roles": [],
        "moderator_origins": {},
        "last_number": last_number,
        "created_at": now - dt.timedelta(days=800),
        "wall_enabled": community_id == LARGE_COMMUNITY,
        "wall_token": WALL_TOKEN if community_id == LARGE_COMMUNITY else None,
        "weekly_due_at": WEEKLY_UNSETTLED,  # as a new community: due at the next tick
    }


def _space_row(community_id: int) -> dict[str, Any]:
    if community_id == LARGE_COMMUNITY:
        platform, external = LARGE_SPACE
    else:
        platform = "slack" if community_id % 2 else "discord"
        external = f"T{community_id:08d}" if platform == "slack" else str(10**17 + community_id)
    return {
        "id": community_id,
        "platform": platform,
        "external_id": external,
        "community_id": community_id,
        "name": f"Bench space {community_id}",  # named, as every space used since space_names
    }


@functools.cache
def _origin(community_id: int) -> str:
    """The space a seeded story was told in: its community's only space (SpaceRef.key)."""
    space = _space_row(community_id)
    return f"{space['platform']}:{space['external_id']}"


def _story_row(
    story: GeneratedStory,
    story_id: int,
    community_id: int,
    number: int,
    at: dt.datetime,
    likes: int,
) -> dict[str, Any]:
    return {
        "id": story_id,
        "community_id": community_id,
        "number": number,
        "title": story.title,
        "text": story.text,
        "customer": story.customer,
        "credited": [],
        "tags": list(story.tags),
        "author_platform": "slack",
        "author_id": f"U{story_id % 5000:05d}",
        "author_name": f"Colleague {story_id % 5000}",
        "anonymous": story.anonymous,
        "consent": story.consent,
        "on_wall": False,  # set per story in _chunks (on_wall())
        "status": "published",
        "source_url": None,
        "origin_space": _origin(community_id),
        "credited_names": {},
        "client_key": f"bench-seed-{story_id}",
        "appreciations": likes,
        "created_at": at,
        "updated_at": at,
        "search_body": story.search_body,
        "search_strong": story.search_strong,
        "search_parts": story.search_parts,
    }


@dataclasses.dataclass
class _Chunk:
    stories: list[Any]
    story_tags: list[Any]
    appreciations: list[Any]


def _chunks(
    plan: SeedPlan, now: dt.datetime, backend: str, tag_counts: collections.Counter[Any]
) -> Iterator[_Chunk]:
    """Rows for every story, CHUNK stories at a time, encoded for `backend`'s bulk insert.

    Generating and stemming a story costs more than inserting it, so the text comes from a
    pool of TEMPLATES generated stories, reused in turn; what differs between copies
    (community, number, dates, author, appreciations) is set per story. A template's search
    text is what the core computes for that text, so every copy's is too. `tag_counts` counts
    (community, tag) as it goes (every seeded story is published), for the tag_counts table.
    """
    corpus = Corpus()
    stories_encoder = _Encoder(StoryRow.__table__, backend)
    tags_encoder = _Encoder(StoryTagRow.__table__, backend)
    likes_encoder = _Encoder(AppreciationRow.__table__, backend)
    generated = [corpus.story(i) for i in range(min(plan.stories, TEMPLATES))]
    templates = [stories_encoder.row(_story_row(g, 0, 0, 0, now, 0)) for g in generated]
    tags = [g.tags for g in generated]
    position = stories_encoder.position
    story_id_at, community_at, number_at = (
        position["id"],
        position["community_id"],
        position["number"],
    )
    created_at_, updated_at = position["created_at"], position["updated_at"]
    author_at, name_at = position["author_id"], position["author_name"]
    key_at, likes_at = position["client_key"], position["appreciations"]
    origin_at = position["origin_space"]
    on_wall_at = position["on_wall"]
    on_wall_values = (
        stories_encoder.value("on_wall", False),
        stories_encoder.value("on_wall", True),
    )
    for first in range(0, plan.stories, CHUNK):
        stories: list[Any] = []
        story_tags: list[Any] = []
        appreciations: list[Any] = []
        for index in range(first, min(first + CHUNK, plan.stories)):
            template = index % len(templates)
            community_id = plan.community(index)
            number = plan.number(index)
            story_id = index + 1
            at = stories_encoder.value("created_at", created_at(index, plan.stories, now))
            likes = _likes(index)
            row = templates[template].copy()
            row[story_id_at], row[community_at], row[number_at] = story_id, community_id, number
            row[created_at_] = row[updated_at] = at
            row[author_at] = f"U{story_id % 5000:05d}"
            row[name_at] = f"Colleague {story_id % 5000}"
            row[key_at] = f"bench-seed-{story_id}"
            row[origin_at] = _origin(community_id)
            row[likes_at] = likes
            row[on_wall_at] = on_wall_values[on_wall(index)]
            stories.append(row)
            story_tags.extend(
                tags_encoder.row(
                    {"story_id": story_id, "community_id": community_id, "tag": t, "number": number}
                )
                for t in tags[template]
            )
            for t in tags[template]:
                tag_counts[(community_id, t)] += 1
            appreciations.extend(
                likes_encoder.row(
                    {
                        "story_id": story_id,
                        "platform": "slack",
                        "user_id": f"U{u:05d}",
                        "created_at": at,
                    },
                    processed=("created_at",),
                )
                for u in range(5000, 5000 + likes)
            )
        yield _Chunk(stories, story_tags, appreciations)


def _tag_count_rows(counts: collections.Counter[Any]) -> list[dict[str, Any]]:
    return [{"community_id": c, "tag": t, "stories": n} for (c, t), n in counts.items()]


def on_wall(index: int) -> bool:
    """The author's wall choice, per story (not per text template): ON_WALL_SHARE of them,
    spread evenly. With the generated customer consent (about half), about a fifth of the
    stories are public on the wall."""
    return (index * 7_919 + 13) % 1000 < ON_WALL_SHARE * 1000  # not _likes' scramble


def _likes(index: int) -> int:
    """Appreciations per story: most none, a few dozens (a Pareto-like tail)."""
    spread = (index * 2_654_435_761) % 1000  # a fixed scramble of the index, 0..999
    return min(int(1000 / (spread + 1) ** 1.2) // 3, 50)


def last_numbers(plan: SeedPlan) -> dict[int, int]:
    counts = dict.fromkeys(range(1, plan.communities + 1), 0)
    for index in range(plan.stories):
        community = plan.community(index)
        counts[community] = plan.number(index)
    return counts


async def seed(
    url: str, stories: int, *, small: int = SMALL_COMMUNITIES, now: dt.datetime | None = None
) -> SeedPlan:
    """Fill a freshly migrated database with `stories` generated stories."""
    now = now or dt.datetime.now(dt.UTC)
    plan = SeedPlan(stories, small)
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        await asyncio.to_thread(_seed_sqlite, str(parsed.database), plan, now)
    else:
        await _seed_postgresql(_asyncpg_dsn(parsed), plan, now)
    return plan


class _Encoder:
    """Row dict -> bulk-insert values in column order.

    On SQLite through SQLAlchemy's own bind processing, so the stored text (JSON, datetimes,
    booleans) is byte for byte what the repositories write; for PostgreSQL's COPY, Python
    values with JSON as text (SQLAlchemy's JSON type writes json.dumps too)."""

    def __init__(self, table: Table, backend: str) -> None:
        self.names = [column.name for column in table.columns]
        self.position = {name: i for i, name in enumerate(self.names)}
        self.processors: dict[str, Callable[[Any], Any]] = {}
        for column in table.columns:
            if backend == "sqlite":
                dialect = sqlite_dialect.dialect()
                processor = column.type.dialect_impl(dialect).bind_processor(dialect)
            else:
                processor = json.dumps if isinstance(column.type, JSON) else None
            if processor is not None:
                self.processors[column.name] = processor

    def value(self, name: str, value: Any) -> Any:
        processor = self.processors.get(name)
        return processor(value) if processor else value

    def row(self, values: dict[str, Any], processed: Sequence[str] = ()) -> list[Any]:
        """`processed` names values that already went through value()."""
        return [
            values[name] if name in processed else self.value(name, values[name])
            for name in self.names
        ]


def _insert_sql(table: Table) -> str:
    names = [c.name for c in table.columns]
    return f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


def _seed_sqlite(path: str, plan: SeedPlan, now: dt.datetime) -> None:
    tables = [
        CommunityRow.__table__,
        SpaceRow.__table__,
        StoryRow.__table__,
        StoryTagRow.__table__,
        AppreciationRow.__table__,
        TagCountRow.__table__,
    ]
    encoders = {t.name: _Encoder(t, "sqlite") for t in tables}
    sql = {t.name: _insert_sql(t) for t in tables}
    db = sqlite3.connect(path, isolation_level=None)
    try:
        # Bulk-load settings for this connection only; the file stays in WAL mode.
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA cache_size=-262144")
        # Index the text once at the end instead of row by row through the trigger.
        trigger = db.execute(
            "SELECT sql FROM sqlite_master WHERE type='trigger' AND name='stories_fts_insert'"
        ).fetchone()[0]
        db.execute("DROP TRIGGER stories_fts_insert")
        db.execute("BEGIN")
        db.executemany(
            sql["communities"],
            [
                encoders["communities"].row(_community_row(c, n, now))
                for c, n in last_numbers(plan).items()
            ],
        )
        db.executemany(
            sql["spaces"],
            [encoders["spaces"].row(_space_row(c)) for c in range(1, plan.communities + 1)],
        )
        db.execute("COMMIT")
        counts: collections.Counter[Any] = collections.Counter()
        for chunk in _chunks(plan, now, "sqlite", counts):
            db.execute("BEGIN")
            db.executemany(sql["stories"], chunk.stories)
            db.executemany(sql["story_tags"], chunk.story_tags)
            db.executemany(sql["appreciations"], chunk.appreciations)
            db.execute("COMMIT")
        db.execute("BEGIN")
        db.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
        db.executemany(
            sql["tag_counts"], [encoders["tag_counts"].row(r) for r in _tag_count_rows(counts)]
        )
        db.execute(trigger)
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


async def _copy(connection: asyncpg.Connection, table: Table, rows: Sequence[Any]) -> None:
    names = [c.name for c in table.columns]
    await connection.copy_records_to_table(table.name, records=rows, columns=names)


async def _seed_postgresql(dsn: str, plan: SeedPlan, now: dt.datetime) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        index_sql = await connection.fetchval(
            "SELECT indexdef FROM pg_indexes WHERE indexname = $1", PG_SEARCH_INDEX
        )
        await connection.execute(f"DROP INDEX {PG_SEARCH_INDEX}")
        async with connection.transaction():
            communities = [_community_row(c, n, now) for c, n in last_numbers(plan).items()]
            spaces = [_space_row(c) for c in range(1, plan.communities + 1)]
            await _copy(
                connection,
                CommunityRow.__table__,
                [_Encoder(CommunityRow.__table__, "postgresql").row(r) for r in communities],
            )
            await _copy(
                connection,
                SpaceRow.__table__,
                [_Encoder(SpaceRow.__table__, "postgresql").row(r) for r in spaces],
            )
        counts: collections.Counter[Any] = collections.Counter()
        for chunk in _chunks(plan, now, "postgresql", counts):
            async with connection.transaction():
                await _copy(connection, StoryRow.__table__, chunk.stories)
                await _copy(connection, StoryTagRow.__table__, chunk.story_tags)
                await _copy(connection, AppreciationRow.__table__, chunk.appreciations)
        # The GIN build sorts in memory; the 64 MB default makes it spill for minutes.
        await connection.execute("SET maintenance_work_mem = '512MB'")
        await connection.execute(index_sql)
        table = TagCountRow.__table__
        encoder = _Encoder(table, "postgresql")
        await _copy(connection, table, [encoder.row(r) for r in _tag_count_rows(counts)])
        for table in ("communities", "spaces", "stories"):
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        # What autovacuum would soon do after a load of this size (statistics, and the visibility
        # map that index-only scans read); left to it, it runs during the first figures.
        await connection.execute("VACUUM (ANALYZE)")
    finally:
        await connection.close()


async def add_space(engine: AsyncEngine, community_id: int, platform: str, external: str) -> None:
    """Let another workspace or guild (a platform fake's) belong to a seeded community."""
    async with engine.begin() as connection:
        await connection.execute(
            SpaceRow.__table__.insert().values(
                platform=platform, external_id=external, community_id=community_id
            )
        )


# The engine the core uses, and the SQL it issues ----------------------------------------


@dataclasses.dataclass(frozen=True)
class Step:
    sql: str
    params: Any
    many: bool = False


class Recorder:
    """Records every statement (and transaction boundary) the engines send while active."""

    def __init__(self, *engines: AsyncEngine) -> None:
        self.steps: list[Step] | None = None
        for engine in dict.fromkeys(engines):  # writers and readers (one engine in memory)
            self._listen(engine)

    def _listen(self, engine: AsyncEngine) -> None:
        sync = engine.sync_engine
        postgres = engine.dialect.name == "postgresql"

        @event.listens_for(sync, "before_cursor_execute")
        def _statement(conn: Any, cursor: Any, sql: str, params: Any, ctx: Any, many: bool) -> None:
            # query_only only guards the core's read-only transactions against its own bugs;
            # the raw connection replays reads as recorded and needs no guard.
            if self.steps is not None and not sql.startswith("PRAGMA query_only"):
                self.steps.append(Step(sql, params, many))

        @event.listens_for(sync, "begin")
        def _begin(conn: Any) -> None:
            # SQLite's BEGIN (IMMEDIATE or deferred) is itself a statement (engine.py); asyncpg's
            # is not. The readers' connections send none (autocommit, storage.engine).
            if self.steps is not None and postgres and not _autocommit(conn):
                read_only = conn.get_execution_options().get(READ_ONLY)
                self.steps.append(Step("BEGIN READ ONLY" if read_only else "BEGIN", ()))

        @event.listens_for(sync, "commit")
        def _commit(conn: Any) -> None:
            # A single-write unit of work on PostgreSQL is autocommit: its commit sends nothing.
            if self.steps is not None and not _autocommit(conn):
                self.steps.append(Step("COMMIT", ()))

        @event.listens_for(sync, "rollback")
        def _rollback(conn: Any) -> None:
            if self.steps is not None and not _autocommit(conn):
                self.steps.append(Step("ROLLBACK", ()))

    @contextlib.contextmanager
    def recording(self) -> Iterator[list[Step]]:
        self.steps = steps = []
        try:
            yield steps
        finally:
            self.steps = None


def _autocommit(connection: Any) -> bool:
    """No BEGIN, COMMIT or ROLLBACK reaches the database on this connection."""
    return bool(connection._is_autocommit_isolation())


Learn = Sequence[tuple[str, Any]]  # (SQL prefix, value that statement returned when recorded)


class RawDriver(abc.ABC):
    """A bare driver connection that replays recorded steps: the floor of an operation.
    RawSqlite and RawPostgres supply the driver calls."""

    async def replay(
        self, steps: Sequence[Step], substitute: dict[Any, Any] | None = None, learn: Learn = ()
    ) -> None:
        """Run `steps` in order. `substitute` swaps recorded parameter values (a new client
        key, say); `learn` maps a value a statement returned when recorded to what it returns
        now (a new story number), so later statements use the new one."""
        mapping = dict(substitute or {})
        for step in steps:
            params = _swap(step.params, mapping, step.many) if mapping else step.params
            rows = await self._run(step, params)
            for prefix, recorded in learn:
                if step.sql.startswith(prefix) and rows:
                    mapping[recorded] = rows[0][0]

    @abc.abstractmethod
    async def _run(self, step: Step, params: Any) -> list[Any]: ...

    @abc.abstractmethod
    async def close(self) -> None: ...


def _swap(params: Any, mapping: dict[Any, Any], many: bool) -> Any:
    def one(values: Any) -> Any:
        if isinstance(values, dict):
            return {k: mapping.get(v, v) if _hashable(v) else v for k, v in values.items()}
        return type(values)(mapping.get(v, v) if _hashable(v) else v for v in values)

    return [one(p) for p in params] if many else one(params)


def _hashable(value: Any) -> bool:
    return isinstance(value, str | int | float | bytes) and not isinstance(value, bool)


class RawSqlite(RawDriver):
    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection

    @classmethod
    async def open(cls, path: str) -> RawSqlite:
        connection = await aiosqlite.connect(path, isolation_level=None)
        # The same per-connection settings as storage/engine.py.
        for pragma in ("busy_timeout=5000", "foreign_keys=ON", "synchronous=FULL"):
            await connection.execute(f"PRAGMA {pragma}")
        return cls(connection)

    async def _run(self, step: Step, params: Any) -> list[Any]:
        if step.sql in ("COMMIT", "ROLLBACK") and not self._db.in_transaction:
            return []
        if step.many:
            await self._db.executemany(step.sql, params)
            return []
        # One trip to aiosqlite's thread, as the application's (storage/sqlite_driver.py).
        return list(await self._db.execute_fetchall(step.sql, params))

    async def close(self) -> None:
        await self._db.close()


class RawPostgres(RawDriver):
    def __init__(self, connection: asyncpg.Connection) -> None:
        self._db = connection

    @classmethod
    async def open(cls, dsn: str) -> RawPostgres:
        connection = await asyncpg.connect(dsn, server_settings={"statement_timeout": "5000"})
        return cls(connection)

    async def _run(self, step: Step, params: Any) -> list[Any]:
        if not params and step.sql in ("BEGIN", "BEGIN READ ONLY", "COMMIT", "ROLLBACK"):
            await self._db.execute(step.sql)
            return []
        if step.many:
            await self._db.executemany(step.sql, params)
            return []
        return list(await self._db.fetch(step.sql, *params))

    async def close(self) -> None:
        await self._db.close()


@dataclasses.dataclass
class Storage:
    """What the bench runner needs from storage: the core's unit of work on an engine set up
    as `storybot run` sets it up, a recorder on that engine, and a raw driver connection."""

    engine: AsyncEngine
    readers: AsyncEngine
    uow: Callable[[], SqlUnitOfWork]
    recorder: Recorder
    raw: RawDriver

    async def close(self) -> None:
        await self.raw.close()
        if self.readers is not self.engine:
            await self.readers.dispose()
        await self.engine.dispose()


async def open_storage(url: str) -> Storage:
    url = normalise_url(url)
    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    # As bot/bootstrap.py with the default settings (pools of five; SQLite's writers share one
    # connection), but a 30 s wait for a free one (50 concurrent submitters queue for it).
    engine, readers = create_engines(url, pool_size=5, pool_timeout=30)
    recorder = Recorder(engine, readers)
    raw: RawDriver
    if sqlite:
        raw = await RawSqlite.open(str(parsed.database))
    else:
        raw = await RawPostgres.open(_asyncpg_dsn(parsed))
    return Storage(engine, readers, uow_factory(engine, readers), recorder, raw)
