"""The fake Discord refuses what Discord refuses (docs/DISCORD.md names each documented
rule), so an adapter change that breaks a rule fails here and not in production."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.fakes.discord import CHAT_INPUT, FakeDiscord, slash_data, user

EMBED = {"title": "t", "description": "d"}
BUTTON = {"type": 2, "style": 2, "label": "b", "custom_id": "sb1:show:1"}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def respond(
    fake: FakeDiscord, http: aiohttp.ClientSession, payload: dict[str, Any], iid: int = 0
) -> tuple[int, dict[str, Any]]:
    if not iid:
        iid = int(fake.interaction(CHAT_INPUT, None, user(fake.new_id(), "anna"))["id"])
    url = f"{fake.api_url}/interactions/{iid}/token-{iid}/callback"
    async with http.post(url, json=payload) as answer:
        return answer.status, await answer.json()


def message(**data: Any) -> dict[str, Any]:
    return {"type": 4, "data": data}


def buttons(count: int) -> list[dict[str, Any]]:
    return [{**BUTTON, "custom_id": f"sb1:show:{n}"} for n in range(count)]


@pytest.mark.parametrize(
    "payload",
    [
        message(content="x" * 2001),
        message(embeds=[EMBED] * 11),
        message(embeds=[{"title": "x" * 257}]),
        message(embeds=[{"description": "x" * 4097}]),
        message(embeds=[{"fields": [{"name": "n", "value": "v"}] * 26}]),
        message(embeds=[{"fields": [{"name": "n", "value": "x" * 1025}]}]),
        message(embeds=[{"description": "x" * 4000}, {"description": "x" * 2001}]),
        message(components=[{"type": 1, "components": buttons(1)}] * 6),
        message(components=[{"type": 1, "components": buttons(6)}]),
        message(components=[{"type": 1, "components": [{**BUTTON, "label": "x" * 81}]}]),
        message(components=[{"type": 1, "components": [{**BUTTON, "custom_id": "x" * 101}]}]),
        message(components=[{"type": 1, "components": [BUTTON, BUTTON]}]),
        {"type": 8, "data": {"choices": [{"name": "n", "value": "v"}] * 26}},
        {"type": 8, "data": {"choices": [{"name": "n", "value": "x" * 101}]}},
        {"type": 9, "data": {"title": "x" * 46, "custom_id": "m", "components": []}},
        {
            "type": 9,
            "data": {
                "title": "Form",
                "custom_id": "m",
                "components": [
                    {"type": 18, "label": "Story", "component": {"type": 4, "max_length": 4001}}
                ],
            },
        },
    ],
    ids=[
        "content",
        "ten-embeds",
        "embed-title",
        "embed-description",
        "fields",
        "field-value",
        "embeds-total",
        "rows",
        "buttons-per-row",
        "button-label",
        "custom-id",
        "same-custom-id",
        "choices",
        "choice-value",
        "modal-title",
        "text-input",
    ],
)
async def test_a_payload_over_a_documented_limit_is_refused(
    fake: FakeDiscord, http: aiohttp.ClientSession, payload: dict[str, Any]
) -> None:
    status, body = await respond(fake, http, payload)
    assert (status, body["code"]) == (400, 50035)


async def test_a_payload_within_the_limits_is_accepted(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    payload = message(
        content="x" * 2000,
        embeds=[{"description": "x" * 4000}, {"description": "x" * 2000}],
        components=[{"type": 1, "components": buttons(5)}],
    )
    status, _ = await respond(fake, http, payload)
    assert status == 200


async def test_an_over_long_follow_up_or_channel_message_is_refused(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    iid = int(fake.interaction(CHAT_INPUT, None, user(fake.new_id(), "anna"))["id"])
    assert (await respond(fake, http, {"type": 5, "data": {}}, iid))[0] == 200
    for url in (
        f"{fake.api_url}/webhooks/{fake.app_id}/token-{iid}",
        f"{fake.api_url}/webhooks/{fake.app_id}/token-{iid}/messages/@original",
        f"{fake.api_url}/channels/{fake.highlight_channel_id}/messages",
    ):
        method = http.patch if url.endswith("@original") else http.post
        async with method(url, json={"content": "x" * 2001}) as answer:
            assert (answer.status, (await answer.json())["code"]) == (400, 50035)


async def test_a_second_initial_response_is_refused(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    iid = int(fake.interaction(CHAT_INPUT, None, user(fake.new_id(), "anna"))["id"])
    assert (await respond(fake, http, message(content="first"), iid))[0] == 200
    status, body = await respond(fake, http, message(content="second"), iid)
    assert (status, body["code"]) == (400, 40060)


async def test_a_first_response_after_three_seconds_is_refused(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    fake.clock = clock = Clock()
    late = int(fake.interaction(CHAT_INPUT, None, user(fake.new_id(), "anna"))["id"])
    in_time = int(fake.interaction(CHAT_INPUT, None, user(fake.new_id(), "bo"))["id"])
    clock.now = 2.9
    assert (await respond(fake, http, message(content="in time"), in_time))[0] == 200
    clock.now = 3.1
    status, body = await respond(fake, http, message(content="too late"), late)
    assert (status, body["code"]) == (404, 10062)
    # Once acknowledged in time, the token lives on for follow-ups (15 minutes).
    url = f"{fake.api_url}/webhooks/{fake.app_id}/token-{in_time}"
    async with http.post(url, json={"content": "later"}) as answer:
        assert answer.status == 200


def test_a_string_option_s_mentions_come_resolved_as_discord_sends_them() -> None:
    """Discord resolves the users (with their member, which then has no user), roles and
    channels mentioned in a command's options (developers/interactions/receiving-and-
    responding.mdx, *Resolved Data Structure*); an id it does not know is left out."""
    fake = FakeDiscord()
    bo = user(fake.new_id(), "bo")
    fake.members[int(bo["id"])] = bo
    ghost, role, channel = fake.new_id(), fake.mod_role_id, fake.channel_id
    text = f"<@!{bo['id']}> <@{ghost}> <@&{role}> <@&{fake.new_id()}> <#{channel}> <#1>"
    resolved = slash_data(fake, "submit", {"text": text})["resolved"]

    assert resolved["users"] == {bo["id"]: bo}
    assert set(resolved["members"]) == {bo["id"]} and "user" not in resolved["members"][bo["id"]]
    assert {i: r["name"] for i, r in resolved["roles"].items()} == {str(role): "Support leads"}
    assert {i: c["name"] for i, c in resolved["channels"].items()} == {str(channel): "support"}
    assert {"id", "name", "type", "permissions"} <= set(resolved["channels"][str(channel)])
    assert "resolved" not in slash_data(fake, "submit", {"text": "no mentions here"})
