"""DraftRepository over SQLAlchemy: form drafts any process can reopen until they expire."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select

from storage.models import DraftRow
from storage.repositories import Repository, guarded


class SqlDraftRepository(Repository):
    @guarded
    async def put(self, key: str, payload: dict[str, Any], expires_at: dt.datetime) -> None:
        row = {"key": key, "payload": payload, "expires_at": expires_at}
        await self._db.execute(DraftRow.__table__.insert(), row)  # a taken key: Conflict

    @guarded
    async def get(self, key: str, now: dt.datetime) -> dict[str, Any] | None:
        stmt = select(DraftRow.payload).where(DraftRow.key == key, DraftRow.expires_at > now)
        payload: dict[str, Any] | None = (await self._db.execute(stmt)).scalar_one_or_none()
        return payload

    @guarded
    async def purge(self, now: dt.datetime) -> int:
        stmt = delete(DraftRow).where(DraftRow.expires_at <= now)
        result = await self._db.execute(stmt)
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
