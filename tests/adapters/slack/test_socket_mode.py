"""Socket Mode: the same app over a WebSocket from apps.connections.open, acked by envelope."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

import pytest

from adapters.slack import runtime as runtime_module
from adapters.slack.runtime import SlackConfigError, SlackRuntime
from tests.adapters.slack.conftest import ANNA, TOKEN, settings_for, slack_runtime
from tests.fakes import slack_payloads as payloads
from tests.fakes.memory import FakeDatabase
from tests.fakes.slack import FakeSlack

APP_TOKEN = "xapp-1-A0APP-1234-sockettoken"


@pytest.fixture
async def socket_runtime(fake: FakeSlack) -> AsyncIterator[tuple[SlackRuntime, FakeDatabase]]:
    db = FakeDatabase()
    settings = settings_for(fake, slack_app_token=APP_TOKEN, slack_signing_secret=None)
    runtime = await slack_runtime(settings, db=db)
    await runtime.start()
    yield runtime, db
    await runtime.stop()
    await asyncio.wait_for(runtime.wait_closed(), 1)


def command_envelope(
    envelope_id: str, text: str, fake: FakeSlack, trigger: str, **retry: object
) -> dict[str, object]:
    form = payloads.command(
        text, user=ANNA, trigger=trigger, response_url=fake.response_url(envelope_id)
    )
    return {
        "envelope_id": envelope_id,
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": dict(parse_qsl(form)),
        **retry,
    }


async def test_a_slash_command_over_socket_mode_is_acked_and_answered(
    fake: FakeSlack, socket_runtime: tuple[SlackRuntime, FakeDatabase]
) -> None:
    runtime, db = socket_runtime
    assert runtime.port is None  # no HTTP server in Socket Mode
    [opened] = fake.called("apps.connections.open")
    assert opened.headers["Authorization"] == f"Bearer {APP_TOKEN}"

    trigger = payloads.trigger_id()
    text = "submit Told over a socket, saved once #speed"
    await fake.socket_send(command_envelope("env-1", text, fake, trigger))
    [ack] = await fake.wait_for_socket_messages()
    assert ack == {"envelope_id": "env-1"}
    [response] = await fake.wait_for_responses()
    assert response.method == "env-1"
    assert "Story #1 is saved" in json.dumps(response.args)

    # Slack redelivers the envelope it thinks went unanswered: acked, not done again.
    retry = command_envelope("env-2", text, fake, trigger, retry_attempt=1, retry_reason="timeout")
    await fake.socket_send(retry)
    acks = await fake.wait_for_socket_messages(2)
    assert acks[1] == {"envelope_id": "env-2"}
    await fake.socket_send(command_envelope("env-3", "help", fake, payloads.trigger_id()))
    await fake.wait_for_responses(2)
    assert [r.method for r in fake.responses] == ["env-1", "env-3"]
    assert db.story(1, 1) is not None and db.story(1, 2) is None


async def test_form_errors_travel_back_in_the_ack_envelope(
    fake: FakeSlack, socket_runtime: tuple[SlackRuntime, FakeDatabase]
) -> None:
    await fake.socket_send(command_envelope("env-1", "", fake, payloads.trigger_id()))
    opened = await fake.wait_for_form()
    view = opened.args["view"]
    submission = payloads.view_submission(view, {"f:text": "short"}, user=ANNA, view_id="V0SOCK")
    await fake.socket_send(
        {
            "envelope_id": "env-2",
            "type": "interactive",
            "accepts_response_payload": True,
            "payload": submission,
        }
    )
    acks = await fake.wait_for_socket_messages(2)
    assert acks[1]["envelope_id"] == "env-2"
    assert acks[1]["payload"]["response_action"] == "errors"
    assert set(acks[1]["payload"]["errors"]) == {"f:text"}


async def test_a_refused_app_token_stops_the_start_at_once(fake: FakeSlack) -> None:
    """slack_sdk's own connect loop retries every error forever, 10 s apart."""
    fake.fail("apps.connections.open", "invalid_auth", times=10)
    settings = settings_for(fake, slack_app_token=APP_TOKEN, slack_signing_secret=None)
    runtime = await slack_runtime(settings)
    with pytest.raises(SlackConfigError, match=r"SLACK_APP_TOKEN \(invalid_auth\)") as refused:
        await runtime.start()
    assert APP_TOKEN not in str(refused.value)
    assert len(fake.called("apps.connections.open")) == 1
    await runtime.stop()


async def test_an_unreachable_socket_mode_gives_up_after_a_bounded_number_of_tries(
    fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime_module, "APP_TOKEN_RETRY_SECONDS", 0.01)
    fake.server_error("apps.connections.open", times=50)
    settings = settings_for(fake, slack_app_token=APP_TOKEN, slack_signing_secret=None)
    runtime = await slack_runtime(settings)
    with pytest.raises(SlackConfigError, match="after 3 tries"):
        await runtime.start()
    # The web client itself retries a 500 once: at most two requests per try.
    assert 3 <= len(fake.called("apps.connections.open")) <= 6
    await runtime.stop()


async def test_a_passing_failure_of_apps_connections_open_is_tried_again(
    fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime_module, "APP_TOKEN_RETRY_SECONDS", 0.01)
    fake.fail("apps.connections.open", "internal_error")
    settings = settings_for(fake, slack_app_token=APP_TOKEN, slack_signing_secret=None)
    runtime = await slack_runtime(settings)
    await runtime.start()
    try:
        await asyncio.wait_for(fake.socket_connected.wait(), 5)
    finally:
        await runtime.stop()


async def test_an_app_token_revoked_while_connected_ends_the_runtime(
    fake: FakeSlack, socket_runtime: tuple[SlackRuntime, FakeDatabase]
) -> None:
    """Slack closes the connection and refuses the token on reconnect; slack_sdk would ask
    again every 10 s for ever. The runtime ends instead, saying why (`storybot run` exits 1)."""
    runtime, _ = socket_runtime
    assert runtime.ready and runtime.failure is None
    await fake.revoke(APP_TOKEN)
    await asyncio.wait_for(runtime.wait_closed(), 5)
    assert runtime.failure is not None and not runtime.ready
    assert "Slack refused SLACK_APP_TOKEN (token_revoked)" in runtime.failure
    assert APP_TOKEN not in runtime.failure
    assert len(fake.called("apps.connections.open")) == 2  # at start, and the one refused


async def test_a_connection_that_merely_drops_is_opened_again(
    fake: FakeSlack, socket_runtime: tuple[SlackRuntime, FakeDatabase]
) -> None:
    runtime, _ = socket_runtime
    await fake.drop_sockets()
    await fake.wait_until(lambda: fake.connections == 2)
    await fake.socket_send(command_envelope("env-1", "help", fake, payloads.trigger_id()))
    [ack] = await fake.wait_for_socket_messages()
    assert ack == {"envelope_id": "env-1"} and runtime.failure is None


def event_envelope(envelope_id: str, event: dict[str, object]) -> dict[str, object]:
    callback = payloads.app_home_opened(user=ANNA)  # an Events API callback, event replaced
    return {
        "envelope_id": envelope_id,
        "type": "events_api",
        "accepts_response_payload": False,
        "payload": callback | {"event": event | {"event_ts": "1700000400.000100"}},
    }


async def test_the_app_uninstalled_ends_a_one_token_runtime_saying_why(
    fake: FakeSlack, socket_runtime: tuple[SlackRuntime, FakeDatabase]
) -> None:
    """With one bot token, every call fails after an uninstall: end (`storybot run` exits 1)
    instead of answering no one. Revoking only users' tokens leaves the bot running."""
    runtime, _ = socket_runtime
    users_only = {"type": "tokens_revoked", "tokens": {"oauth": ["U0ANNA"], "bot": []}}
    await fake.socket_send(event_envelope("env-1", users_only))
    await fake.wait_for_socket_messages()
    assert runtime.failure is None and runtime.ready

    await fake.socket_send(event_envelope("env-2", {"type": "app_uninstalled"}))
    await asyncio.wait_for(runtime.wait_closed(), 5)
    assert runtime.failure is not None
    assert "SLACK_BOT_TOKEN" in runtime.failure and "uninstalled" in runtime.failure
    assert TOKEN not in runtime.failure


async def test_the_bot_token_revoked_ends_a_one_token_runtime(
    fake: FakeSlack, socket_runtime: tuple[SlackRuntime, FakeDatabase]
) -> None:
    runtime, _ = socket_runtime
    revoked = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["U0BOT"]}}
    await fake.socket_send(event_envelope("env-1", revoked))
    await asyncio.wait_for(runtime.wait_closed(), 5)
    assert runtime.failure is not None and "revoked" in runtime.failure
