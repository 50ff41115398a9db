"""Settings: .env.example is complete and loads as it stands; every bad value is named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import ENV_FILE_VARIABLE, Settings, SettingsError

EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [*Settings.variables(), ENV_FILE_VARIABLE]:
        monkeypatch.delenv(name, raising=False)


def test_env_example_lists_every_setting() -> None:
    listed = set(re.findall(r"^([A-Z_]+)=", EXAMPLE.read_text(), flags=re.MULTILINE))
    assert listed == set(Settings.variables())


def test_env_example_loads_and_starts_no_platform() -> None:
    settings = Settings.load(EXAMPLE)
    assert settings.platforms == []
    assert settings.database.url.startswith("sqlite")


def test_a_token_turns_a_platform_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "not-a-real-token")
    monkeypatch.setenv("SHARD_IDS", "[0, 1]")
    monkeypatch.setenv("SHARD_COUNT", "2")
    settings = Settings.load(None)
    assert settings.platforms == ["discord"] and settings.discord.shard_ids == [0, 1]
    assert "not-a-real-token" not in repr(settings)


def test_environment_names_are_unchanged_by_the_sections(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example:5433/stories")
    monkeypatch.setenv("DB_POOL_SIZE", "7")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    monkeypatch.setenv("HTTP_PORT", "8080")
    monkeypatch.setenv("LOG_FORMAT", "json")
    settings = Settings.load(None)
    assert settings.database.pool_size == 7
    assert settings.database.url == "postgresql://db.example:5433/stories"
    assert settings.slack.app_token is not None and settings.http.port == 8080
    assert settings.logging.format == "json"


def test_secret_values_cover_every_secret_field() -> None:
    settings = Settings.load(
        None,
        slack_bot_token="s1",
        slack_signing_secret="s2",
        slack_app_token="s3",
        discord_token="s4",
        database_url="postgresql://u:s5@db/x",
        slack_client_secret="s6",
        slack_token_encryption_key="s7,s8",
    )
    secret_fields = [
        name
        for section in Settings.SECTIONS.values()
        for name, field in section.model_fields.items()
        if "SecretStr" in str(field.annotation)
    ]
    assert len(secret_fields) == 6
    assert set(settings.secret_values()) >= {"s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"}


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("DATABASE_URL", "mysql://db/x", "scheme 'mysql'"),
        ("DATABASE_URL", "postgresql://db:port/x", "cannot be read as a URL"),
        ("DATABASE_URL", "sqlite+aiosqlite:////no/such/folder/x.db", "does not exist"),
        ("DEFAULT_TIMEZONE", "Mars/Base", "'Mars/Base' is not a time zone"),
        ("LOG_LEVEL", "LOUD", "'LOUD' is not one of"),
        ("LOG_FORMAT", "xml", "'xml' is not console or json"),
        ("HTTP_PORT", "70000", "less than or equal to 65535"),
        ("SLACK_BOT_TOKEN", "xoxb-1", "SLACK_SIGNING_SECRET: not set"),
        ("SHARD_IDS", "[0]", "SHARD_COUNT: not set"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, problem: str
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "t")  # so SHARD_IDS alone is the problem
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as refused:
        Settings.load(None)
    [line] = refused.value.problems
    assert problem in line and "\n" not in line
    assert line.split(":")[0] in Settings.variables()


def test_postgres_urls_as_hosts_hand_them_out_are_accepted() -> None:
    for url in ("postgres://u:p@db.example/x", "postgresql://u@db/x?sslmode=require"):
        assert Settings.load(None, database_url=url).database.url == url


def test_the_env_file_can_be_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    elsewhere = tmp_path / "storybot.env"
    elsewhere.write_text("DEFAULT_TIMEZONE=UTC\n")
    monkeypatch.chdir(tmp_path)
    assert Settings.load().defaults.timezone == "Europe/Stockholm"  # no .env here
    monkeypatch.setenv(ENV_FILE_VARIABLE, str(elsewhere))
    settings = Settings.load()
    assert settings.defaults.timezone == "UTC" and settings.env_file == elsewhere


def test_a_named_env_file_that_is_missing_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="no settings file at"):
        Settings.load(tmp_path / "missing.env")


def test_oauth_mode_needs_client_id_secret_and_signing_secret_and_no_bot_token(
    monkeypatch,
) -> None:
    for name in Settings.variables():
        monkeypatch.delenv(name, raising=False)
    oauth = {
        "slack_client_id": "1111.2222",
        "slack_client_secret": "client-secret",
        "slack_signing_secret": "signing-secret",
    }
    settings = Settings.load(None, **oauth)
    assert settings.slack.oauth and settings.platforms == ["slack"]
    assert settings.slack.token_rotation is False  # off unless asked
    for missing in oauth:
        # Part of the OAuth settings without a bot token is a mistake to name, not a mode.
        partial = {k: v for k, v in oauth.items() if k != missing}
        try:
            assert not Settings.load(None, **partial).slack.oauth
        except SettingsError as refused:
            assert any("SLACK_" in line for line in refused.problems)
    one_workspace = Settings.load(None, slack_bot_token="xoxb-1", **oauth)
    assert not one_workspace.slack.oauth and one_workspace.platforms == ["slack"]
