"""SQLite statements in one trip to aiosqlite's thread instead of four.

aiosqlite runs every call on the connection's own thread, and each call is a hand-off there
and back through the event loop. SQLAlchemy's adapter makes four per statement (open a
cursor, execute, fetch the rows, close); under load each waits its turn in a busy event loop,
and a submission or a read holds the writer, or its reader, that much longer. Here a statement
is one function on that thread: cursor, execute, rows, counts and close together.

It relies on two private names of aiosqlite, `Connection._execute` (run a function on the
connection's thread) and `Connection._conn` (the sqlite3 connection there), as SQLAlchemy's own
adapter does for its isolation level, and on the layout of SQLAlchemy 2.1's cursor adapter.
pyproject.toml asks for versions that have them. Should either change, `dbapi()` finds
out and returns None, and SQLAlchemy's own adapter is used: slower, never broken;
tests/storage/test_sqlite_driver.py fails then, so the change does not go unnoticed.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_cursor
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT


def _run(
    connection: sqlite3.Connection, operation: str, parameters: Any, many: bool
) -> tuple[Any, list[Any], int, int | None]:
    """On aiosqlite's thread: the whole statement, as the DB-API cursor would see it."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's buffered aiosqlite cursor, with each statement a single trip. Server-side
    cursors (stream()) keep SQLAlchemy's own class."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # Not the base __init__: it opens an aiosqlite cursor, a trip of its own.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    async def _trip(self, operation: Any, parameters: Any, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        async with self._adapt_connection._execute_mutex:
            done = await connection._execute(_run, connection._conn, operation, parameters, many)
        self._description, rows, self._rowcount, self._lastrowid = done
        self._rows = collections.deque(rows)

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._trip(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._trip(operation, seq_of_parameters, many=True)

    async def _async_soft_close(self) -> None:
        """Nothing to close: the statement's cursor closed on aiosqlite's thread."""

    def close(self) -> None:
        self._rows.clear()


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor

    def _idle(self) -> bool:
        """No transaction open: SQLAlchemy still calls commit() and rollback() then (an
        autocommit reader's every check-in), and each would be a trip for nothing. The flag
        is safe to read here: nothing else runs on this connection meanwhile."""
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        return connection._connection is not None and not connection.in_transaction

    def rollback(self) -> None:
        if not self._idle():
            super().rollback()

    def commit(self) -> None:
        if not self._idle():
            super().commit()


def dbapi() -> OneTripDbapi | None:
    """For create_async_engine(module=…): the one-trip adapter, if this aiosqlite and
    SQLAlchemy have what it relies on."""
    relied_on = (
        callable(getattr(aiosqlite.Connection, "_execute", None))
        and isinstance(getattr(aiosqlite.Connection, "_conn", None), property)
        and "_soft_closed_memoized" in AsyncAdapt_dbapi_cursor.__slots__
        and hasattr(AsyncAdapt_dbapi_cursor, "_execute_async")
        and hasattr(AsyncAdapt_dbapi_cursor, "_executemany_async")
    )
    return OneTripDbapi() if relied_on else None


class OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    """What create_async_engine(module=…) takes in place of SQLAlchemy's aiosqlite shim."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)
