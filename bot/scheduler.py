"""Runs the weekly job inside the bot. It is idempotent, so every process may run it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.core import Core

log = logging.getLogger(__name__)


async def weekly_loop(
    core: Core, interval: float, housekeeping: Callable[[], Awaitable[None]] | None = None
) -> None:
    """The weekly job, then `housekeeping` (what the platforms tidy), every `interval`."""
    while True:
        try:
            for outcome in await core.run_weekly():
                if outcome.picked or outcome.announced or outcome.problems:
                    log.info(
                        "weekly feature",
                        extra={
                            "community": outcome.community_id,
                            "week": str(outcome.week),
                            "story": outcome.story_number,
                            "picked": outcome.picked,
                            "announced": outcome.announced,
                            "problems": list(outcome.problems),
                        },
                    )
        except Exception:
            # A database hiccup must not end the loop; the next tick tries again.
            log.exception("weekly job failed")
        if housekeeping is not None:
            try:
                await housekeeping()
            except Exception:
                log.exception("housekeeping failed")
        await asyncio.sleep(interval)
