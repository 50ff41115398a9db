"""asyncio.run for `storybot`, with an exit that cannot hang.

asyncio.run cancels the tasks still running when the command's coroutine ends and waits for
every one of them, without a limit. A task that swallows its cancellation keeps the process
alive for ever: slack_sdk's Socket Mode client has been seen leaving one behind after Slack
revoked the app token mid-connection, and the service manager then has to kill the process
after its grace period. Here leftover tasks get LEFTOVER_SECONDS to end once everything
Storybot owns has stopped; past that the process exits with the command's code anyway.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger("storybot")

LEFTOVER_SECONDS = 2.0


def run(main: Coroutine[Any, Any, int], *, leftover_seconds: float = LEFTOVER_SECONDS) -> int:
    with asyncio.Runner() as runner:
        code = runner.run(main)
        stuck = runner.run(_cancel_leftovers(leftover_seconds))
        if stuck:
            log.warning(
                "exiting without waiting for tasks that ignored cancellation",
                extra={"tasks": stuck},
            )
            logging.shutdown()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)  # the runner would wait for them again, for ever
        return code


async def _cancel_leftovers(within: float) -> list[str]:
    """Cancel what is left and wait up to `within` seconds; the names of tasks still running."""
    leftovers = asyncio.all_tasks() - {asyncio.current_task()}
    for task in leftovers:
        task.cancel()
    if not leftovers:
        return []
    done, pending = await asyncio.wait(leftovers, timeout=within)
    loop = asyncio.get_running_loop()
    for task in done:  # as asyncio.run reports them
        if not task.cancelled() and task.exception() is not None:
            loop.call_exception_handler(
                {
                    "message": "unhandled exception during shutdown",
                    "exception": task.exception(),
                    "task": task,
                }
            )
    return sorted(_describe(task) for task in pending)


def _describe(task: asyncio.Task[Any]) -> str:
    coro = task.get_coro()
    return getattr(coro, "__qualname__", None) or task.get_name()
