"""Real `storybot run` processes against the local Slack and Discord fakes.

The fakes run inside the test process; each bot is a separate OS process started with the same
environment an admin would give it. Tests talk to the bots only the way the platforms do:
signed HTTP requests for Slack, gateway events for Discord.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tests.fakes import slack_payloads as payloads
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack

REPO = Path(__file__).resolve().parents[2]
SLACK_TOKEN = "xoxb-1111-2222-testtoken"
DISCORD_TOKEN = "fake-token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_env(
    database_url: str,
    *,
    slack: FakeSlack | None = None,
    discord: FakeDiscord | None = None,
    http_port: int | None = None,
    shard_count: int | None = None,
    shard_ids: list[int] | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of one `storybot run`: what an admin would put in .env."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DISCORD_", "DB_", "DATABASE_", "SHARD_", "HTTP_"))
    }
    env.update(
        {
            "DATABASE_URL": database_url,
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "WEEKLY_TICK_SECONDS": "3600",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if slack is not None:
        env.update(
            {
                "SLACK_BOT_TOKEN": SLACK_TOKEN,
                "SLACK_SIGNING_SECRET": payloads.SECRET,
                "SLACK_API_URL": slack.api_url,
                "HTTP_HOST": "127.0.0.1",
                "HTTP_PORT": str(http_port or free_port()),
            }
        )
    if discord is not None:
        env.update(
            {
                "DISCORD_TOKEN": DISCORD_TOKEN,
                "DISCORD_API_URL": f"http://127.0.0.1:{discord.port}",
                "DISCORD_GATEWAY_URL": discord.gateway_url,
            }
        )
        if shard_count is not None:
            env["SHARD_COUNT"] = str(shard_count)
        if shard_ids is not None:
            env["SHARD_IDS"] = "[" + ",".join(str(i) for i in shard_ids) + "]"
    env.update(extra or {})
    return env


def storybot_command(*args: str) -> list[str]:
    """`storybot …` with this interpreter, so the test venv's install is the one that runs."""
    return [sys.executable, "-m", "bot.cli", *args]


@dataclass
class BotProcess:
    """One `storybot run` (or other `storybot` command) as a child process.

    Output goes to a log file in `workdir` (also its cwd, which holds Discord's command-sync
    state); read it with `log()` when a test fails.
    """

    env: dict[str, str]
    workdir: Path
    args: tuple[str, ...] = ("run",)
    name: str = "bot"
    process: asyncio.subprocess.Process | None = field(default=None, init=False)

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}.log"

    @property
    def http_port(self) -> int:
        return int(self.env["HTTP_PORT"])

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/slack/events"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = dict(self.env)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *storybot_command(*self.args),
                cwd=self.workdir,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )

    async def wait_http(self, within: float = 30.0) -> None:
        """Until /healthz answers (the Slack runtime is listening)."""
        url = f"http://127.0.0.1:{self.http_port}/healthz"
        deadline = asyncio.get_running_loop().time() + within
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
            while True:
                self.raise_if_exited()
                with contextlib.suppress(aiohttp.ClientError, OSError, asyncio.TimeoutError):
                    async with session.get(url) as response:
                        if response.status == 200:
                            return
                if asyncio.get_running_loop().time() > deadline:
                    raise AssertionError(f"{self.name}: /healthz never answered\n{self.log()}")
                await asyncio.sleep(0.1)

    def raise_if_exited(self) -> None:
        if self.process is not None and self.process.returncode is not None:
            raise AssertionError(f"{self.name} exited with {self.process.returncode}\n{self.log()}")

    async def wait_log(self, needle: str, within: float = 30.0) -> None:
        deadline = asyncio.get_running_loop().time() + within
        while needle not in self.log():
            self.raise_if_exited()
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{self.name}: {needle!r} never logged\n{self.log()}")
            await asyncio.sleep(0.1)

    async def stop(self, grace: float = 15.0) -> int | None:
        """SIGTERM, as a process manager would, then SIGKILL if it does not go."""
        if self.process is None or self.process.returncode is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), grace)
        except TimeoutError:
            return await self.kill()

    async def wait_exit(self, within: float) -> int:
        """The exit code of a process expected to end by itself (or after a signal) within
        `within` seconds: the bound is the behaviour under test (a service manager's grace)."""
        assert self.process is not None
        try:
            return await asyncio.wait_for(self.process.wait(), within)
        except TimeoutError:
            await self.kill()
            raise AssertionError(f"{self.name} still ran after {within} s\n{self.log()}") from None

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    async def kill(self) -> int | None:
        """kill -9: no clean-up of any kind."""
        if self.process is None or self.process.returncode is not None:
            return None if self.process is None else self.process.returncode
        self.process.kill()
        return await self.process.wait()

    def rss_bytes(self) -> int:
        """Resident memory now, from /proc (Linux)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS")

    def peak_rss_bytes(self) -> int:
        """Peak resident memory so far (VmHWM)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmHWM")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    # Slack, as Slack calls it ------------------------------------------------------------

    async def slack_post(
        self, body: str, *, retry: int | None = None, within: float = 10.0
    ) -> tuple[int, str]:
        """POST a signed body to this process's /slack/events; (status, text)."""
        headers = {"Content-Type": "application/x-www-form-urlencoded", **payloads.sign(body)}
        if body.startswith("{"):
            headers["Content-Type"] = "application/json"
        if retry is not None:
            headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "timeout"})
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=within)) as session,
            session.post(self.events_url, data=body.encode(), headers=headers) as response,
        ):
            return response.status, await response.text()


async def stop_all(bots: list[BotProcess]) -> None:
    await asyncio.gather(*(bot.stop() for bot in bots), return_exceptions=True)
