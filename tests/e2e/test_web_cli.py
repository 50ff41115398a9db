"""`storybot web --sample` as a newcomer runs it: one command, then a wall in the browser."""

from __future__ import annotations

import os
import subprocess
import urllib.request
from pathlib import Path

from tests.e2e.test_console import COURIER, storybot_command


def _env(tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'story.db'}",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "HTTP_HOST": "127.0.0.1",
    }
    env.pop("TEST_DATABASE_URL", None)
    return env


def _first_line(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    line = process.stdout.readline().strip()  # blocks until the server prints, or exits
    assert line, process.stderr.read() if process.stderr else ""
    return line


def test_web_sample_serves_a_published_wall(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [*storybot_command(), "web", "--sample", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=_env(tmp_path),
    )
    try:
        address = _first_line(process)
        assert address.startswith("http://127.0.0.1:") and "/wall/" in address
        with urllib.request.urlopen(address, timeout=30) as response:
            html = response.read().decode()
            assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert "Story of the week" in html
        assert html.count('<article class="story') >= 5
        assert "Maja" in html
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_web_without_walls_says_how_to_turn_one_on(tmp_path: Path) -> None:
    env = _env(tmp_path)
    subprocess.run(
        [*storybot_command(), "console", "--user", "Anna"],
        input=f"/story submit {COURIER}\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=True,
    )
    process = subprocess.Popen(
        [*storybot_command(), "web", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    try:
        assert "/story config wall on" in _first_line(process)
    finally:
        process.terminate()
        process.wait(timeout=30)
