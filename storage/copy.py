"""`storybot db copy --to URL`: every row of one database into a new, empty one.

SQLite to PostgreSQL (moving to a server) and back. The table list is the models' metadata,
which a drift test keeps equal to what the migrations create, so a table added later is copied
without anyone remembering to list it. Full-text data is not copied: SQLite's triggers and
PostgreSQL's expression index rebuild it from the stories as they arrive.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table, func, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.backup import is_sqlite, sqlite_file
from storage.engine import create_migration_engine, normalise_url
from storage.migrate import upgrade
from storage.models import Base

BATCH = 1000


class CopyError(RuntimeError):
    """The copy cannot be made (or did not add up); the message says why and what to do."""


@dataclass(frozen=True)
class CopyReport:
    counts: dict[str, int]  # rows per table, equal on both sides

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def tables() -> list[Table]:
    """Every table, parents before children (foreign keys)."""
    return list(Base.metadata.sorted_tables)


async def copy_database(source_url: str, target_url: str) -> CopyReport:
    """Migrate the target, refuse it unless empty, copy every table in one transaction, and
    check the row counts; on any failure the target is left without a single copied row."""
    source_url, target_url = normalise_url(source_url), normalise_url(target_url)
    if source_url == target_url:
        raise CopyError("The source and the target are the same database.")
    if is_sqlite(source_url) and not sqlite_file(source_url).is_file():
        raise CopyError(f"There is no database at {sqlite_file(source_url)}.")
    if is_sqlite(target_url) and not sqlite_file(target_url).parent.is_dir():
        raise CopyError(f"The folder {sqlite_file(target_url).parent} does not exist.")
    source = create_migration_engine(source_url)
    target = create_migration_engine(target_url)
    try:
        try:
            return await _copy(source, target, target_url)
        except (DBAPIError, OSError) as failure:
            raise CopyError(
                f"The copy failed and no rows were copied: {_first_line(failure)}"
            ) from None
    finally:
        await source.dispose()
        await target.dispose()


async def _copy(source: AsyncEngine, target: AsyncEngine, target_url: str) -> CopyReport:
    await _refuse_unless_empty(target)
    await upgrade(target_url)
    async with source.connect() as reading, target.begin() as writing:
        if reading.dialect.name == "postgresql":
            # One snapshot for every table (SQLite's BEGIN IMMEDIATE already is one).
            await reading.execution_options(isolation_level="REPEATABLE READ")
        await _same_revision(reading, writing)
        for table in tables():
            await _copy_table(table, reading, writing)
        if writing.dialect.name == "postgresql":
            await _advance_sequences(writing)
        counts = await _verified_counts(reading, writing)
    return CopyReport(counts)


def _first_line(failure: BaseException) -> str:
    """The driver's own words (no URL, so no password), first line only."""
    cause = getattr(failure, "orig", None) or failure
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]


async def _refuse_unless_empty(target: AsyncEngine) -> None:
    async with target.connect() as connection:
        present = await connection.run_sync(_existing_tables)
        for table in tables():
            if table.name in present and await _count(connection, table):
                raise CopyError(
                    f"The target database is not empty (table {table.name} has rows). "
                    "Copy into a new, empty database."
                )


def _existing_tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def _same_revision(reading: AsyncConnection, writing: AsyncConnection) -> None:
    """Both at the same migration, so every column on one side exists on the other."""
    query = text("SELECT version_num FROM alembic_version")
    present = await reading.run_sync(_existing_tables)
    if "alembic_version" not in present:
        raise CopyError("The source is not a Storybot database (no alembic_version table).")
    source = sorted((await reading.execute(query)).scalars())
    target = sorted((await writing.execute(query)).scalars())
    if source != target:
        raise CopyError(
            f"The source database is at revision {', '.join(source) or 'none'}, this Storybot "
            f"at {', '.join(target)}: run `storybot db upgrade` on the source first."
        )


async def _copy_table(table: Table, reading: AsyncConnection, writing: AsyncConnection) -> None:
    # Ordered by primary key, so the copy is deterministic and ids keep their order.
    query = select(table).order_by(*table.primary_key.columns)
    result = await reading.stream(query)
    async for rows in result.partitions(BATCH):
        await writing.execute(table.insert(), [dict(row._mapping) for row in rows])


async def _advance_sequences(writing: AsyncConnection) -> None:
    """Ids were copied as they were: move each id sequence past the highest one."""
    for table in tables():
        key = list(table.primary_key.columns)
        if len(key) != 1 or key[0].type.python_type is not int:
            continue
        column = key[0].name
        # pg_get_serial_sequence is NULL for a key without a sequence; setval(NULL) is a no-op.
        await writing.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:table, :column), "
                f'COALESCE((SELECT MAX("{column}") FROM "{table.name}"), 1), '
                f'(SELECT MAX("{column}") FROM "{table.name}") IS NOT NULL)'
            ),
            {"table": table.name, "column": column},
        )


async def _verified_counts(reading: AsyncConnection, writing: AsyncConnection) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in tables():
        source, target = await _count(reading, table), await _count(writing, table)
        if source != target:
            raise CopyError(
                f"Table {table.name}: {source} rows in the source, {target} in the target; "
                "nothing was kept. Stop every Storybot process using the source and try again."
            )
        counts[table.name] = target
    return counts


async def _count(connection: AsyncConnection, table: Table) -> int:
    return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())
