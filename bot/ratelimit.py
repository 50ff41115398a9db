"""The submission rate limit: how many stories one person may share per window."""

from __future__ import annotations

import datetime as dt

from bot.domain import SUBMISSIONS_PER_MINUTE
from bot.ports import UnitOfWorkFactory

LIMIT = SUBMISSIONS_PER_MINUTE
# Submissions are counted, not the stories that survive: deleting stories frees no quota.
WINDOW = dt.timedelta(minutes=1)


async def forget_expired(uow: UnitOfWorkFactory, now: dt.datetime) -> int:
    """Drop log entries older than the window: no count reads them again. The scheduler does
    this, not each submission, so a submission sends one statement fewer."""
    async with uow() as unit:
        forgotten = await unit.communities.forget_submissions(now - WINDOW)
        await unit.commit()
    return forgotten
