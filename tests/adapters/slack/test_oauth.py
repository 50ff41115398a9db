"""Slack for many workspaces, end to end: workspaces install through GET /slack/install and
the fake's consent screen into running Slack runtimes, and every call afterwards goes out with
the right workspace's token. The fake Slack refuses a token on another workspace's channel,
an uninstalled or rotated-away token, and a code used twice, so it checks the tokens itself.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.installations import TokenCipher, new_key, stores
from adapters.slack.manifest import BOT_SCOPES
from adapters.slack.runtime import SlackConfigError, SlackRuntime
from bot.commands import Actor
from bot.core import Core
from bot.domain import Platform, SpaceRef
from storage import create_engine, normalise_url, upgrade
from tests.adapters.slack.conftest import Answer, settings_for
from tests.adapters.slack.helpers import button
from tests.fakes import slack_payloads as payloads
from tests.fakes.memory import FakeClock, FakeDatabase
from tests.fakes.slack import CLIENT_ID, CLIENT_SECRET, FakeSlack, Workspace
from tests.storage.conftest import PG_ENV, _admin

TEAMS = ("T0ONE", "T0TWO", "T0THREE")
STATE_COOKIE = "slack-app-oauth-state"


def channel_of(team: str) -> str:
    return "C" + team.removeprefix("T")


def admin_of(team: str) -> str:
    return "U" + team.removeprefix("T") + "MOD"


def member_of(team: str) -> str:
    return "U" + team.removeprefix("T") + "ANNA"


def oauth_settings(fake: FakeSlack, key: str | None, **more: Any) -> Any:
    return settings_for(
        fake,
        slack_bot_token=None,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        slack_token_encryption_key=key,
        **more,
    )


@dataclass
class Installed:
    """A running OAuth-mode runtime and what the tests drive it with."""

    fake: FakeSlack
    runtime: SlackRuntime

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.runtime.port}"

    async def get(self, path: str, *, cookie: str | None = None) -> tuple[int, str, list[str]]:
        headers = {"Cookie": cookie} if cookie else {}
        async with (
            aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session,
            session.get(self.base + path, headers=headers, allow_redirects=False) as answer,
        ):
            return answer.status, await answer.text(), answer.headers.getall("Set-Cookie", [])

    async def post(self, body: str) -> Answer:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if body.startswith("{"):
            headers["Content-Type"] = "application/json"
        headers.update(payloads.sign(body))
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.base + "/slack/events", data=body.encode(), headers=headers) as a,
        ):
            return Answer(a.status, await a.text())

    async def command(
        self,
        team: str,
        text: str,
        *,
        user: str | None = None,
        enterprise: str | None = None,
        org_install: bool = False,
        response_name: str | None = None,
    ) -> Answer:
        body = payloads.command(
            text,
            user=user or member_of(team),
            channel=channel_of(team),
            team=team,
            enterprise=enterprise,
            org_install=org_install,
            response_url=self.fake.response_url(response_name or f"{team}-{uuid.uuid4().hex[:6]}"),
        )
        return await self.post(body)


async def start_install(runtime: Installed) -> tuple[str, str]:
    """GET /slack/install: the "Add to Slack" page; its link's state and the state cookie."""
    status, page, cookies = await runtime.get("/slack/install")
    assert status == 200
    link = html.unescape(re.search(r'<a href="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    query = parse_qs(urlsplit(link).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"] == [",".join(BOT_SCOPES)]
    [state] = query["state"]
    [cookie] = [c.split(";")[0] for c in cookies if c.startswith(STATE_COOKIE + "=")]
    return state, cookie


async def finish_install(runtime: Installed, team: str, state: str, cookie: str) -> int:
    """The user clicked Allow in `team`: Slack sends the browser back with a code."""
    code = runtime.fake.install_code(team, channels=(channel_of(team),))
    status, _, _ = await runtime.get(
        f"/slack/oauth_redirect?code={code}&state={state}", cookie=cookie
    )
    return status


async def install(runtime: Installed, team: str) -> None:
    state, cookie = await start_install(runtime)
    assert await finish_install(runtime, team, state, cookie) == 200


# --- databases --------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated database for the installations: a SQLite file, or a fresh PostgreSQL
    database when TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'storybot.db'}"
        await upgrade(url)
        yield url
        return
    if not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set")
    base = normalise_url(os.environ[PG_ENV])
    name = f"storybot_oauth_{uuid.uuid4().hex[:10]}"
    await _admin(base, f'CREATE DATABASE "{name}"')
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        await upgrade(url)
        yield url
    finally:
        await _admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def engines(db_url: str) -> AsyncIterator[Callable[[], AsyncEngine]]:
    """Engines on the one database, one per runtime (like separate processes)."""
    made: list[AsyncEngine] = []

    def make() -> AsyncEngine:
        made.append(create_engine(db_url))
        return made[-1]

    yield make
    for engine in made:
        await engine.dispose()


@pytest.fixture
def oauth_fake(fake: FakeSlack) -> FakeSlack:
    for team in TEAMS:
        fake.add_user(admin_of(team), f"Mod {team}", admin=True, team=team)
        fake.add_user(member_of(team), f"Anna {team}", team=team)
    return fake


MakeRuntime = Callable[..., Awaitable[Installed]]


@pytest.fixture
async def make_runtime(
    oauth_fake: FakeSlack, engines: Callable[[], AsyncEngine]
) -> AsyncIterator[MakeRuntime]:
    key = new_key()
    started: list[SlackRuntime] = []

    async def make(*, db: FakeDatabase | None = None, clock: FakeClock | None = None) -> Installed:
        # As the composition root builds it: the runtime, then a core with its announcer and
        # directory, then the runtime bound to that core (`runtime.core`).
        runtime = SlackRuntime(oauth_settings(oauth_fake, key), engine=engines())
        core = Core(
            (db or FakeDatabase()).factory(),
            clock or FakeClock(),
            announcers=[runtime.announcer],
            directories=[runtime.directory],
        )
        runtime.bind(core)
        await runtime.start()
        started.append(runtime)
        return Installed(oauth_fake, runtime)

    yield make
    for runtime in started:
        await runtime.stop()


async def raw_rows(engine: AsyncEngine) -> str:
    async with engine.connect() as connection:
        rows = []
        for table in ("slack_installations", "slack_bots", "slack_oauth_states"):
            result = await connection.execute(text(f"SELECT * FROM {table}"))
            rows.extend(f"{table} {tuple(row)}" for row in result)
    return "\n".join(rows)


async def teams_with_rows(engine: AsyncEngine) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with engine.connect() as connection:
        for table in ("slack_installations", "slack_bots"):
            for (team,) in await connection.execute(text(f"SELECT team_id FROM {table}")):
                counts[team] = counts.get(team, 0) + 1
    return counts


def team_of_call(fake: FakeSlack, call: Any) -> str | None:
    token = call.headers.get("Authorization", "").removeprefix("Bearer ")
    return fake.team_of(token)


def moderator(team: str) -> Actor:
    return Actor(
        SpaceRef(Platform.SLACK, team),
        admin_of(team),
        "Mod",
        channel_id=channel_of(team),
        is_admin=True,
    )


# --- tests ------------------------------------------------------------------------------


async def test_three_workspaces_install_and_each_is_served_with_its_own_token(
    make_runtime: MakeRuntime, oauth_fake: FakeSlack
) -> None:
    clock = FakeClock(dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC))
    db = FakeDatabase()
    slack = await make_runtime(db=db, clock=clock)
    core = slack.runtime.core
    for team in TEAMS:
        await install(slack, team)
    assert len(oauth_fake.called("oauth.v2.access")) == 3

    # /story in each workspace opens the form with that workspace's token.
    for team in TEAMS:
        assert (await slack.command(team, "")).status == 200
    opened = await oauth_fake.wait_for("views.open", 3)
    assert sorted(team_of_call(oauth_fake, call) for call in opened) == sorted(TEAMS)

    # Each form, submitted, confirms in its workspace's channel with that workspace's token.
    for n in range(1, 4):
        shown = await oauth_fake.wait_for_form(n)
        team = team_of_call(oauth_fake, shown)
        assert team in TEAMS
        answers = {"f:text": f"{team} drove the spare part over", "f:consent": True}
        view_id = shown.answer["view"]["id"]
        submitted = payloads.view_submission(
            shown.args["view"], answers, user=member_of(team), view_id=view_id
        )
        submitted["team"]["id"] = submitted["view"]["team_id"] = team
        submitted["view"]["app_installed_team_id"] = submitted["user"]["team_id"] = team
        assert (await slack.post(payloads.interactive(submitted))).status == 200
    confirmed = await oauth_fake.wait_for("chat.postEphemeral", 3)
    assert {(c.args["channel"], team_of_call(oauth_fake, c)) for c in confirmed} == {
        (channel_of(team), team) for team in TEAMS
    }

    # A story submitted by command lands in that workspace's own community too.
    for team in TEAMS:
        assert (
            await slack.command(team, f"submit {team} called the customer back #care")
        ).status == 200
    await oauth_fake.wait_for_responses(3)
    # Names and admin rights were looked up in each user's own workspace, with its token.
    lookups = oauth_fake.called("users.info")
    assert lookups
    for lookup in lookups:
        user = oauth_fake.users[lookup.args["user"]]
        assert team_of_call(oauth_fake, lookup) == user["team_id"]

    # A button: "Share to channel" posts in the workspace's channel with its token.
    for team in TEAMS:
        await slack.command(team, "show 1", response_name=f"show-{team}")
        card = await oauth_fake.wait_for_response(f"show-{team}")
        share = button(card.args["blocks"], "Share to channel")
        clicked = payloads.block_actions(
            share,
            user=member_of(team),
            response_url=oauth_fake.response_url(f"share-{team}"),
            channel=channel_of(team),
        )
        clicked["team"]["id"] = clicked["user"]["team_id"] = team
        assert (await slack.post(payloads.interactive(clicked))).status == 200
    shared = await oauth_fake.wait_for("chat.postMessage", 3)
    assert {(p.args["channel"], team_of_call(oauth_fake, p)) for p in shared} == {
        (channel_of(team), team) for team in TEAMS
    }
    oauth_fake.calls.clear()

    # The weekly announcement goes to each workspace's channel with its token (the fake
    # answers channel_not_found to any other workspace's token).
    for n, team in enumerate(TEAMS):
        assert not (await core.handle_text("config channel", moderator(team), f"k{n}")).error
    clock.advance(days=4)
    outcomes = await core.run_weekly()
    assert len(outcomes) == 3
    assert all(o.story_number == 1 and o.problems == () for o in outcomes), outcomes
    posts = oauth_fake.called("chat.postMessage")
    assert {(p.args["channel"], team_of_call(oauth_fake, p)) for p in posts} == {
        (channel_of(team), team) for team in TEAMS
    }
    for post in posts:  # each community's own story of the week
        team = team_of_call(oauth_fake, post)
        assert f"{team} drove the spare part over" in str(post.args["blocks"])


async def test_an_installed_workspace_is_known_by_its_name(
    make_runtime: MakeRuntime, oauth_fake: FakeSlack
) -> None:
    """The authorizer's auth.test with the workspace's token names it (not its domain)."""
    oauth_fake.workspaces["T0ONE"] = Workspace("T0ONE", "Acme North", token="")
    db = FakeDatabase()
    slack = await make_runtime(db=db)
    await install(slack, "T0ONE")
    assert (await slack.command("T0ONE", "tags")).status == 200
    await oauth_fake.wait_for_responses()
    assert db.space_name(SpaceRef(Platform.SLACK, "T0ONE")) == "Acme North"


async def test_a_community_linked_across_two_workspaces_announces_in_each_with_its_token(
    make_runtime: MakeRuntime, oauth_fake: FakeSlack
) -> None:
    clock = FakeClock(dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC))
    slack = await make_runtime(clock=clock)
    core = slack.runtime.core
    for team in ("T0ONE", "T0TWO"):
        await install(slack, team)
    for n, team in enumerate(("T0ONE", "T0TWO")):
        assert not (await core.handle_text("config channel", moderator(team), f"c{n}")).error
    offer = await core.handle_text("link", moderator("T0ONE"), "l1")
    code = re.search(r"[A-Z0-9]{5}-[A-Z0-9]{5}", offer.plain_text)
    assert code, offer.plain_text
    joined = await core.handle_text(f"link {code.group(0)}", moderator("T0TWO"), "l2")
    assert not joined.error, joined.plain_text
    story = "submit The driver carried the parcel upstairs #care"
    anna = Actor(SpaceRef(Platform.SLACK, "T0ONE"), member_of("T0ONE"), "Anna")
    assert not (await core.handle_text(story, anna, "s1")).error
    clock.advance(days=4)
    [outcome] = await core.run_weekly()
    assert outcome.story_number == 1 and outcome.problems == ()
    posts = oauth_fake.called("chat.postMessage")
    assert {(p.args["channel"], team_of_call(oauth_fake, p)) for p in posts} == {
        ("C0ONE", "T0ONE"),
        ("C0TWO", "T0TWO"),
    }


async def test_a_code_is_exchanged_at_slack_api_url_only_with_a_state_this_app_issued(
    make_runtime: MakeRuntime, oauth_fake: FakeSlack, engines: Callable[[], AsyncEngine]
) -> None:
    slack = await make_runtime()
    state, cookie = await start_install(slack)
    forged = await finish_install(slack, "T0ONE", "forged-state", f"{STATE_COOKIE}=forged-state")
    assert forged >= 400
    assert oauth_fake.called("oauth.v2.access") == []  # no code exchanged for a forged state
    no_cookie = await finish_install(slack, "T0ONE", state, "")
    assert no_cookie >= 400  # another browser than the one that started the install
    assert await teams_with_rows(engines()) == {}
    assert await finish_install(slack, "T0ONE", state, cookie) == 200
    assert await finish_install(slack, "T0ONE", state, cookie) >= 400  # a state is used once
    # The one exchange went to SLACK_API_URL (the fake) with the client's credentials.
    [exchange] = oauth_fake.called("oauth.v2.access")
    assert exchange.headers["Authorization"].startswith("Basic ")
    assert set(await teams_with_rows(engines())) == {"T0ONE"}


async def test_no_token_is_stored_in_clear(
    make_runtime: MakeRuntime, oauth_fake: FakeSlack, engines: Callable[[], AsyncEngine]
) -> None:
    oauth_fake.rotation_seconds = 12 * 3600  # refresh tokens too
    slack = await make_runtime()
    for team in TEAMS:
        await install(slack, team)
    dumped = await raw_rows(engines())
    assert all(team in dumped for team in TEAMS)  # the rows are there
    secrets = [w.token for w in oauth_fake.workspaces.values()]
    secrets += [w.refresh_token or "" for w in oauth_fake.workspaces.values()]
    assert all(secrets)
    for secret in secrets:
        assert secret not in dumped
    assert "xoxb-" not in dumped and "xoxe" not in dumped


async def test_an_uninstall_removes_only_that_workspaces_tokens_and_a_reinstall_keeps_the_community(
    make_runtime: MakeRuntime, oauth_fake: FakeSlack, engines: Callable[[], AsyncEngine]
) -> None:
    db = FakeDatabase()
    slack = await make_runtime(db=db)
    for team in TEAMS:
        await install(slack, team)
    await slack.command("T0TWO", "submit The baker saved us a loaf #kindness")
    await oauth_fake.wait_for_responses(1)
    before = await teams_with_rows(engines())

    oauth_fake.uninstall("T0TWO")
    event = {
        "token": "legacy",
        "team_id": "T0TWO",
        "api_app_id": payloads.APP_ID,
        "event": {"type": "app_uninstalled", "event_ts": "1700000400.000100"},
        "type": "event_callback",
        "event_id": "Ev0UNINSTALL",
        "event_time": 1700000400,
    }
    assert (await slack.post(_json(event))).status == 200
    after = await _eventually(lambda: teams_with_rows(engines()), lambda rows: "T0TWO" not in rows)
    assert after == {team: count for team, count in before.items() if team != "T0TWO"}

    # The story stays; a reinstall finds the same community, and the old story with it.
    story = db.story(1, 1)  # T0TWO's community, the only one so far
    assert story is not None and "baker" in story.text
    await install(slack, "T0TWO")
    answer = await slack.command("T0TWO", "show 1")
    assert answer.status == 200
    [*_, shown] = await oauth_fake.wait_for_responses(2)
    assert "The baker saved us a loaf" in str(shown.args)


async def test_tokens_revoked_for_the_bot_deletes_the_workspaces_tokens(
    make_runtime: MakeRuntime, oauth_fake: FakeSlack, engines: Callable[[], AsyncEngine]
) -> None:
    slack = await make_runtime()
    for team in ("T0ONE", "T0TWO"):
        await install(slack, team)
    event = {
        "token": "legacy",
        "team_id": "T0ONE",
        "api_app_id": payloads.APP_ID,
        "event": {
            "type": "tokens_revoked",
            "tokens": {"oauth": [], "bot": ["U0BOT"]},
            "event_ts": "1700000500.000100",
        },
        "type": "event_callback",
        "event_id": "Ev0REVOKED",
        "event_time": 1700000500,
    }
    assert (await slack.post(_json(event))).status == 200
    rows = await _eventually(lambda: teams_with_rows(engines()), lambda r: "T0ONE" not in r)
    assert set(rows) == {"T0TWO"}


async def test_a_rotating_token_is_refreshed_before_it_expires_and_the_new_one_is_used(
    make_runtime: MakeRuntime, oauth_fake: FakeSlack, engines: Callable[[], AsyncEngine]
) -> None:
    oauth_fake.rotation_seconds = 3600  # expires within Bolt's 120-minute refresh window
    slack = await make_runtime()
    await install(slack, "T0ONE")
    first = oauth_fake.workspaces["T0ONE"].token

    assert (await slack.command("T0ONE", "")).status == 200
    [opened] = await oauth_fake.wait_for("views.open")
    second = oauth_fake.workspaces["T0ONE"].token
    assert second != first  # refreshed (grant_type=refresh_token) before use…
    assert [c.args.get("grant_type") for c in oauth_fake.called("oauth.v2.access")] == [
        None,
        "refresh_token",
    ]
    used = opened.headers["Authorization"].removeprefix("Bearer ")
    assert used == second  # …and the new token is the one used
    assert oauth_fake.team_of(first) is None  # the old one no longer works
    # The refreshed token is what the store now holds (encrypted), for every process.
    bot = await slack.runtime.installations.async_find_bot(enterprise_id=None, team_id="T0ONE")
    assert bot is not None and bot.bot_token == second
    assert second not in await raw_rows(engines())


async def test_a_quiet_workspaces_rotating_token_is_refreshed_for_its_announcement(
    make_runtime: MakeRuntime, oauth_fake: FakeSlack
) -> None:
    """No request for days, then the weekly announcement: the announcer refreshes the token
    itself; and when a request refreshes it again, the announcer's kept client (now holding
    a token Slack refuses) is looked up anew instead of failing."""
    from bot.domain import ChannelRef
    from bot.replies import Reply, Text

    oauth_fake.rotation_seconds = 3600  # within the refresh window: every lookup refreshes
    slack = await make_runtime()
    await install(slack, "T0ONE")
    installed = oauth_fake.workspaces["T0ONE"].token
    channel = ChannelRef(SpaceRef(Platform.SLACK, "T0ONE"), channel_of("T0ONE"))
    reply = Reply(blocks=(Text("Story of the week"),))

    await slack.runtime.announcer.announce(channel, reply)
    [post] = oauth_fake.called("chat.postMessage")
    assert post.headers["Authorization"] != f"Bearer {installed}"
    assert team_of_call(oauth_fake, post) == "T0ONE"  # a fresh token, that works

    assert (await slack.command("T0ONE", "")).status == 200  # Bolt refreshes it again
    await oauth_fake.wait_for("views.open")
    await slack.runtime.announcer.announce(channel, reply)
    refused, sent = oauth_fake.called("chat.postMessage")[1:]
    assert refused.answer == {} and team_of_call(oauth_fake, refused) is None  # the kept one
    assert sent.headers["Authorization"] == f"Bearer {oauth_fake.workspaces['T0ONE'].token}"


async def test_an_install_started_on_one_process_completes_on_another(
    make_runtime: MakeRuntime, oauth_fake: FakeSlack
) -> None:
    db = FakeDatabase()
    one = await make_runtime(db=db)
    two = await make_runtime(db=db)
    state, cookie = await start_install(one)
    assert await finish_install(two, "T0ONE", state, cookie) == 200
    # Either process now serves the workspace with its token.
    assert (await one.command("T0ONE", "")).status == 200
    [opened] = await oauth_fake.wait_for("views.open")
    assert team_of_call(oauth_fake, opened) == "T0ONE"


async def test_an_org_wide_install_serves_each_workspace_of_the_org_as_its_own_community(
    make_runtime: MakeRuntime, oauth_fake: FakeSlack, engines: Callable[[], AsyncEngine]
) -> None:
    """Enterprise Grid, org-wide: one token for the org; each workspace is its own community
    (docs/SLACK.md), reached with the org's token (the fake refuses it outside the org)."""
    org, teams = "E0ORG", ("T0ORGA", "T0ORGB")
    for team in teams:
        oauth_fake.add_user(admin_of(team), f"Mod {team}", admin=True, team=team)
        oauth_fake.add_user(member_of(team), f"Anna {team}", team=team)
    clock = FakeClock(dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC))
    db = FakeDatabase()
    slack = await make_runtime(db=db, clock=clock)
    core = slack.runtime.core
    state, cookie = await start_install(slack)
    code = oauth_fake.install_org_code(org, {team: (channel_of(team),) for team in teams})
    redirect = f"/slack/oauth_redirect?code={code}&state={state}"
    assert (await slack.get(redirect, cookie=cookie))[0] == 200
    async with engines().connect() as connection:
        rows = list(
            await connection.execute(
                text("SELECT enterprise_id, team_id, is_enterprise_install FROM slack_bots")
            )
        )
    assert [tuple(r) for r in rows] == [(org, None, True)]

    for team in teams:
        said = f"submit {team} kept the shop open late #care"
        answer = await slack.command(team, said, enterprise=org, org_install=True)
        assert answer.status == 200
    await oauth_fake.wait_for_responses(2)
    first, second = db.story(1, 1), db.story(2, 1)  # two communities, one story each
    assert first is not None and second is not None
    assert {first.text.split()[0], second.text.split()[0]} == set(teams)

    for n, team in enumerate(teams):
        assert not (await core.handle_text("config channel", moderator(team), f"k{n}")).error
    clock.advance(days=4)
    outcomes = await core.run_weekly()
    assert [o.problems for o in outcomes] == [(), ()]
    posts = oauth_fake.called("chat.postMessage")
    assert sorted(p.args["channel"] for p in posts) == sorted(channel_of(t) for t in teams)
    assert {team_of_call(oauth_fake, p) for p in posts} == {org}
    assert sorted(p.args["team_id"] for p in posts) == sorted(teams)  # says where it acts

    # Another process, which has seen no request from the org yet, finds the org's token
    # for a workspace through auth.teams.list.
    from bot.domain import ChannelRef
    from bot.replies import Reply, Text

    other = await make_runtime()
    space = SpaceRef(Platform.SLACK, "T0ORGB")
    await other.runtime.announcer.announce(
        ChannelRef(space, channel_of("T0ORGB")), Reply(blocks=(Text("Story of the week"),))
    )
    last = oauth_fake.called("chat.postMessage")[-1]
    assert last.args["channel"] == channel_of("T0ORGB") and last.args["team_id"] == "T0ORGB"
    assert team_of_call(oauth_fake, last) == org


async def test_a_workspace_of_an_org_installed_on_its_own_is_reached_by_its_team(
    make_runtime: MakeRuntime, oauth_fake: FakeSlack
) -> None:
    """On Grid, a per-workspace install is stored under the org's id too; the announcer
    still finds it by the workspace alone."""
    from bot.domain import ChannelRef
    from bot.replies import Reply, Text

    slack = await make_runtime()
    state, cookie = await start_install(slack)
    code = oauth_fake.install_code("T0ONE", channels=(channel_of("T0ONE"),), enterprise="E0ORG")
    redirect = f"/slack/oauth_redirect?code={code}&state={state}"
    assert (await slack.get(redirect, cookie=cookie))[0] == 200
    space = SpaceRef(Platform.SLACK, "T0ONE")
    await slack.runtime.announcer.announce(
        ChannelRef(space, channel_of("T0ONE")), Reply(blocks=(Text("Story of the week"),))
    )
    [post] = oauth_fake.called("chat.postMessage")
    assert team_of_call(oauth_fake, post) == "T0ONE"


async def test_a_space_without_an_installation_is_reported_unreachable(
    make_runtime: MakeRuntime, oauth_fake: FakeSlack
) -> None:
    from bot.domain import ChannelRef
    from bot.ports import AnnounceFailed
    from bot.replies import Reply, Text

    slack = await make_runtime()
    await install(slack, "T0ONE")
    reply = Reply(blocks=(Text("Story of the week"),))
    with pytest.raises(AnnounceFailed) as failed:
        await slack.runtime.announcer.announce(
            ChannelRef(SpaceRef(Platform.SLACK, "T0TWO"), channel_of("T0TWO")), reply
        )
    assert failed.value.args[0] == "unavailable"
    assert oauth_fake.called("chat.postMessage") == []


async def test_oauth_mode_without_a_valid_key_is_refused_with_a_clear_message(
    oauth_fake: FakeSlack,
) -> None:
    for key in (None, "not-a-key"):
        with pytest.raises(SlackConfigError) as refused:
            SlackRuntime(oauth_settings(oauth_fake, key))
        assert "SLACK_TOKEN_ENCRYPTION_KEY" in str(refused.value)
        assert "storybot slack new-key" in str(refused.value)


def _json(payload: dict[str, Any]) -> str:
    import json

    return json.dumps(payload)


async def _eventually(
    read: Callable[[], Awaitable[dict[str, int]]], done: Callable[[dict[str, int]], bool]
) -> dict[str, int]:
    """Listeners run after the ack: read until the change shows (bounded, not timed)."""
    import asyncio

    for _ in range(200):
        rows = await read()
        if done(rows):
            return rows
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened; last read {rows}")


async def test_new_key_prints_a_key_that_oauth_mode_accepts(
    capsys: pytest.CaptureFixture[str], oauth_fake: FakeSlack
) -> None:
    from bot.cli import main

    assert main(["slack", "new-key"]) == 0
    key = capsys.readouterr().out.strip()
    runtime = SlackRuntime(oauth_settings(oauth_fake, key))
    assert runtime.oauth and runtime.http is not None
    await runtime.stop()


def test_storybot_run_refuses_oauth_mode_without_a_key_in_one_line(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    oauth_fake: FakeSlack,
) -> None:
    import logging

    from bot.cli import main

    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_SIGNING_SECRET": payloads.SECRET,
        "SLACK_TOKEN_ENCRYPTION_KEY": "LeakCanaryNotAFernetKey",
        "SLACK_API_URL": oauth_fake.api_url,
        "HTTP_PORT": "0",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    try:
        assert main(["run"]) == 2
    finally:
        logging.getLogger().handlers.clear()
    captured = capsys.readouterr()
    err = (captured.err + captured.out).strip()
    # One log line in the configured format, naming the variable; the key itself never shown.
    assert "SLACK_TOKEN_ENCRYPTION_KEY is not a valid key" in err, err
    assert "\n" not in err and "Traceback" not in err and "LeakCanary" not in err


async def test_storybot_slack_rekey_rewrites_with_the_first_key(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    make_runtime: MakeRuntime,
    oauth_fake: FakeSlack,
    db_url: str,
) -> None:
    """After `rekey`, the new key alone opens the stored tokens; a bad key is refused."""
    import asyncio

    from bot.cli import main

    slack = await make_runtime()
    await install(slack, "T0ONE")
    old = slack.runtime.settings.slack.token_encryption_key
    assert old is not None
    new = new_key()
    monkeypatch.chdir(Path(__file__).parent)  # no developer .env here
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SLACK_TOKEN_ENCRYPTION_KEY", f"{new},{old.get_secret_value()}")
    code = await asyncio.to_thread(main, ["slack", "rekey"])
    assert code == 0
    # The bot token, in the installation row and in the bot row.
    assert "Re-encrypted 2 stored Slack secrets" in capsys.readouterr().out
    engine = create_engine(db_url)
    try:
        only_new, _ = stores(engine, CLIENT_ID, TokenCipher([new]))
        bot = await only_new.async_find_bot(enterprise_id=None, team_id="T0ONE")
    finally:
        await engine.dispose()
    assert bot is not None and bot.bot_token == oauth_fake.workspaces["T0ONE"].token
    monkeypatch.setenv("SLACK_TOKEN_ENCRYPTION_KEY", "not-a-key")
    assert await asyncio.to_thread(main, ["slack", "rekey"]) == 2
    err = capsys.readouterr().err.strip()
    assert "SLACK_TOKEN_ENCRYPTION_KEY is not a valid key" in err and "\n" not in err


async def test_moderator_notices_go_to_the_failing_workspaces_admins_with_its_token(
    make_runtime: MakeRuntime, oauth_fake: FakeSlack
) -> None:
    clock = FakeClock(dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC))
    slack = await make_runtime(clock=clock)
    core = slack.runtime.core
    for n, team in enumerate(("T0ONE", "T0TWO")):
        await install(slack, team)
        assert not (await core.handle_text("config channel", moderator(team), f"c{n}")).error
        anna = Actor(SpaceRef(Platform.SLACK, team), member_of(team), "Anna")
        said = f"submit {team} found the lost parcel #care"
        assert not (await core.handle_text(said, anna, f"s{n}")).error
    oauth_fake.refused_channels[channel_of("T0TWO")] = "not_in_channel"
    clock.advance(days=4)
    outcomes = await core.run_weekly()
    assert sorted(o.problems for o in outcomes) == [(), ("not_in_channel",)]
    # No moderator configured: T0TWO's own admins, found and told with T0TWO's token.
    [listed] = oauth_fake.called("users.list")
    assert team_of_call(oauth_fake, listed) == "T0TWO"
    [opened] = oauth_fake.called("conversations.open")
    assert opened.args["users"] == admin_of("T0TWO")
    assert team_of_call(oauth_fake, opened) == "T0TWO"
    notice = oauth_fake.called("chat.postMessage")[-1]
    assert notice.args["channel"] == f"D{admin_of('T0TWO')}"
    assert team_of_call(oauth_fake, notice) == "T0TWO"
    assert "not a member of the highlight channel" in str(notice.args["blocks"])


async def test_the_home_tab_is_published_with_the_workspaces_token(
    make_runtime: MakeRuntime, oauth_fake: FakeSlack
) -> None:
    slack = await make_runtime()
    for team in ("T0ONE", "T0TWO"):
        await install(slack, team)
    for team in ("T0ONE", "T0TWO"):
        event = payloads.app_home_opened(user=member_of(team))
        event["team_id"] = event["authorizations"][0]["team_id"] = team
        assert (await slack.post(_json(event))).status == 200
    published = await oauth_fake.wait_for("views.publish", 2)
    assert {(p.args["user_id"], team_of_call(oauth_fake, p)) for p in published} == {
        (member_of("T0ONE"), "T0ONE"),
        (member_of("T0TWO"), "T0TWO"),
    }
