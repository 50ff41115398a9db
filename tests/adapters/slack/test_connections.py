"""Every call to Slack from a running process goes over one pool of keep-alive connections
(adapters.slack.client.SlackConnections): Web API calls and response_url posts alike, closed
when the runtime stops, with clients falling back to a connection per call outside it."""

from __future__ import annotations

from adapters.slack.client import SlackConnections, web_client
from tests.adapters.slack.conftest import ANNA, BO, MODERATOR, TOKEN, MakeSlack
from tests.adapters.slack.helpers import dump
from tests.fakes.slack import FakeSlack


async def test_commands_reuse_the_connections_of_earlier_calls(make_slack: MakeSlack) -> None:
    slack = await make_slack()
    slack.fake.peers.clear()
    for n, user in enumerate((ANNA, BO, MODERATOR), start=1):
        await slack.command("help", user=user)
        await slack.fake.wait_for_responses(n)
    # Three users.info lookups and three response_url posts, one after another: without the
    # pool each would have come on a connection of its own.
    assert len(slack.fake.called("users.info")) == 3
    assert len(slack.fake.responses) == 3
    assert len(slack.fake.peers) == 1
    assert "/story" in dump(slack.fake.responses[-1].args)


async def test_stop_closes_the_pool_and_calls_after_it_still_work(make_slack: MakeSlack) -> None:
    slack = await make_slack()
    runtime = slack.runtime
    session = runtime.client.session
    assert session is not None and not session.closed
    assert runtime.connections.hooks is not None
    hooks = runtime.connections.hooks

    await runtime.stop()

    assert session.closed and hooks.closed
    assert runtime.client.session is None
    # A listener still running after stop posts over a session of its own.
    assert (await runtime.client.auth_test())["ok"]


async def test_a_client_made_while_the_pool_is_open_uses_it_unless_it_times_out_otherwise(
    fake: FakeSlack,
) -> None:
    pool = SlackConnections(api_timeout=10)
    assert web_client(TOKEN, fake.api_url, connections=pool).session is None  # not open yet
    pool.open()
    try:
        pooled = web_client(TOKEN, fake.api_url, connections=pool)
        assert pooled.session is pool.api
        # A client with a timeout of its own keeps it: the pool's sessions carry theirs.
        assert web_client(TOKEN, fake.api_url, timeout=1, connections=pool).session is None
        fake.peers.clear()
        for _ in range(3):
            assert (await pooled.auth_test())["ok"]
        assert len(fake.peers) == 1
    finally:
        await pool.close()
    assert pooled.session is not None and pooled.session.closed
    assert (await pooled.auth_test())["ok"]  # a closed pool: a session per call again


async def test_a_response_url_post_through_the_pool_is_what_bolt_would_send(
    fake: FakeSlack,
) -> None:
    pool = SlackConnections()
    pool.open()
    try:
        answer = await pool.response_url(fake.response_url("r"))(
            text="fallback",
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
            response_type="ephemeral",
            replace_original=False,
        )
        empty = await pool.response_url(fake.response_url("e"))(text="only text", blocks=[])
    finally:
        await pool.close()
    assert answer.status_code == 200 and empty.status_code == 200
    first, second = fake.responses
    assert first.args == {
        "text": "fallback",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
        "response_type": "ephemeral",
        "replace_original": False,
    }
    assert second.args == {"text": "only text"}  # no empty blocks, no unset options
