"""Logs are structured and never carry a secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot import logs

FAKE_SLACK_TOKEN = "xoxb-" + "1234-5678-abcdefgh"
FAKE_DB_URL = "postgresql://storybot:" + "hunter2" + "@db.internal/storybot"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    logs.configure("INFO", "json", stream)
    yield stream
    logging.getLogger().handlers.clear()


def test_json_lines_with_extra_fields(captured: io.StringIO) -> None:
    logging.getLogger("storybot.test").info("weekly feature", extra={"community": 7})
    line = json.loads(captured.getvalue().splitlines()[-1])
    assert line["event"] == "weekly feature" and line["community"] == 7 and line["level"] == "info"


def test_tokens_and_passwords_are_scrubbed(captured: io.StringIO) -> None:
    log = logging.getLogger("storybot.test")
    log.warning("could not start with %s", FAKE_SLACK_TOKEN)
    log.warning("database", extra={"url": FAKE_DB_URL, "bot_token": "anything"})
    try:
        raise RuntimeError(f"login failed for {FAKE_SLACK_TOKEN}")
    except RuntimeError:
        log.exception("startup failed")
    text = captured.getvalue()
    assert FAKE_SLACK_TOKEN not in text and "hunter2" not in text and "anything" not in text
    assert text.count("[redacted]") >= 4
