"""Secrets stay out of logs and error messages: the scrubber catches them in every place a
log line can carry them, and Settings never shows them (see tests/process/test_secrets.py
for whole `storybot run` processes failing to start)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot import logs
from bot.config import Settings, SettingsError

SLACK_TOKEN = "xoxb-7777777777-8888888888-" + "LeakCanarySlackBot"
APP_TOKEN = "xapp-1-A0APP-9999999999-" + "LeakCanaryApp"
DISCORD_TOKEN = "MTk4NjIyNDgzNDcxOTI1MjQ4.Gh7Xyz." + "LeakCanaryDiscordToken0004abcdefg"
SIGNING_SECRET = "5e0c2f" + "LeakCanarySigning"  # no pattern knows this shape
DB_PASSWORD = "LeakCanary" + "Db:p@ss"
DB_URL = "postgresql://storybot:" + DB_PASSWORD.replace("@", "%40") + "@db.internal/storybot"
CLIENT_SECRET = "9f1b3c" + "LeakCanaryClientSecret"  # hex-like, as Slack's are
OLD_KEY = "LeakCanaryOldEncryptionKey" + "0123456789abcdefghi="  # Fernet-shaped
ENCRYPTION_KEY = "LeakCanaryEncryptionKey" + "0123456789abcdefghij=," + OLD_KEY  # NEW,OLD
ENV = {
    "SLACK_BOT_TOKEN": SLACK_TOKEN,
    "SLACK_APP_TOKEN": APP_TOKEN,
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    "DISCORD_TOKEN": DISCORD_TOKEN,
    "DATABASE_URL": DB_URL,
    "SLACK_CLIENT_ID": "1111.2222",
    "SLACK_CLIENT_SECRET": CLIENT_SECRET,
    "SLACK_TOKEN_ENCRYPTION_KEY": ENCRYPTION_KEY,
}


def assert_clean(text: str) -> None:
    assert "LeakCanary" not in text, text
    assert "p%40ss" not in text, text


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    return Settings.load(None)


@pytest.fixture(params=["json", "console"])
def captured(request: pytest.FixtureRequest, settings: Settings) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    logs.configure("DEBUG", request.param, stream, secrets=settings.secret_values())
    yield stream
    logging.getLogger().handlers.clear()
    logs.configure("INFO", "console", io.StringIO())  # forget the secrets again
    logging.getLogger().handlers.clear()


def test_settings_never_show_a_secret(settings: Settings) -> None:
    assert_clean(repr(settings))
    assert_clean(str(settings))
    assert settings.slack.bot_token is not None
    assert settings.slack.bot_token.get_secret_value() == SLACK_TOKEN  # still usable


def test_a_settings_validation_error_does_not_echo_the_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("HTTP_PORT", "not-a-port")
    monkeypatch.setenv("SHARD_IDS", "[zero]")
    with pytest.raises(SettingsError) as refused:
        Settings.load(None)
    assert any(line.startswith("HTTP_PORT:") for line in refused.value.problems)
    assert any(line.startswith("SHARD_IDS:") for line in refused.value.problems)
    assert_clean(str(refused.value))


def test_every_way_a_secret_can_reach_a_log_line_is_scrubbed(captured: io.StringIO) -> None:
    log = logging.getLogger("storybot.test")
    log.info("message with %s and %s", SLACK_TOKEN, DISCORD_TOKEN)
    log.info("formatted %s", SIGNING_SECRET)
    log.info("oauth %s with key %s, old key %s", CLIENT_SECRET, ENCRYPTION_KEY, OLD_KEY)
    log.info(f"f-string {DB_URL}")
    log.info("extras", extra={"url": DB_URL, "app_token": APP_TOKEN, "plain": SIGNING_SECRET})
    # Values that only become text when rendered: an exception, a dict, a list.
    log.warning(
        "structured",
        extra={
            "error": RuntimeError(f"login failed for {SLACK_TOKEN}"),
            "details": {"url": DB_URL, "nested": [DISCORD_TOKEN]},
            "tokens": [APP_TOKEN, SIGNING_SECRET],
        },
    )
    try:
        try:
            raise ConnectionError(f"could not connect to {DB_URL} as {DB_PASSWORD}")
        except ConnectionError as inner:
            raise RuntimeError(f"start-up failed: {SIGNING_SECRET}") from inner
    except RuntimeError:
        log.exception("start-up failed")
    text = captured.getvalue()
    assert text.count("\n") >= 6 and "start-up failed" in text and "Traceback" in text
    assert_clean(text)
    assert text.count("[redacted]") >= 15


def test_secret_patterns_without_configured_values() -> None:
    """Even before settings are read (or for a token from elsewhere), known shapes go."""
    for secret in (SLACK_TOKEN, APP_TOKEN, DISCORD_TOKEN):
        assert secret not in logs.scrub(f"x {secret} y")
    assert "Db:p%40ss" not in logs.scrub(DB_URL)


def test_short_configured_values_are_not_redacted_everywhere() -> None:
    stream = io.StringIO()
    logs.configure("INFO", "json", stream, secrets=["abc", "", "x" * 6])
    logging.getLogger("t").info("abc and xxxxxx")
    logging.getLogger().handlers.clear()
    logs.configure("INFO", "console", io.StringIO())
    logging.getLogger().handlers.clear()
    assert "abc and [redacted]" in stream.getvalue()
