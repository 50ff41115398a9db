"""Readiness of the core's side: does the database answer? (the adapters ask the platforms)."""

from __future__ import annotations

from bot.domain import Platform, SpaceRef
from bot.ports import UnitOfWorkFactory

# No platform id looks like this, so the lookup reads an index and finds nothing.
_NOBODY = SpaceRef(Platform.CONSOLE, "readiness-probe")


async def database_answers(uow: UnitOfWorkFactory) -> bool:
    """One indexed read through the storage port; raises (StorageUnavailable) if it fails."""
    async with uow() as unit:
        await unit.communities.for_space(_NOBODY)
    return True
