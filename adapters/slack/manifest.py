"""`storybot slack manifest [--socket-mode | --request-url URL [--oauth]]`: a ready app
manifest (JSON) to paste into "Create New App → From a manifest" at https://api.slack.com/apps.

`--oauth` is for an app installed in many workspaces (docs/SLACK.md, "Many workspaces"): it
adds the redirect URL of the install flow, and, when asked, token rotation and org-wide
deployment on Enterprise Grid."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from adapters.slack.shortcuts import SAVE_MESSAGE_CALLBACK_ID, SHARE_STORY_CALLBACK_ID

PLACEHOLDER_URL = "https://YOUR-HOST/slack/events"
EVENTS_PATH = "/slack/events"
REDIRECT_PATH = "/slack/oauth_redirect"  # adapters.slack.oauth serves it

# Exactly what the adapter calls: slash command and shortcuts (commands); chat.postMessage
# and chat.postEphemeral (chat:write); users.info and users.list (users:read);
# conversations.open for direct messages (im:write); files.uploadV2 for exports (files:write).
BOT_SCOPES = ("commands", "chat:write", "users:read", "im:write", "files:write")
# app_uninstalled and tokens_revoked are only sent to apps subscribed to them: without them an
# uninstall would go unnoticed (OAuth mode keeps the dead tokens; one-token mode runs on).
BOT_EVENTS = ("app_home_opened", "app_uninstalled", "tokens_revoked")


def redirect_url(request_url: str) -> str:
    """The install flow's redirect URL beside the events URL (same host and prefix)."""
    return request_url.removesuffix("/").removesuffix(EVENTS_PATH) + REDIRECT_PATH


def manifest(
    *,
    socket_mode: bool = False,
    request_url: str = PLACEHOLDER_URL,
    oauth: bool = False,
    token_rotation: bool = False,
    org_deploy: bool = False,
) -> dict[str, Any]:
    if oauth and socket_mode:
        raise ValueError("OAuth installs need HTTP: --oauth does not go with --socket-mode.")
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
    oauth_config: dict[str, Any] = {"scopes": {"bot": list(BOT_SCOPES)}}
    if oauth:
        oauth_config = {"redirect_urls": [redirect_url(request_url)], **oauth_config}
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
        "oauth_config": oauth_config,
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": oauth and org_deploy,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": oauth and token_rotation,
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
    parser.add_argument(
        "--oauth",
        action="store_true",
        help="an app for many workspaces: add the install flow's redirect URL",
    )
    parser.add_argument(
        "--token-rotation",
        action="store_true",
        help="with --oauth: tokens expire after 12 hours and Storybot refreshes them",
    )
    parser.add_argument(
        "--org-deploy",
        action="store_true",
        help="with --oauth: allow org-wide installs on Enterprise Grid",
    )
    args = parser.parse_args(argv)
    if args.oauth and args.socket_mode:
        parser.error("--oauth needs HTTP (the install flow is a web page): drop --socket-mode")
    if (args.token_rotation or args.org_deploy) and not args.oauth:
        parser.error("--token-rotation and --org-deploy go with --oauth")
    document = manifest(
        socket_mode=args.socket_mode,
        request_url=args.request_url,
        oauth=args.oauth,
        token_rotation=args.token_rotation,
        org_deploy=args.org_deploy,
    )
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
