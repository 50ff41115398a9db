"""Engines for SQLite (aiosqlite) and PostgreSQL (asyncpg). Nothing connects until first use."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_random_exponential

from storage import sqlite_driver

_SCHEMES = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}


def normalise_url(url: str) -> str:
    """Point plain postgres/sqlite URLs (as hosting platforms hand them out) at async drivers.

    libpq's `sslmode=require` becomes asyncpg's `ssl=require` (same values), which SQLAlchemy
    passes to asyncpg.connect; asyncpg has no `sslmode` argument.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    scheme = _SCHEMES.get(scheme, scheme)
    if scheme.startswith("postgresql"):
        rest = re.sub(r"(?<=[?&])sslmode=", "ssl=", rest)
    return f"{scheme}://{rest}"


def create_engine(
    url: str,
    *,
    pool_size: int = 5,
    pool_timeout: float = 10,
    statement_timeout_ms: int = 5000,
    echo: bool = False,
    readers: bool = False,
    outages: Outages | None = None,
) -> AsyncEngine:
    """The application's engine.

    `pool_size` is a hard cap (no overflow): waiting for a free connection is cheaper than a
    connection storm, and past `pool_timeout` the caller gets StorageUnavailable. On SQLite,
    `statement_timeout_ms` is how long a transaction waits for the write lock.

    `readers`: connections that can only read. Every statement is its own transaction, so a
    read-only unit of work sends no BEGIN and no ROLLBACK. PostgreSQL: read-only by the
    session's default; two round trips fewer per command, and READ COMMITTED takes a new
    snapshot for every statement anyway, inside a transaction or not. SQLite: `query_only`
    from the connection's start; a BEGIN is a statement like any other there, a trip to
    aiosqlite's thread (storage/sqlite_driver.py), and in WAL mode each statement reads a
    committed snapshot.
    `outages` is shared by the engines of one process (see ping_when_idle).
    """
    url = normalise_url(url)
    backend = make_url(url).get_backend_name()
    pool: dict[str, Any] = {
        "pool_size": pool_size,
        "max_overflow": 0,
        "pool_timeout": pool_timeout,
    }
    if backend == "sqlite":
        if _in_memory(url):
            pool = {}  # SQLAlchemy keeps one shared connection (StaticPool) for :memory:
        if readers:
            pool["isolation_level"] = "AUTOCOMMIT"
        # Each statement one trip to aiosqlite's thread, not four (storage/sqlite_driver.py).
        engine = create_async_engine(url, echo=echo, module=sqlite_driver.dbapi(), **pool)
        install_sqlite_hooks(engine, busy_timeout_ms=statement_timeout_ms, readers=readers)
        return engine
    if backend == "postgresql":
        server_settings = {"statement_timeout": str(int(statement_timeout_ms))}
        if readers:
            server_settings["default_transaction_read_only"] = "on"
            pool["isolation_level"] = "AUTOCOMMIT"
        engine = create_async_engine(
            url,
            echo=echo,
            connect_args={
                "timeout": pool_timeout,  # asyncpg's connect timeout; its default is 60 s
                "server_settings": server_settings,
            },
            **pool,
        )
        ping_when_idle(engine, outages or Outages())
        return engine
    raise ValueError(f"unsupported database URL scheme: {url.partition('://')[0]}")


IDLE_PING_SECONDS = 1.0
"""A pooled PostgreSQL connection that sat unused this long is pinged before it is handed out."""


@dataclass
class Outages:
    """When a connection of this process last turned out dead (time.monotonic())."""

    last: float = float("-inf")


def ping_when_idle(engine: AsyncEngine, outages: Outages) -> None:
    """SQLAlchemy's pool_pre_ping, but only for connections that sat idle, or that were handed
    back before a connection of this process last turned out dead.

    After a database restart the pool holds only dead connections, and the first user must not
    be the one who finds out; a ping on every checkout costs each command a round trip (a
    fifth of a `/story show` on PostgreSQL). A connection handed back less than a second ago
    was working then, unless an outage was seen since: SQLAlchemy then invalidates the pool
    that saw it, and `outages` tells the process's other pool (readers and writers have one
    each). A connection to ping is pinged, and a dead one replaced (the pool retries the
    checkout on DisconnectionError).
    """

    @event.listens_for(engine.sync_engine, "handle_error")
    def _failed(context: Any) -> None:
        if context.is_disconnect:
            outages.last = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None:
            return  # just connected
        recent = time.monotonic() - idle_since < IDLE_PING_SECONDS
        if recent and idle_since > outages.last:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as dead:
            raise sa_exc.DisconnectionError(f"idle connection is gone: {dead}") from dead


def create_engines(
    url: str, *, pool_size: int = 5, pool_timeout: float = 10, statement_timeout_ms: int = 5000
) -> tuple[AsyncEngine, AsyncEngine]:
    """The writers' engine and the readers' (for SqlUnitOfWorkFactory), as `storybot run` uses.

    SQLite has one writer at a time and every writing transaction takes the write lock, so
    writers get one pooled connection (queueing in the pool is cheaper than spinning in SQLite's
    busy handler) and readers a pool of `pool_size` of their own: in WAL mode they read beside
    the writer instead of waiting for its connection. PostgreSQL: readers get a pool of
    `pool_size` of their own too. On both, the readers' connections send no BEGIN (see
    create_engine).
    """
    url = normalise_url(url)
    options = {"pool_timeout": pool_timeout, "statement_timeout_ms": statement_timeout_ms}
    if make_url(url).get_backend_name() != "sqlite":
        outages = Outages()  # an outage one pool finds, the other's connections are pinged for
        writers = create_engine(url, pool_size=pool_size, outages=outages, **options)
        readers = create_engine(url, pool_size=pool_size, readers=True, outages=outages, **options)
        return writers, readers
    writers = create_engine(url, pool_size=1, **options)
    if _in_memory(url):
        return writers, writers  # one shared connection: a second engine would be another db
    return writers, create_engine(url, pool_size=pool_size, readers=True, **options)


def create_migration_engine(url: str) -> AsyncEngine:
    """A pool-less engine for Alembic: one connection, no statement timeout."""
    url = normalise_url(url)
    engine = create_async_engine(url, poolclass=NullPool)
    if engine.dialect.name == "sqlite":
        # Another process may be migrating the same file; wait for it rather than fail.
        install_sqlite_hooks(engine, busy_timeout_ms=30_000)
    return engine


READ_ONLY = "storybot_read_only"
"""Execution option of a read-only unit of work's engine (see `read_only_engine`)."""


def read_only_engine(engine: AsyncEngine) -> AsyncEngine:
    """The same pool, for transactions that only read. On a readers' engine
    (create_engine(readers=True)) they begin nothing; on a shared one (tests, an in-memory
    SQLite database):

    PostgreSQL: asyncpg begins them `READ ONLY` (in the BEGIN itself, no extra round trip).
    SQLite: a deferred `BEGIN`, which in WAL mode takes no lock at all, so readers never queue
    behind a writer; `query_only` makes any write inside fail (see install_sqlite_hooks).
    """
    options: dict[str, Any] = {READ_ONLY: True}
    if engine.dialect.name == "postgresql":
        options["postgresql_readonly"] = True
    return engine.execution_options(**options)


def install_sqlite_hooks(
    engine: AsyncEngine, *, busy_timeout_ms: int, readers: bool = False
) -> None:
    """Pragmas on every connection; BEGIN IMMEDIATE for writers, a deferred BEGIN for readers
    on a shared engine, and none on a readers' engine (`readers`: autocommit, query_only).

    sqlite3's own transaction handling begins lazily with a deferred BEGIN; a reader that later
    writes must upgrade its lock and fails with SQLITE_BUSY at once instead of waiting. Taking
    the write lock up front makes concurrent writers queue on busy_timeout instead. A read-only
    unit of work (read_only_engine) never writes, so it begins deferred and takes no lock.
    """
    pragmas = (
        f"busy_timeout={int(busy_timeout_ms)}",
        "foreign_keys=ON",
        # A story confirmed to its author must survive a power cut: NORMAL in WAL mode may
        # lose the last commits (they are not fsynced until a checkpoint).
        "synchronous=FULL",
    )
    # Switching a new file to WAL needs an exclusive lock, and SQLite answers "database is
    # locked" at once, without its busy handler, while another process does the same.
    wal_retry = Retrying(
        retry=retry_if_exception(_is_locked),
        stop=stop_after_delay(busy_timeout_ms / 1000),
        wait=wait_random_exponential(multiplier=0.01, max=0.25),
        reraise=True,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # sqlite3 emits no BEGIN; we do, below
        cursor = dbapi_connection.cursor()
        try:
            for pragma in pragmas:
                cursor.execute(f"PRAGMA {pragma}")
            for attempt in wal_retry:
                with attempt:
                    cursor.execute("PRAGMA journal_mode=WAL")  # persistent: cheap once set
            if readers:  # after WAL: switching a new file to WAL is a write
                cursor.execute("PRAGMA query_only=1")
        finally:
            cursor.close()

    if readers:
        return  # no transaction to begin: each statement reads on its own

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = bool(connection.get_execution_options().get(READ_ONLY))
        # query_only is per connection: switch it only when this transaction differs from
        # the connection's last one, so a pool of readers pays nothing per transaction.
        info = connection.connection.info
        if info.get(READ_ONLY, False) != read_only:
            connection.exec_driver_sql(f"PRAGMA query_only={int(read_only)}")
            info[READ_ONLY] = read_only
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _is_locked(error: BaseException) -> bool:
    return "database is locked" in str(error)


def _in_memory(url: str) -> bool:
    parsed = make_url(url)
    return parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory"
