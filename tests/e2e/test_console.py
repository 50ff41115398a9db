"""`storybot` as a user runs it: a subprocess fed through standard input, on a SQLite file."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

COURIER = "The courier called ahead about the delay and brought a small gift."


def storybot_command() -> list[str]:
    installed = shutil.which("storybot", path=str(Path(sys.executable).parent))
    return [installed] if installed else [sys.executable, "-m", "bot.cli"]


@pytest.fixture
def run(tmp_path: Path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'story.db'}",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    env.pop("TEST_DATABASE_URL", None)

    def run(*args: str, stdin: str = "", code: int = 0) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*storybot_command(), *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=60,
        )
        assert result.returncode == code, result.stderr
        return result

    return run


def test_submit_browse_show_and_press_a_button(run) -> None:
    script = "\n".join(
        [
            f"/story submit {COURIER} #speed #Tillgänglighet",
            "/story submit The nurse explained every step before she started. #in-person",
            "/story browse",
            "1",  # the first button on the page: "Read #2"
            "/story show 1",
            "/story search delay",
            "/quit",
        ]
    )
    out = run("console", "--user", "Anna", stdin=script).stdout
    assert "Story #1 is saved" in out and "Story #2 is saved" in out
    assert "Tags: Speed, Accessibility" in out
    browse = out.split("All stories, newest first")[1]
    assert browse.index("#2 ") < browse.index("#1 ")
    pressed = out.split("[1] Read #2")[1]
    assert "The nurse explained every step" in pressed and "Share to channel" in pressed
    assert "Stories matching “delay”" in out


def test_the_form_asks_field_by_field_and_reasks_a_bad_one(run) -> None:
    script = "\n".join(
        [
            "/story",
            "too short",  # text
            "",  # title
            "Parcel customer",  # customer
            "",  # colleagues
            "speed, small gesture",  # tags
            "n",  # anonymous
            "y",  # consent
            COURIER,  # the text again, after the refusal
            "/story show 1",
        ]
    )
    out = run("console", "--user", "Anna", stdin=script).stdout
    assert "too short: write at least 10 characters" in out
    assert "Story #1 is saved" in out
    assert "Customer or context: Parcel customer" in out
    assert "Tags: Speed, Small gesture" in out


def test_swedish_console(run) -> None:
    script = "\n".join([f"/story submit {COURIER}", "/story hjälp", "/story show 7"])
    out = run("console", "--user", "Anna", "--lang", "sv", stdin=script).stdout
    assert "Berättelse #1 är sparad" in out
    assert "Det finns ingen berättelse #7." in out


def test_sample_stories_load_once(run) -> None:
    run("console", "--sample", stdin="/quit\n")
    run("console", "--sample", stdin="/quit\n")
    rows = json.loads(run("export", "--format", "json").stdout)
    assert len(rows) == 8
    texts = " ".join(row["text"] for row in rows)
    assert "courier" in texts and "Kunden" in texts  # English and Swedish samples


def test_the_readme_search_examples_find_sample_stories(run) -> None:
    english = run("console", "--sample", stdin="/story search delay\n").stdout
    assert "Delayed, but never in the dark" in english and "No stories match" not in english
    # Swedish, on the same database: "försening" also finds "Förseningen" in the title.
    swedish = run("console", "--lang", "sv", stdin="/story sök försening\n").stdout
    assert "Förseningen som blev en bra upplevelse" in swedish
    assert "Inga berättelser hittades" not in swedish


def test_moderator_features_and_the_announcement_appears(run) -> None:
    script = "\n".join(
        [f"/story submit {COURIER}", "/story config channel", "/story feature 1 Lovely"]
    )
    out = run("console", "--user", "Mia", "--moderator", stdin=script).stdout
    assert "[#general]" in out and "Story of the week" in out and "Lovely" in out


def test_export_formats_and_weekly_dry_run(run, tmp_path: Path) -> None:
    run("console", "--user", "Anna", stdin=f"/story submit {COURIER} #speed\n")
    run("export", "--format", "csv", "--output", "stories.csv")
    [row] = list(csv.DictReader(io.StringIO((tmp_path / "stories.csv").read_text())))
    assert row["number"] == "1" and row["tags"] == "speed" and row["author"] == "Anna"
    markdown = run("export", "--format", "md").stdout
    assert "## #1 " in markdown
    assert "*console · " in markdown and "community 1" not in markdown  # named by its space
    weekly = run("weekly", "--dry-run", "--force").stdout
    # The community is named by its space, not by its id.
    assert "console 20" in weekly and "community 1" not in weekly


def test_run_without_platforms_and_without_a_terminal_refuses(run) -> None:
    """A service with no platform configured must not start a console on /dev/null and
    exit 0: it names the settings it looked for and exits 2."""
    result = run("run", stdin="/story help\n", code=2)
    assert "SLACK_BOT_TOKEN" in result.stderr and "DISCORD_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_db_upgrade(run, tmp_path: Path) -> None:
    assert "up to date" in run("db", "upgrade").stdout
    assert (tmp_path / "story.db").exists()
