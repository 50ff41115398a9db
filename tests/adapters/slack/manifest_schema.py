"""The part of Slack's app manifest schema that Storybot's manifest uses, as a JSON Schema.

Written from the published schema (repository slackapi/manifest-schema,
`schemas/manifest.schema.1.0.0.json`): the same field names, limits, patterns and
`additionalProperties: false`, so a field Slack would refuse at install time fails here too.
Fields Storybot never emits are left out, which also makes emitting them a failure.
"""

from __future__ import annotations

from typing import Any

HTTP_URL = {"type": "string", "maxLength": 3500, "pattern": r"^https?:\/\/"}


def _closed(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


def _text(low: int, high: int) -> dict[str, Any]:
    return {"type": "string", "minLength": low, "maxLength": high}


SCHEMA: dict[str, Any] = _closed(
    {
        "_metadata": _closed(
            {"major_version": {"type": "integer"}, "minor_version": {"type": "integer"}}
        ),
        "display_information": _closed(
            {
                "name": _text(1, 35),
                "description": _text(1, 140),
                "background_color": _text(4, 7),
                "long_description": _text(175, 4000),
            },
            ("name",),
        ),
        "features": _closed(
            {
                "app_home": _closed(
                    {
                        "home_tab_enabled": {"type": "boolean"},
                        "messages_tab_enabled": {"type": "boolean"},
                        "messages_tab_read_only_enabled": {"type": "boolean"},
                    }
                ),
                "bot_user": _closed(
                    {"display_name": _text(1, 80), "always_online": {"type": "boolean"}},
                    ("display_name",),
                ),
                "slash_commands": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 50,
                    "items": _closed(
                        {
                            "command": {**_text(2, 32), "pattern": r"^\/"},
                            "url": {**HTTP_URL, "maxLength": 3000},
                            "description": _text(1, 2000),
                            "usage_hint": _text(1, 1000),
                            "should_escape": {"type": "boolean"},
                        },
                        ("command", "description"),
                    ),
                },
                "shortcuts": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 10,
                    "items": _closed(
                        {
                            "name": _text(1, 24),
                            "type": {"enum": ["message", "global"]},
                            "callback_id": _text(1, 255),
                            "description": _text(1, 150),
                        },
                        ("name", "type", "callback_id", "description"),
                    ),
                },
            }
        ),
        "oauth_config": _closed(
            {
                "redirect_urls": {
                    "type": "array",
                    "maxItems": 1000,
                    "items": {"type": "string", "maxLength": 2500},
                },
                "scopes": _closed(
                    {
                        "bot": {
                            "type": "array",
                            "maxItems": 255,
                            "items": {"type": "string", "maxLength": 50},
                        },
                        "user": {
                            "type": "array",
                            "maxItems": 255,
                            "items": {"type": "string", "maxLength": 50},
                        },
                    }
                ),
                "token_management_enabled": {"type": "boolean"},
            }
        ),
        "settings": _closed(
            {
                "event_subscriptions": _closed(
                    {
                        "request_url": HTTP_URL,
                        "bot_events": {
                            "type": "array",
                            "maxItems": 100,
                            "items": {"type": "string", "maxLength": 50},
                        },
                    }
                ),
                "interactivity": _closed(
                    {"is_enabled": {"type": "boolean"}, "request_url": HTTP_URL},
                    ("is_enabled",),
                ),
                "org_deploy_enabled": {"type": "boolean"},
                "socket_mode_enabled": {"type": "boolean"},
                "token_rotation_enabled": {"type": "boolean"},
            }
        ),
    },
    ("display_information",),
)
