"""An independent referee for rendered Block Kit: Slack's documented limits, checked by
hand and by slack_sdk's own model validators, plus the no-ping rule for user text."""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View


def units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# Opaque to Slack: never displayed, never parsed for mentions.
_NOT_SHOWN = {"value", "action_id", "block_id", "private_metadata", "callback_id"}


def texts(value: Any) -> list[str]:
    """Every string Slack may parse for markup inside rendered JSON (plain_text is shown as
    sent and parsed for nothing, so it is left out)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        if value.get("type") == "plain_text":
            return []
        return [t for k, v in value.items() if k not in _NOT_SHOWN for t in texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in texts(v)]
    return []


# What our renderer may write itself; anything else in angle brackets came from data.
_OUR_LINK = re.compile(r"<https://[^\s<>|]+\|[^<>]*>")
_OUR_MENTION = re.compile(r"<@[UW][A-Z0-9]{2,}>")


def assert_no_markup_from_data(value: Any, *, mentions_allowed: bool) -> None:
    for text in texts(value):
        rest = _OUR_LINK.sub("", text)
        if mentions_allowed:
            rest = _OUR_MENTION.sub("", rest)
        assert "<" not in rest and ">" not in rest, text


def _text_object(obj: dict[str, Any], limit: int) -> None:
    assert obj["type"] in ("plain_text", "mrkdwn")
    assert obj["text"].strip(), "empty text object"
    assert units(obj["text"]) <= limit, (units(obj["text"]), limit)


def assert_valid_blocks(blocks: list[dict[str, Any]], limit: int) -> None:
    assert 1 <= len(blocks) <= limit
    action_ids: list[str] = []
    for block in blocks:
        kind = block["type"]
        if kind == "header":
            _text_object(block["text"], 150)
            assert block["text"]["type"] == "plain_text"
        elif kind == "section":
            if "text" in block:
                _text_object(block["text"], 3000)
            if "fields" in block:
                assert 1 <= len(block["fields"]) <= 10
                for field in block["fields"]:
                    _text_object(field, 2000)
        elif kind == "context":
            assert 1 <= len(block["elements"]) <= 10
            for element in block["elements"]:
                _text_object(element, 3000)
        elif kind == "divider":
            assert block == {"type": "divider"}
        elif kind == "actions":
            assert 1 <= len(block["elements"]) <= 25
            for button in block["elements"]:
                _text_object(button["text"], 75)
                assert 0 < units(button["value"]) <= 2000
                assert len(button["action_id"]) <= 255
                action_ids.append(button["action_id"])
        else:
            raise AssertionError(f"unexpected block {kind}")
        Block.parse(block).validate_json()  # type: ignore[union-attr]
    assert len(action_ids) == len(set(action_ids)), "action ids must be unique"


def assert_valid_modal(view: dict[str, Any]) -> None:
    _text_object(view["title"], 24)
    if "submit" in view:
        _text_object(view["submit"], 24)
    assert len(view.get("private_metadata", "")) <= 3000
    blocks = view["blocks"]
    assert 1 <= len(blocks) <= 100
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(block_ids) == len(set(block_ids))
    assert all(len(b) <= 255 for b in block_ids)
    for block in blocks:
        if block["type"] == "input":
            _assert_valid_input(block)
        else:
            assert_valid_blocks([block], 1)
    View(**view).validate_json()


def assert_valid_home(view: dict[str, Any]) -> None:
    """An App Home tab: up to 100 blocks, no title or submit."""
    assert view["type"] == "home"
    assert 1 <= len(view["blocks"]) <= 100
    assert_valid_blocks(view["blocks"], 100)


def refusal(method: str, args: dict[str, Any]) -> str | None:
    """Why Slack would refuse the blocks or view of this call (`invalid_blocks` and the
    reason), or None when they keep Block Kit's documented limits."""
    try:
        if method.startswith("views."):
            view = args.get("view") or {}
            (assert_valid_home if view.get("type") == "home" else assert_valid_modal)(view)
        elif args.get("blocks") is not None:
            assert_valid_blocks(list(args["blocks"]), 50)
    except (AssertionError, KeyError, TypeError, ValueError) as failure:
        return f"invalid_blocks: {failure!r}"[:500]
    return None


def _assert_valid_input(block: dict[str, Any]) -> None:
    _text_object(block["label"], 2000)
    element = block["element"]
    if "placeholder" in element:
        _text_object(element["placeholder"], 150)
    kind = element["type"]
    if kind == "plain_text_input":
        assert 1 <= element["max_length"] <= 3000
        assert element.get("min_length", 0) <= element["max_length"]
        if "initial_value" in element:
            assert units(element["initial_value"]) <= element["max_length"]
    elif kind in ("multi_static_select", "checkboxes"):
        options = element["options"]
        assert 1 <= len(options) <= 100
        values = [o["value"] for o in options]
        assert len(values) == len(set(values))
        for option in options:
            _text_object(option["text"], 75)
            assert 0 < units(option["value"]) <= 150
        for chosen in element.get("initial_options", []):
            assert chosen in options
    else:
        assert kind == "multi_users_select", kind
        for user in element.get("initial_users", []):
            assert re.fullmatch(r"[UW][A-Z0-9]{2,}", user), user
