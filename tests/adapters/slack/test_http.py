"""HTTP mode: Slack's signature is checked by Bolt; health is reported; nothing changes
for a request that is not Slack's."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from tests.adapters.slack.conftest import ANNA, MakeSlack, SlackHarness
from tests.fakes import slack_payloads as payloads


async def test_healthz_answers_ok(slack: SlackHarness) -> None:
    url = f"http://127.0.0.1:{slack.runtime.port}/healthz"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        assert await response.text() == "ok"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="unsigned"),
        pytest.param(
            {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=00ff"},
            id="bad signature",
        ),
    ],
)
async def test_requests_without_a_valid_signature_get_401_and_change_nothing(
    slack: SlackHarness, headers: dict[str, str]
) -> None:
    body = payloads.command(
        "submit A customer got a fresh loaf #kindness",
        user=ANNA,
        response_url=slack.fake.response_url("x"),
    )
    answer = await slack.post(body, signed=False, headers=headers)
    assert answer.status == 401
    await asyncio.sleep(0.05)
    assert slack.fake.calls == [] and slack.fake.responses == []
    assert slack.stories() == []


async def test_a_signature_made_with_another_secret_is_refused(slack: SlackHarness) -> None:
    body = payloads.command("help", user=ANNA, response_url=slack.fake.response_url("x"))
    answer = await slack.post(body, signed=False, headers=payloads.sign(body, secret="not-it"))
    assert answer.status == 401
    assert slack.fake.responses == []


async def test_a_stale_request_is_refused_even_when_correctly_signed(slack: SlackHarness) -> None:
    """A replayed request: signed correctly, but more than five minutes old."""
    body = payloads.command(
        "submit The courier waited for me #speed",
        user=ANNA,
        response_url=slack.fake.response_url("x"),
    )
    answer = await slack.post(body, timestamp=int(time.time()) - 6 * 60)
    assert answer.status == 401
    await asyncio.sleep(0.05)
    assert slack.stories() == [] and slack.fake.responses == []


async def test_a_correctly_signed_request_is_acknowledged(slack: SlackHarness) -> None:
    answer = await slack.command("help")
    assert answer.status == 200
    await slack.fake.wait_for_responses()


async def test_answers_reuse_one_kept_alive_connection_to_slack(slack: SlackHarness) -> None:
    """Web API calls and response_url posts share the runtime's connections: against Slack a
    new connection is also a TLS handshake, for every answer."""
    before = len(slack.fake.peers)
    for count in range(1, 4):
        assert (await slack.command("help")).status == 200
        await slack.fake.wait_for_responses(count)
    used = slack.fake.peers[before:]
    assert len(used) >= 3
    assert len(set(used)) == 1, used


async def test_a_stopped_runtime_closes_its_connections(make_slack: MakeSlack) -> None:
    harness = await make_slack()
    assert (await harness.command("help")).status == 200
    await harness.fake.wait_for_responses()
    session = harness.runtime.client.session
    assert session is not None and not session.closed
    await harness.runtime.stop()
    assert session.closed
