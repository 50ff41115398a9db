"""Request bodies shaped like Slack's documented examples, and signing them."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

from tests.fakes.slack import TEAM

SECRET = "test-signing-secret-8f2c"
APP_ID = "A0APP"
CHANNEL = "C0GENERAL"

_ids = itertools.count(1)


def trigger_id(*, age: float = 0.0) -> str:
    """A trigger id as Slack makes them, carrying when it was issued (milliseconds), so the
    fake can refuse one used after Slack's 3 seconds."""
    issued = int((time.time() - age) * 1000)
    return f"{next(_ids)}.{issued}.fa1c0ffee{next(_ids)}"


def sign(body: str, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def command(
    text: str,
    *,
    user: str,
    response_url: str,
    channel: str = CHANNEL,
    trigger: str | None = None,
    team: str = TEAM,
    enterprise: str | None = None,
    org_install: bool = False,
) -> str:
    """A slash command: plain form fields. `team` is the acting user's workspace (another
    organisation's in a Slack Connect channel); `enterprise` its Enterprise Grid org, and
    `org_install` when the app was installed org-wide there."""
    grid = {"enterprise_id": enterprise, "enterprise_name": "Org"} if enterprise else {}
    return urlencode(
        {
            **grid,
            "token": "legacy-verification-token",
            "team_id": team,
            "team_domain": "acme",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/story",
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "true" if org_install else "false",
            "response_url": response_url,
            "trigger_id": trigger or trigger_id(),
        }
    )


def interactive(payload: dict[str, Any]) -> str:
    """Interactive payloads arrive form-encoded as payload=<json>."""
    return urlencode({"payload": json.dumps(payload)})


def _user(user: str) -> dict[str, Any]:
    return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM}


def block_actions(
    button: dict[str, Any],
    *,
    user: str,
    response_url: str | None = None,
    ephemeral: bool = True,
    channel: str = CHANNEL,
    view: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A click on one of our buttons, in a message or in a view (modal or Home)."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user),
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "trigger_id": trigger_id(),
        "team": {"id": TEAM, "domain": "acme"},
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [
            {
                "action_id": button["action_id"],
                "block_id": "b1",
                "text": button["text"],
                "value": button["value"],
                "type": "button",
                "action_ts": "1700000000.123456",
            }
        ],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = view
    else:
        payload["container"] = {
            "type": "message",
            "message_ts": "1700000000.000100",
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        }
        payload["channel"] = {"id": channel, "name": "general"}
        payload["response_url"] = response_url
    return payload


def view_as_slack_has_it(
    view: dict[str, Any], view_id: str, state: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A view we sent, as Slack sends it back in payloads."""
    return {
        **view,
        "id": view_id,
        "team_id": TEAM,
        "state": {"values": state or {}},
        "hash": "1700000000.abcd",
        "clear_on_close": False,
        "notify_on_close": False,
        "close": view.get("close"),
        "submit": view.get("submit"),
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": APP_ID,
        "external_id": "",
        "app_installed_team_id": TEAM,
        "bot_id": "B0BOT",
    }


def state_for(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """view.state.values for `answers` keyed by block id, as Slack fills it in."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        kind = element["type"]
        answer = answers.get(block["block_id"])
        if kind == "plain_text_input":
            state = {"type": kind, "value": answer}
        elif kind == "multi_users_select":
            state = {"type": kind, "selected_users": list(answer or [])}
        elif kind == "multi_static_select":
            chosen = [o for o in element["options"] if o["value"] in (answer or [])]
            state = {"type": kind, "selected_options": chosen}
        elif kind == "checkboxes":
            state = {"type": kind, "selected_options": element["options"] if answer else []}
        else:
            raise AssertionError(f"unexpected element {kind}")
        values[block["block_id"]] = {element["action_id"]: state}
    return values


def view_submission(
    view: dict[str, Any], answers: dict[str, Any], *, user: str, view_id: str
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "acme"},
        "user": _user(user),
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "trigger_id": trigger_id(),
        "view": view_as_slack_has_it(view, view_id, state_for(view, answers)),
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def message_action(
    text: str, *, user: str, author: str, response_url: str, channel: str = CHANNEL
) -> dict[str, Any]:
    """A message shortcut on someone's message."""
    return {
        "type": "message_action",
        "token": "legacy-verification-token",
        "action_ts": "1700000100.000001",
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": user, "name": user.lower()},
        "channel": {"id": channel, "name": "general"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": "save_story",
        "trigger_id": trigger_id(),
        "response_url": response_url,
        "message_ts": "1700000050.000300",
        "message": {
            "client_msg_id": "3e6b4b4e-0000-4000-8000-000000000001",
            "type": "message",
            "text": text,
            "user": author,
            "ts": "1700000050.000300",
            "team": TEAM,
        },
    }


def global_shortcut(*, user: str) -> dict[str, Any]:
    return {
        "type": "shortcut",
        "token": "legacy-verification-token",
        "action_ts": "1700000200.000001",
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": "share_story",
        "trigger_id": trigger_id(),
    }


def app_home_opened(*, user: str, tab: str = "home") -> dict[str, Any]:
    """An Events API callback."""
    n = next(_ids)
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "api_app_id": APP_ID,
        "event": {
            "type": "app_home_opened",
            "user": user,
            "channel": f"D{user}",
            "tab": tab,
            "event_ts": f"1700000300.{n:06d}",
        },
        "type": "event_callback",
        "event_id": f"Ev0{n:08d}",
        "event_time": 1700000300,
        "authorizations": [
            {"team_id": TEAM, "user_id": "U0BOT", "is_bot": True, "is_enterprise_install": False}
        ],
        "is_ext_shared_channel": False,
    }
