"""Signed-request handling over real HTTP (issue 13, finding 3): the signature is checked on
the raw bytes before anything parses or logs the body."""

from __future__ import annotations

import logging

import pytest

from tests.adapters.slack.conftest import ANNA, SlackHarness
from tests.fakes import slack_payloads as payloads

DEEP = "[" * 100_000 + "]" * 100_000
JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MALFORMED = [
    pytest.param("{", JSON, id="open-brace"),
    pytest.param("[1,2]", JSON, id="json-list"),
    pytest.param(DEEP, JSON, id="100000-deep"),
    pytest.param('{"a": ' * 50_000 + "1" + "}" * 50_000, JSON, id="deep-object"),
    pytest.param("payload=%5B1%2C2%5D", FORM, id="form-payload-list"),
    pytest.param("payload=%7B", FORM, id="form-payload-broken"),
]


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_a_large_unsigned_body_is_refused_without_reaching_the_logs(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = "token=x&text=" + "A" * 900_000 + "\nINFO forged line"
    answer = await slack.post(body, signed=False)
    assert answer.status == 401
    assert "AAAAAAAAAA" not in caplog.text and "forged line" not in caplog.text
    assert len(caplog.text) < 2_000
    assert slack.fake.calls == [] and slack.stories() == []


@pytest.mark.parametrize(("body", "headers"), MALFORMED)
async def test_malformed_unsigned_bodies_get_401_without_a_traceback(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, body: str, headers: dict[str, str]
) -> None:
    answer = await slack.post(body, signed=False, headers=headers)
    assert answer.status == 401
    assert tracebacks(caplog) == []


@pytest.mark.parametrize(("body", "headers"), MALFORMED)
async def test_malformed_signed_bodies_get_400_without_a_traceback(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, body: str, headers: dict[str, str]
) -> None:
    answer = await slack.post(body, signed=True, headers=headers)
    assert answer.status == 400, answer.text
    assert tracebacks(caplog) == []
    assert slack.fake.calls == []


async def test_a_timestamp_that_is_not_a_number_is_refused(slack: SlackHarness) -> None:
    body = payloads.command("help", user=ANNA, response_url=slack.fake.response_url("x"))
    headers = {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"}
    assert (await slack.post(body, signed=False, headers=headers)).status == 401


async def test_a_signed_command_still_works(slack: SlackHarness) -> None:
    body = payloads.command("help", user=ANNA, response_url=slack.fake.response_url("x"))
    assert (await slack.post(body)).status == 200


async def test_a_signed_body_that_is_not_utf8_is_refused_and_reaches_no_one(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """Slack sends UTF-8; bytes that are not (here a lone surrogate's encoding and a stray
    0xff) are refused before Bolt even when signed: slack_sdk checks the signature over the
    decoded text, so such a body cannot be verified (401)."""
    import hashlib
    import hmac
    import time

    import aiohttp

    body = b"token=x&command=%2Fstory&text=" + b"\xed\xb8\x9a\xff"
    ts = str(int(time.time()))
    digest = hmac.new(payloads.SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest.hexdigest()}",
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(slack.events_url, data=body, headers=headers) as response,
    ):
        assert response.status == 401, await response.text()
    assert tracebacks(caplog) == []
    assert slack.fake.calls == [] and slack.stories() == []
