"""Settings: .env.example is complete and loads as it stands."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def test_env_example_lists_every_setting() -> None:
    listed = set(re.findall(r"^([A-Z_]+)=", EXAMPLE.read_text(), flags=re.MULTILINE))
    assert listed == {name.upper() for name in Settings.model_fields}


def test_env_example_loads_and_starts_no_platform(monkeypatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    settings = Settings(_env_file=EXAMPLE)
    assert settings.platforms == []
    assert settings.database_url.startswith("sqlite")


def test_a_token_turns_a_platform_on(monkeypatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "not-a-real-token")
    monkeypatch.setenv("SHARD_IDS", "[0, 1]")
    settings = Settings(_env_file=None)
    assert settings.platforms == ["discord"] and settings.shard_ids == [0, 1]
    assert "not-a-real-token" not in repr(settings)


def test_oauth_mode_needs_client_id_secret_and_signing_secret_and_no_bot_token(
    monkeypatch,
) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    oauth = {
        "slack_client_id": "1111.2222",
        "slack_client_secret": "client-secret",
        "slack_signing_secret": "signing-secret",
    }
    settings = Settings(_env_file=None, **oauth)
    assert settings.slack_oauth and settings.platforms == ["slack"]
    assert settings.slack_token_rotation is False  # off unless asked
    for missing in oauth:
        partial = {k: v for k, v in oauth.items() if k != missing}
        assert not Settings(_env_file=None, **partial).slack_oauth
    one_workspace = Settings(_env_file=None, slack_bot_token="xoxb-1", **oauth)
    assert not one_workspace.slack_oauth and one_workspace.platforms == ["slack"]
