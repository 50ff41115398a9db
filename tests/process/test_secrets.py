"""Secrets never reach the output of `storybot run`: not in its logs (at DEBUG, the most
talkative level), not in start-up errors, not in tracebacks. Each scenario is a real
process with a bad (or good) credential; everything it writes is searched for the secret.

The scenarios run concurrently in one test to keep the default run short.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from adapters.slack.installations import new_key
from storage import upgrade
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack
from tests.harness.bot_process import BotProcess, bot_env

# Shaped like the real thing, so that a leak would look like one.
SLACK_TOKEN = "xoxb-7777777777-8888888888-" + "LeakCanarySlackBot0001"
SLACK_APP_TOKEN = "xapp-1-A0APP-9999999999-" + "leakcanaryapp0002"
SIGNING_SECRET = "5e0c2f" + "leakcanarysigning0003"  # hex-like: no scrubber pattern knows it
DISCORD_TOKEN = "MTk4NjIyNDgzNDcxOTI1MjQ4.Gh7Xyz." + "LeakCanaryDiscordToken0004abcdefg"
DB_PASSWORD = "LeakCanaryDbPassword0005"
CLIENT_SECRET = "9f1b3c" + "leakcanaryclientsecret0006"  # hex-like, as Slack's are
BAD_KEY = "LeakCanaryNotAFernetKey0007"
GOOD_KEY = new_key()  # a real key cannot carry a canary: searched for as it is
CANARIES = ("LeakCanary", "leakcanary")


@dataclass
class Scenario:
    name: str
    env: dict[str, str]
    expect_exit: bool  # a start-up error: the process must stop by itself
    needle: str  # what the output must say (the reason, or that it started)


async def run_scenario(scenario: Scenario, workdir: Path) -> tuple[Scenario, str, int | None]:
    bot = BotProcess(scenario.env, workdir / scenario.name, name=scenario.name)
    await bot.start()
    assert bot.process is not None
    if scenario.expect_exit:
        try:
            code: int | None = await asyncio.wait_for(bot.process.wait(), 60)
        except TimeoutError:
            code = await bot.kill()
    else:
        try:
            await bot.wait_log(scenario.needle, within=60)
        finally:
            code = await bot.stop()
    return scenario, bot.log(), code


def debug_env(database_url: str, **kwargs: object) -> dict[str, str]:
    env = bot_env(database_url, **kwargs)  # type: ignore[arg-type]
    env.update({"LOG_LEVEL": "DEBUG", "LOG_FORMAT": "console"})
    return env


async def test_no_secret_in_any_output_even_when_start_up_fails(tmp_path: Path) -> None:
    sqlite = f"sqlite+aiosqlite:///{tmp_path / 'storybot.db'}"
    await upgrade(sqlite)
    slack_refusing, discord_refusing, discord_ok = FakeSlack(), FakeDiscord(), FakeDiscord()
    await slack_refusing.start()
    for server in (discord_refusing, discord_ok):
        await server.start()
    try:
        slack_refusing.fail("auth.test", "invalid_auth", times=5)
        discord_refusing.fail_next(
            "GET", r"/users/@me", 401, {"message": "401: Unauthorized", "code": 0}, times=5
        )
        slack_secrets = {
            "SLACK_BOT_TOKEN": SLACK_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        }

        def with_slack(fake: FakeSlack, **more: str) -> dict[str, str]:
            env = debug_env(sqlite, slack=fake)
            env.update(slack_secrets | more)
            return env

        def with_oauth(fake: FakeSlack, key: str) -> dict[str, str]:
            env = debug_env(sqlite, slack=fake)
            del env["SLACK_BOT_TOKEN"]  # OAuth mode: a token per workspace, from the database
            env.update(
                {
                    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                    "SLACK_CLIENT_ID": "1111.2222",
                    "SLACK_CLIENT_SECRET": CLIENT_SECRET,
                    "SLACK_TOKEN_ENCRYPTION_KEY": key,
                }
            )
            return env

        def with_discord(fake: FakeDiscord) -> dict[str, str]:
            env = debug_env(sqlite, discord=fake)
            env["DISCORD_TOKEN"] = DISCORD_TOKEN
            return env

        def with_database(url: str) -> dict[str, str]:
            env = debug_env(url)
            env.update(slack_secrets | {"SLACK_API_URL": "http://127.0.0.1:9/api/"})
            return env

        pg = f"postgresql://storybot:{DB_PASSWORD}@127.0.0.1"
        scenarios = [
            Scenario(
                "slack-token-refused",
                with_slack(slack_refusing, SLACK_APP_TOKEN=SLACK_APP_TOKEN),
                True,
                "SLACK_BOT_TOKEN",
            ),
            Scenario(
                "slack-oauth-bad-key",
                with_oauth(slack_refusing, BAD_KEY),
                True,
                "SLACK_TOKEN_ENCRYPTION_KEY is not a valid key",
            ),
            Scenario(
                "slack-oauth-running",
                with_oauth(slack_refusing, GOOD_KEY),
                False,
                "platform started",
            ),
            Scenario(
                "discord-token-refused",
                with_discord(discord_refusing),
                True,
                "Discord refused the token",  # one line, no traceback
            ),
            Scenario("discord-running", with_discord(discord_ok), False, "platform started"),
            Scenario("db-unreachable", with_database(f"{pg}:1/storybot"), True, "Error"),
        ]
        results = await asyncio.gather(*(run_scenario(s, tmp_path) for s in scenarios))
    finally:
        await slack_refusing.stop()
        for server in (discord_refusing, discord_ok):
            await server.close()

    for scenario, output, code in results:
        assert output.strip(), scenario.name
        for canary in CANARIES:
            assert canary not in output, f"{scenario.name} leaked a secret:\n{output}"
        assert DB_PASSWORD not in output and SIGNING_SECRET not in output, scenario.name
        assert GOOD_KEY not in output, scenario.name
        if scenario.name == "slack-oauth-bad-key":  # a setting to fix: said in a line
            assert "Traceback" not in output, output
        assert scenario.needle in output, f"{scenario.name}:\n{output}"
        if scenario.expect_exit:
            assert code not in (None, 0), f"{scenario.name} exited with {code}:\n{output}"
