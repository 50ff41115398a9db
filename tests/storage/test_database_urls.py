"""PostgreSQL URLs as managed hosts hand them out: `postgres://` and libpq's `?sslmode=`.

Before: `?sslmode=require` reached asyncpg.connect as an unknown keyword (TypeError)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from storage.engine import create_engine, normalise_url
from tests.storage.conftest import PG_ENV


@pytest.mark.parametrize(
    ("given", "driven"),
    [
        ("postgres://u:p@db:5432/x", "postgresql+asyncpg://u:p@db:5432/x"),
        ("postgresql://u@db/x?sslmode=require", "postgresql+asyncpg://u@db/x?ssl=require"),
        (
            "postgresql://db/x?application_name=a&sslmode=verify-full",
            "postgresql+asyncpg://db/x?application_name=a&ssl=verify-full",
        ),
        ("sqlite:///stories.db", "sqlite+aiosqlite:///stories.db"),
    ],
)
def test_urls_are_pointed_at_the_async_drivers(given: str, driven: str) -> None:
    assert normalise_url(given) == driven


def _plain_pg_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set")
    return url.replace("postgresql+asyncpg://", "postgres://", 1)


async def test_a_postgres_url_with_sslmode_connects() -> None:
    """The local server has no TLS, so `disable` is what connects; `require` must reach
    asyncpg as its own `ssl` argument (the refusal is then the server's, not a TypeError)."""
    base = _plain_pg_url()
    engine = create_engine(f"{base}?sslmode=disable")
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("select 1"))).scalar() == 1
    finally:
        await engine.dispose()
    engine = create_engine(f"{base}?sslmode=require")
    try:
        with pytest.raises(Exception) as refused:
            async with engine.connect():
                pass
        assert not isinstance(refused.value, TypeError)
        assert "SSL" in str(refused.value)
    finally:
        await engine.dispose()
