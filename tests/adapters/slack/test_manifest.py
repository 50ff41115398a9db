"""`storybot slack manifest`: what Slack needs to create the app, and exactly the scopes
the adapter's calls need."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from adapters.slack import manifest, shortcuts
from tests.adapters.slack.manifest_schema import SCHEMA

ADAPTER = Path(manifest.__file__).parent

# The Web API methods the adapter calls, and the bot scope each needs (None: no scope).
SCOPE_OF = {
    "auth_test": None,
    "auth_teams_list": None,  # no scope required (Enterprise Grid org-wide installs)
    "chat_getPermalink": None,
    "apps_connections_open": None,  # the app-level token (connections:write), not a bot scope
    "chat_postEphemeral": "chat:write",
    "chat_postMessage": "chat:write",
    "conversations_open": "im:write",
    "files_upload_v2": "files:write",
    "users_info": "users:read",
    "users_list": "users:read",
    "views_open": None,
    "views_publish": None,
    "views_push": None,
    "views_update": None,
}


def called_methods() -> set[str]:
    found: set[str] = set()
    for path in ADAPTER.glob("*.py"):
        found.update(re.findall(r"client\.(\w+)\(", path.read_text(encoding="utf-8")))
    return found


def test_the_bot_scopes_are_exactly_those_the_adapter_uses() -> None:
    used = called_methods()
    assert used <= set(SCOPE_OF), (
        f"a new Web API call needs a scope decision: {used - set(SCOPE_OF)}"
    )
    needed = {SCOPE_OF[m] for m in used} - {None} | {"commands"}
    assert set(manifest.BOT_SCOPES) == needed


def test_the_http_manifest_points_everything_at_the_events_url() -> None:
    document = manifest.manifest()
    url = "https://YOUR-HOST/slack/events"
    [command] = document["features"]["slash_commands"]
    assert command["command"] == "/story" and command["url"] == url
    assert command["should_escape"] is True
    settings = document["settings"]
    assert settings["socket_mode_enabled"] is False
    assert settings["interactivity"] == {"is_enabled": True, "request_url": url}
    assert settings["event_subscriptions"] == {
        # Slack sends an uninstall or revocation only to apps subscribed to it.
        "bot_events": ["app_home_opened", "app_uninstalled", "tokens_revoked"],
        "request_url": url,
    }
    home = document["features"]["app_home"]
    assert home["home_tab_enabled"] is True and home["messages_tab_enabled"] is True
    shortcuts_by_id = {s["callback_id"]: s for s in document["features"]["shortcuts"]}
    assert shortcuts_by_id[shortcuts.SAVE_MESSAGE_CALLBACK_ID]["type"] == "message"
    assert shortcuts_by_id[shortcuts.SAVE_MESSAGE_CALLBACK_ID]["name"] == "Save as service story"
    assert shortcuts_by_id[shortcuts.SHARE_STORY_CALLBACK_ID]["type"] == "global"
    assert shortcuts_by_id[shortcuts.SHARE_STORY_CALLBACK_ID]["name"] == "Share a service story"


def test_the_socket_mode_manifest_has_no_request_urls() -> None:
    document = manifest.manifest(socket_mode=True)
    assert document["settings"]["socket_mode_enabled"] is True
    assert "YOUR-HOST" not in json.dumps(document)
    assert document["settings"]["interactivity"] == {"is_enabled": True}


def test_main_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert manifest.main(["--socket-mode"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["settings"]["socket_mode_enabled"] is True
    assert manifest.main(["--request-url", "https://stories.example.com/slack/events"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["settings"]["interactivity"]["request_url"].startswith("https://stories.")


@pytest.mark.parametrize(
    "document",
    [
        manifest.manifest(),
        manifest.manifest(socket_mode=True),
        manifest.manifest(request_url="https://stories.example.com/slack/events"),
        manifest.manifest(
            request_url="https://stories.example.com/slack/events",
            oauth=True,
            token_rotation=True,
            org_deploy=True,
        ),
    ],
    ids=["http", "socket-mode", "custom-url", "oauth"],
)
def test_the_manifest_validates_against_slacks_schema(document: dict[str, object]) -> None:
    jsonschema.validate(document, SCHEMA)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("features", "shortcuts", 0, "name"), "Save as good-service story"),  # 26 > 24
        (("features", "slash_commands", 0, "command"), "story"),  # must start with /
        (("settings", "interactivity", "request_url"), "ftp://example.com"),
        (("display_information", "description"), "x" * 141),
        (("features", "bot_user", "unknown_field"), True),
    ],
)
def test_the_schema_refuses_what_slack_refuses(path: tuple[object, ...], value: object) -> None:
    """The contract is strict where Slack is: each of these is refused at install time."""
    document = copy.deepcopy(manifest.manifest())
    target: Any = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, SCHEMA)


def test_the_oauth_manifest_adds_the_redirect_url_and_rotation_when_asked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = "https://stories.example.com/slack/events"
    assert manifest.main(["--request-url", url, "--oauth", "--token-rotation"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["oauth_config"]["redirect_urls"] == [
        "https://stories.example.com/slack/oauth_redirect"
    ]
    assert printed["settings"]["token_rotation_enabled"] is True
    assert printed["settings"]["org_deploy_enabled"] is False
    plain = manifest.manifest(request_url=url, oauth=True)
    assert plain["settings"]["token_rotation_enabled"] is False
    assert "redirect_urls" not in manifest.manifest(request_url=url)["oauth_config"]
    prefixed = manifest.redirect_url("https://example.com/bots/storybot/slack/events")
    assert prefixed == "https://example.com/bots/storybot/slack/oauth_redirect"
    with pytest.raises(SystemExit):
        manifest.main(["--socket-mode", "--oauth"])


def test_the_usage_hint_names_every_command_a_member_types() -> None:
    [command] = manifest.manifest()["features"]["slash_commands"]
    for word in ("submit", "browse", "search", "show", "tags", "config", "export", "help"):
        assert word in command["usage_hint"]
