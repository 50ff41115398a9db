"""Starting Slack: clear refusals for bad settings; the process keeps running otherwise."""

from __future__ import annotations

import logging

import pytest

from adapters.slack.runtime import SlackConfigError
from bot.config import SettingsError
from tests.adapters.slack.conftest import ANNA, TOKEN, MakeSlack, settings_for, slack_runtime
from tests.adapters.slack.helpers import dump
from tests.fakes import slack_payloads as payloads
from tests.fakes.slack import FakeSlack


async def test_http_mode_without_a_signing_secret_refuses_to_start(fake: FakeSlack) -> None:
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        settings_for(fake, slack_signing_secret=None)


async def test_a_refused_token_stops_the_start_without_showing_the_token(fake: FakeSlack) -> None:
    fake.fail("auth.test", "invalid_auth")
    runtime = await slack_runtime(settings_for(fake))
    with pytest.raises(SlackConfigError, match="invalid_auth") as refused:
        await runtime.start()
    assert TOKEN not in str(refused.value)


async def test_an_unreachable_slack_at_start_is_only_a_warning(fake: FakeSlack) -> None:
    fake.server_error("auth.test", times=2)
    runtime = await slack_runtime(settings_for(fake))
    await runtime.start()
    try:
        assert runtime.port
    finally:
        await runtime.stop()


async def test_a_failing_slack_call_is_reported_and_the_app_keeps_serving(
    make_slack: MakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    slack = await make_slack()
    slack.fake.fail("views.open", "expired_trigger_id", times=2)  # placeholder, then form
    await slack.command("")
    [response] = await slack.fake.wait_for_responses()
    assert "Slack could not do that just now" in dump(response.args)
    assert any(
        "expired_trigger_id" in r.getMessage() or getattr(r, "error", "") == "expired_trigger_id"
        for r in caplog.records
    )
    await slack.command("help")
    await slack.fake.wait_for_responses(2)


async def test_logs_hold_no_tokens_keys_ids_or_story_text(
    make_slack: MakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    slack = await make_slack()
    secret_text = "Zebra-striped umbrella rescue at the tram stop"
    trigger = payloads.trigger_id()
    slack.fake.fail("chat.postEphemeral", "not_in_channel")
    slack.fake.fail("users.info", "fatal_error")
    await slack.command(f"submit {secret_text} #speed", trigger=trigger)
    await slack.fake.wait_for_responses()
    await slack.command("")
    opened = await slack.fake.wait_for_form()
    view = opened.args["view"]
    answers = {"f:text": secret_text + " again", "f:consent": True}
    await slack.interact(payloads.view_submission(view, answers, user=ANNA, view_id="V0LOGGED"))
    await slack.fake.wait_for("chat.postMessage")

    logged = "\n".join(f"{r.name} {r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert logged  # something was logged: the failures above
    for forbidden in (secret_text, trigger, "V0LOGGED", TOKEN, payloads.SECRET, ANNA):
        assert forbidden not in logged, forbidden
