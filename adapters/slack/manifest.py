"""`storybot slack manifest [--socket-mode]`: a ready app manifest (JSON) to paste into
"Create New App → From a manifest" at https://api.slack.com/apps."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from adapters.slack.shortcuts import SAVE_MESSAGE_CALLBACK_ID, SHARE_STORY_CALLBACK_ID

PLACEHOLDER_URL = "https://YOUR-HOST/slack/events"

# Exactly what the adapter calls: slash command and shortcuts (commands); chat.postMessage
# and chat.postEphemeral (chat:write); users.info and users.list (users:read);
# conversations.open for direct messages (im:write); files.uploadV2 for exports (files:write).
BOT_SCOPES = ("commands", "chat:write", "users:read", "im:write", "files:write")
BOT_EVENTS = ("app_home_opened",)


def manifest(*, socket_mode: bool = False, request_url: str = PLACEHOLDER_URL) -> dict[str, Any]:
    command: dict[str, Any] = {
        "command": "/story",
        "description": "Share and read stories of good customer service",
        "usage_hint": (
            "[submit <text> | browse | search <words> | show <n> | tags | config | export | help]"
        ),
        # Mentions arrive as <@U123>, so "/story submit … @anna" credits Anna.
        "should_escape": True,
    }
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if not socket_mode:
        command["url"] = request_url
        events["request_url"] = request_url
        interactivity["request_url"] = request_url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": "Storybot",
            "description": "Collect, tag, browse and feature good customer-service stories.",
            "background_color": "#2c5f2d",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": True,
            },
            "bot_user": {"display_name": "storybot", "always_online": True},
            "slash_commands": [command],
            "shortcuts": [
                {
                    "name": "Save as service story",
                    "type": "message",
                    "callback_id": SAVE_MESSAGE_CALLBACK_ID,
                    "description": "Open the story form filled in with this message",
                },
                {
                    "name": "Share a service story",
                    "type": "global",
                    "callback_id": SHARE_STORY_CALLBACK_ID,
                    "description": "Open the form to share a story of good customer service",
                },
            ],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="storybot slack manifest", description="Print the Slack app manifest (JSON)."
    )
    parser.add_argument(
        "--socket-mode",
        action="store_true",
        help="connect through Socket Mode (no public URL needed)",
    )
    parser.add_argument(
        "--request-url",
        default=PLACEHOLDER_URL,
        help=f"where Slack sends requests in HTTP mode (default: {PLACEHOLDER_URL})",
    )
    args = parser.parse_args(argv)
    document = manifest(socket_mode=args.socket_mode, request_url=args.request_url)
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
