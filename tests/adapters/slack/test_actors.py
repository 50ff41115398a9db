"""users.info: locale and admin rights, cached per user with a time to live."""

from __future__ import annotations

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.context.async_context import AsyncBoltContext

from adapters.slack.actors import ProfileCache, actor_for
from adapters.slack.client import web_client
from adapters.slack.services import installed_team_name
from bot.domain import Platform
from tests.adapters.slack.conftest import ANNA, BO, MODERATOR, TOKEN
from tests.fakes.slack import TEAM, FakeSlack


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_locale_and_rights_come_from_users_info(fake: FakeSlack) -> None:
    profiles = ProfileCache(web_client(TOKEN, fake.api_url))
    bo = await actor_for(profiles, team_id=TEAM, user_id=BO, channel_id="C1")
    assert (bo.locale, bo.is_admin, bo.display_name) == ("sv-SE", False, "Bo")
    assert bo.space.platform is Platform.SLACK and bo.space.external_id == TEAM
    moderator = await actor_for(profiles, team_id=TEAM, user_id=MODERATOR)
    assert moderator.is_admin is True


async def test_an_owner_counts_as_admin(fake: FakeSlack) -> None:
    fake.add_user("U0OWNER", "Olle", owner=True)
    profiles = ProfileCache(web_client(TOKEN, fake.api_url))
    assert (await actor_for(profiles, team_id=TEAM, user_id="U0OWNER")).is_admin is True


async def test_profiles_are_cached_until_the_ttl_runs_out(fake: FakeSlack) -> None:
    clock = Clock()
    profiles = ProfileCache(web_client(TOKEN, fake.api_url), ttl=60, clock=clock)
    for _ in range(3):
        assert (await profiles.get(ANNA)).locale == "en-US"
    assert len(fake.called("users.info")) == 1
    fake.users[ANNA]["locale"] = "sv-SE"  # Anna changed her language
    clock.now += 61
    assert (await profiles.get(ANNA)).locale == "sv-SE"
    assert len(fake.called("users.info")) == 2


async def test_a_failed_lookup_falls_back_and_is_retried_later(fake: FakeSlack) -> None:
    clock = Clock()
    profiles = ProfileCache(web_client(TOKEN, fake.api_url), failure_ttl=30, clock=clock)
    fake.fail("users.info", "ratelimited")
    anna = await actor_for(profiles, team_id=TEAM, user_id=ANNA, fallback_name="anna.handle")
    assert (anna.locale, anna.is_admin, anna.display_name) == (None, False, "anna.handle")
    await profiles.get(ANNA)
    assert len(fake.called("users.info")) == 1  # the failure is remembered briefly
    clock.now += 31
    assert (await profiles.get(ANNA)).locale == "en-US"


async def test_the_cache_is_bounded(fake: FakeSlack) -> None:
    profiles = ProfileCache(web_client(TOKEN, fake.api_url), max_entries=2)
    for user in (ANNA, BO, MODERATOR):
        await profiles.get(user)
    assert profiles.peek(ANNA) is None and profiles.peek(MODERATOR) is not None


async def test_an_admin_of_another_organisation_in_a_shared_channel_is_no_admin_here(
    fake: FakeSlack,
) -> None:
    """Slack Connect: users.info reports the guest's admin flag for their own organisation."""
    fake.add_user("U0GUEST", "Gita", admin=True, team="T-ELSEWHERE")
    profiles = ProfileCache(web_client(TOKEN, fake.api_url))
    guest = await actor_for(profiles, team_id=TEAM, user_id="U0GUEST")
    assert guest.is_admin is False and guest.display_name == "Gita"


def _context(authorized: AuthorizeResult | None, team_id: str = TEAM) -> AsyncBoltContext:
    context = AsyncBoltContext({"team_id": team_id, "is_enterprise_install": False})
    if authorized is not None:
        context["authorize_result"] = authorized
    return context


def test_the_workspace_name_comes_from_auth_test_else_the_payloads_domain() -> None:
    named = AuthorizeResult(enterprise_id=None, team_id=TEAM, team="Acme Inc")
    command = {"team_id": TEAM, "team_domain": "acme"}
    assert installed_team_name(_context(named), command) == "Acme Inc"
    unnamed = AuthorizeResult(enterprise_id=None, team_id=TEAM)
    assert installed_team_name(_context(unnamed), command, {TEAM: "Acme"}) == "Acme"
    assert installed_team_name(_context(unnamed), command) == "acme"
    click = {"team": {"id": TEAM, "domain": "acme-click"}}
    assert installed_team_name(_context(unnamed), click) == "acme-click"
    # A Slack Connect guest's payload names their own workspace, not the installed one.
    guest = {"team_id": "T0PARTNER", "team_domain": "partner"}
    assert installed_team_name(_context(unnamed), guest) is None
    assert installed_team_name(_context(None), {"team": {"id": "T0PARTNER"}}) is None
