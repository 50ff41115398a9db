"""What the three repositories share: error translation and dialect-specific inserts.

The repositories themselves live in communities.py, stories.py and features.py.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite

from bot.errors import Conflict, QueryTooBroad, StorageUnavailable
from storage.models import StoryRow

if TYPE_CHECKING:
    from storage.repository_set import LazyConnection

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")

# PostgreSQL SQLSTATE classes that mean "try again later": connection exceptions, insufficient
# resources, operator intervention (incl. 57014 statement timeout), transaction rollback
# (deadlock, serialization failure); plus lock_not_available.
_PG_TRANSIENT_CLASSES = ("08", "53", "57", "40")
_PG_TRANSIENT_CODES = ("55P03",)
PG_QUERY_CANCELED = "57014"  # statement_timeout (or a cancel request)
_SQLITE_TRANSIENT = (
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_CANTOPEN",
    "SQLITE_IOERR",
    "SQLITE_FULL",
    "SQLITE_PROTOCOL",
)


def _driver_error(exc: BaseException) -> BaseException:
    """The driver's own exception behind SQLAlchemy's wrappers (asyncpg's sits one deeper)."""
    orig = getattr(exc, "orig", None) or exc
    return orig.__cause__ if getattr(orig, "sqlstate", None) is None and orig.__cause__ else orig


def _code(exc: BaseException) -> str:
    err = _driver_error(exc)
    return str(getattr(err, "sqlstate", None) or getattr(err, "sqlite_errorname", None) or "")


def is_unavailable(exc: BaseException) -> bool:
    """Whether `exc` means the database is unreachable, overloaded or timed out."""
    if isinstance(exc, sa_exc.TimeoutError | OSError | TimeoutError):
        return True  # pool exhausted; refused, reset or unreachable; connect timeout
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, sa_exc.InterfaceError) and "asyncpg" in type(_driver_error(exc)).__module__:
        return True  # asyncpg's are about the connection; sqlite3's are binding mistakes
    code = _code(exc)
    if code.startswith("SQLITE_"):
        return code.startswith(_SQLITE_TRANSIENT)
    if len(code) == 5:
        return code[:2] in _PG_TRANSIENT_CLASSES or code in _PG_TRANSIENT_CODES
    return "database is locked" in str(exc)


def _is_unique_violation(exc: sa_exc.IntegrityError) -> bool:
    code = _code(exc)
    return code in ("23505", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY") or (
        not code and "UNIQUE constraint failed" in str(exc)
    )


def _is_foreign_key_violation(exc: sa_exc.IntegrityError) -> bool:
    return _code(exc) in ("23503", "SQLITE_CONSTRAINT_FOREIGNKEY")


@contextmanager
def storage_errors() -> Iterator[None]:
    """Translate database failures into the core's errors; let programming errors through."""
    try:
        yield
    except (Conflict, StorageUnavailable, LookupError):
        raise  # already translated, by a nested call
    except sa_exc.IntegrityError as exc:
        if _is_unique_violation(exc):
            raise Conflict(str(exc.orig)) from exc
        if _is_foreign_key_violation(exc):
            raise LookupError(str(exc.orig)) from exc  # the referenced row is gone
        raise
    except Exception as exc:
        if _code(exc) == PG_QUERY_CANCELED:
            # The core's idea, not the database's: it knows which queries could be narrowed.
            raise QueryTooBroad(f"{type(exc).__name__}: {exc}") from exc
        if is_unavailable(exc):
            raise StorageUnavailable(f"{type(exc).__name__}: {exc}") from exc
        raise


def guarded(method: Callable[P, Awaitable[R]]) -> Callable[P, Coroutine[Any, Any, R]]:
    """Decorate a repository method so its failures reach the core as the core's errors."""

    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with storage_errors():
            return await method(*args, **kwargs)

    return wrapper


def per_dialect(build: Callable[[Callable[[Any], Any]], S]) -> dict[str, S]:
    """A statement built once per dialect from that dialect's insert() (ON CONFLICT is spelt
    the same on both). Statements are built at import, not per call: building one costs more
    Python than SQLAlchemy spends finding its compiled form in the cache."""
    return {"postgresql": build(postgresql.insert), "sqlite": build(sqlite.insert)}


_STORY_ID = select(StoryRow.__table__.c.id).where(
    StoryRow.__table__.c.community_id == bindparam("community_id"),
    StoryRow.__table__.c.number == bindparam("number"),
)


class Repository:
    """A repository bound to one unit of work's connection (storage.repository_set)."""

    def __init__(self, db: LazyConnection, dialect: str) -> None:
        self._db = db
        self._dialect = dialect

    async def _story_id(self, community_id: int, number: int) -> int | None:
        """Stories are addressed by (community, number); rows reference them by id."""
        params = {"community_id": community_id, "number": number}
        return (await self._db.execute(_STORY_ID, params)).scalar_one_or_none()

    def _insert(self, table: Any) -> Any:
        """INSERT with ON CONFLICT support; both dialects spell it the same way."""
        if self._dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)
