"""bot.event_loop: `storybot` exits with its command's code even when a library leaves a task
behind that ignores cancellation (asyncio.run would wait for it for ever)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

COMMAND = """
import asyncio, sys
from bot import event_loop

async def stubborn():
    while True:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            pass  # what a misbehaving library task does

async def obedient():
    await asyncio.sleep(3600)

async def main():
    asyncio.ensure_future({task}())
    await asyncio.sleep(0)
    return 3

sys.exit(event_loop.run(main(), leftover_seconds=0.2))
"""


def _run(task: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", COMMAND.format(task=task)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_a_task_that_ignores_cancellation_does_not_hold_the_exit() -> None:
    ended = _run("stubborn")
    assert ended.returncode == 3
    assert "exiting without waiting for tasks that ignored cancellation" in ended.stderr


def test_tasks_that_end_when_cancelled_exit_quietly() -> None:
    ended = _run("obedient")
    assert ended.returncode == 3
    assert ended.stderr == ""
