"""Settings as an administrator meets them: where they come from, and how a bad one is told.

Each case runs the real `storybot` in a folder of its own, as cron or a service manager would.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from bot.config import ENV_FILE_VARIABLE, Settings
from tests.e2e.test_console import COURIER, storybot_command

REPO = Path(__file__).resolve().parents[2]


def storybot(
    *args: str, cwd: Path, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in Settings.variables() and k not in (ENV_FILE_VARIABLE, "TEST_DATABASE_URL")
    }
    return subprocess.run(
        [*storybot_command(), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**clean, "PYTHONPATH": str(REPO), "LOG_LEVEL": "WARNING", **env},
        timeout=60,
    )


def one_line_refusal(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    for needle in needles:
        assert needle in line
    return line


def test_version(tmp_path: Path) -> None:
    result = storybot("--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("storybot ")


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("DEFAULT_TIMEZONE", "Mars/Base", "DEFAULT_TIMEZONE: 'Mars/Base' is not a time zone"),
        ("DATABASE_URL", "mysql://db/stories", "DATABASE_URL: scheme 'mysql'"),
        ("DATABASE_URL", "postgresql://db:notaport/x", "DATABASE_URL: cannot be read"),
        ("DATABASE_URL", "sqlite:////no/such/dir/s.db", "/no/such/dir does not exist"),
        ("LOG_LEVEL", "CHATTY", "LOG_LEVEL: 'CHATTY' is not one of"),
        ("LOG_FORMAT", "yaml", "LOG_FORMAT: 'yaml' is not console or json"),
        ("SLACK_BOT_TOKEN", "xoxb-1", "SLACK_SIGNING_SECRET: not set"),
        ("HTTP_PORT", "http", "HTTP_PORT: Input should be a valid integer"),
    ],
)
def test_a_bad_setting_is_one_line_and_exit_code_2(
    tmp_path: Path, name: str, value: str, said: str
) -> None:
    result = storybot("export", cwd=tmp_path, **{name: value})
    line = one_line_refusal(result, said)
    assert "xoxb-1" not in line
    assert list(tmp_path.iterdir()) == []  # nothing created


@pytest.mark.parametrize("command", [["weekly", "--dry-run"], ["db", "upgrade"], ["run"]])
def test_a_database_that_does_not_answer_is_one_line_and_exit_code_1(
    tmp_path: Path, command: list[str]
) -> None:
    """Valid settings, no server at the address: a start-up failure for the service manager
    to retry, told in one line without a traceback or the password."""
    url = "postgresql://storybot:hunter2@127.0.0.1:1/stories"
    result = storybot(*command, cwd=tmp_path, DATABASE_URL=url, DISCORD_TOKEN="t")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "hunter2" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "DATABASE_URL: the database did not answer" in line


def test_the_refusal_uses_the_configured_log_format(tmp_path: Path) -> None:
    result = storybot("export", cwd=tmp_path, DEFAULT_TIMEZONE="Mars/Base", LOG_FORMAT="json")
    line = one_line_refusal(result, "DEFAULT_TIMEZONE")
    assert line.startswith("{") and '"level": "error"' in line


def test_reading_commands_refuse_to_create_a_database(tmp_path: Path) -> None:
    """cron starts in $HOME: `storybot export` there used to create an empty storybot.db and
    print []."""
    for command in (["export"], ["weekly", "--dry-run"], ["weekly"]):
        result = storybot(*command, cwd=tmp_path)
        line = one_line_refusal(result, "no database at", "storybot db upgrade")
        assert str(tmp_path / "storybot.db") in line
    assert not (tmp_path / "storybot.db").exists()


def test_the_env_file_is_found_by_flag_or_variable(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    settings = tmp_path / "storybot.env"
    settings.write_text(f"DATABASE_URL=sqlite+aiosqlite:///{data / 'stories.db'}\n")
    elsewhere = tmp_path / "cron-home"
    elsewhere.mkdir()
    assert storybot("--env-file", str(settings), "db", "upgrade", cwd=elsewhere).returncode == 0
    story = f"/story submit {COURIER} #speed\n"
    assert (
        storybot("--env-file", str(settings), "console", cwd=elsewhere, stdin=story).returncode == 0
    )
    by_variable = storybot("export", cwd=elsewhere, **{ENV_FILE_VARIABLE: str(settings)})
    assert by_variable.returncode == 0, by_variable.stderr
    assert "courier called ahead" in by_variable.stdout
    assert list(elsewhere.iterdir()) == []


def test_a_named_env_file_that_is_missing_is_refused(tmp_path: Path) -> None:
    result = storybot("--env-file", str(tmp_path / "nope.env"), "export", cwd=tmp_path)
    one_line_refusal(result, ENV_FILE_VARIABLE, "no settings file at")
