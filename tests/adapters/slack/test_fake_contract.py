"""The fake Slack refuses what Slack documents as refused, so adapter tests cannot pass
against a lenient fake. Each refusal is shown here through the real slack_sdk client."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes import slack_payloads as payloads
from tests.fakes.slack import (
    CLIENT_ID,
    CLIENT_SECRET,
    RESPONSE_URL_SECONDS,
    RESPONSE_URL_USES,
    FakeSlack,
)

MODAL = {
    "type": "modal",
    "title": {"type": "plain_text", "text": "Share a story"},
    "blocks": [{"type": "section", "text": {"type": "plain_text", "text": "Hello"}}],
}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def client(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=fake.api_url)


async def refused(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call
    return str(caught.value.response["error"])


@pytest.mark.parametrize(
    "blocks",
    [
        [section("x" * 3001)],  # section text: 3000 characters
        [section("ok")] * 51,  # 50 blocks per message
        [{"type": "no_such_block", "text": "hi"}],  # unknown block type
        [{"type": "header", "text": {"type": "mrkdwn", "text": "bold?"}}],  # header: plain_text
        [
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "b" * 76},  # button text: 75
                        "action_id": "a",
                        "value": "v",
                    }
                ],
            }
        ],
    ],
    ids=["section-3001", "51-blocks", "unknown-type", "mrkdwn-header", "button-76"],
)
async def test_messages_over_block_kit_limits_are_refused(
    fake: FakeSlack, blocks: list[dict[str, Any]]
) -> None:
    error = await refused(client(fake).chat_postMessage(channel="C1", text="t", blocks=blocks))
    assert error == "invalid_blocks"


async def test_a_modal_title_over_24_characters_is_refused(fake: FakeSlack) -> None:
    view = {**MODAL, "title": {"type": "plain_text", "text": "t" * 25}}
    call = client(fake).views_open(trigger_id=payloads.trigger_id(), view=view)
    assert await refused(call) == "invalid_blocks"


async def test_a_trigger_older_than_3_seconds_is_refused(fake: FakeSlack) -> None:
    fresh = await client(fake).views_open(trigger_id=payloads.trigger_id(), view=MODAL)
    assert fresh["ok"]
    late = client(fake).views_open(trigger_id=payloads.trigger_id(age=3.5), view=MODAL)
    assert await refused(late) == "expired_trigger_id"
    made_up = client(fake).views_open(trigger_id="not-a-trigger", view=MODAL)
    assert await refused(made_up) == "invalid_trigger_id"


async def test_a_response_url_takes_five_posts(fake: FakeSlack) -> None:
    url = fake.response_url("five")
    async with aiohttp.ClientSession() as session:
        statuses = []
        for _ in range(RESPONSE_URL_USES + 1):
            async with session.post(url, json={"text": "hi"}) as answer:
                statuses.append(answer.status)
    assert statuses == [200] * RESPONSE_URL_USES + [404]
    assert len(fake.responses) == RESPONSE_URL_USES


async def test_a_response_url_expires_after_30_minutes(fake: FakeSlack) -> None:
    url = fake.response_url("old", age=RESPONSE_URL_SECONDS + 1)
    async with aiohttp.ClientSession() as session, session.post(url, json={"text": "hi"}) as a:
        assert (a.status, await a.text()) == (404, "expired_url")
    assert fake.responses == []


async def test_a_response_url_refuses_invalid_blocks(fake: FakeSlack) -> None:
    url = fake.response_url("blocks")
    body = {"text": "t", "blocks": [section("x" * 3001)]}
    async with aiohttp.ClientSession() as session, session.post(url, json=body) as answer:
        assert (answer.status, await answer.text()) == (400, "invalid_blocks")


async def test_oauth_codes_tokens_and_workspaces_keep_to_themselves(fake: FakeSlack) -> None:
    """The fake's OAuth: a code is exchanged once for a token of its workspace; that token
    answers auth.test for its workspace, cannot post in another workspace's channel, and
    stops working when the app is uninstalled."""
    code = fake.install_code("T0ONE", channels=("C0ONE",))
    fake.install_code("T0TWO", channels=("C0TWO",))
    anonymous = AsyncWebClient(base_url=fake.api_url)
    granted = await anonymous.oauth_v2_access(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code
    )
    token = granted["access_token"]
    assert granted["team"]["id"] == "T0ONE"
    with pytest.raises(SlackApiError):
        await anonymous.oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code)
    one = AsyncWebClient(token=token, base_url=fake.api_url)
    assert (await one.auth_test())["team_id"] == "T0ONE"
    assert (await one.chat_postMessage(channel="C0ONE", text="hi"))["ok"]
    assert await refused(one.chat_postMessage(channel="C0TWO", text="hi")) == "channel_not_found"
    fake.add_user("U0ONE", "One", team="T0ONE")
    fake.add_user("U0TWO", "Two", team="T0TWO")
    members = (await one.users_list())["members"]
    assert [m["id"] for m in members] == ["U0ONE"]  # its own workspace's members only
    fake.uninstall("T0ONE")
    assert await refused(one.auth_test()) == "invalid_auth"


async def test_a_rotated_token_replaces_the_old_one(fake: FakeSlack) -> None:
    fake.rotation_seconds = 43200
    code = fake.install_code("T0ONE")
    anonymous = AsyncWebClient(base_url=fake.api_url)
    first = await anonymous.oauth_v2_access(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code
    )
    assert first["expires_in"] == 43200 and first["refresh_token"]
    second = await anonymous.oauth_v2_access(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        grant_type="refresh_token",
        refresh_token=first["refresh_token"],
    )
    assert second["access_token"] != first["access_token"]
    old = AsyncWebClient(token=first["access_token"], base_url=fake.api_url)
    assert await refused(old.auth_test()) == "invalid_auth"
    new = AsyncWebClient(token=second["access_token"], base_url=fake.api_url)
    assert (await new.auth_test())["team_id"] == "T0ONE"


async def test_an_org_wide_token_acts_in_the_orgs_workspaces_only(fake: FakeSlack) -> None:
    """Enterprise Grid: an org-wide install has no team, names the org, and its one token
    posts in every workspace of the org and in no other."""
    code = fake.install_org_code("E0ORG", {"T0A": ("C0A",), "T0B": ("C0B",)})
    fake.install_code("T0OUT", channels=("C0OUT",))
    anonymous = AsyncWebClient(base_url=fake.api_url)
    granted = await anonymous.oauth_v2_access(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code
    )
    assert granted["is_enterprise_install"] is True and granted["team"] is None
    assert granted["enterprise"]["id"] == "E0ORG"
    org = AsyncWebClient(token=granted["access_token"], base_url=fake.api_url)
    checked = await org.auth_test()
    assert checked["enterprise_id"] == "E0ORG" and checked["is_enterprise_install"] is True
    listed = await org.auth_teams_list()
    assert [t["id"] for t in listed["teams"]] == ["T0A", "T0B"]
    for channel in ("C0A", "C0B"):
        assert (await org.chat_postMessage(channel=channel, text="hi"))["ok"]
    assert await refused(org.chat_postMessage(channel="C0OUT", text="hi")) == "channel_not_found"


async def test_a_revoked_token_is_refused_and_its_socket_closed(fake: FakeSlack) -> None:
    """apps.connections.open takes only an app-level token; a revoked token is refused
    `token_revoked` everywhere, and the connection it opened is closed."""
    bot = client(fake)
    assert await refused(bot.apps_connections_open(app_token="xoxb-test")) == (
        "not_allowed_token_type"
    )
    url = (await bot.apps_connections_open(app_token="xapp-1-A0APP-1-test"))["url"]
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        assert (await ws.receive_json())["type"] == "hello"
        await fake.revoke("xapp-1-A0APP-1-test")
        assert (await ws.receive()).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert await refused(bot.apps_connections_open(app_token="xapp-1-A0APP-1-test")) == (
        "token_revoked"
    )
    await fake.revoke("xoxb-test")
    assert await refused(bot.auth_test()) == "token_revoked"
