"""Issue 13's findings replayed on the real storage, SQLite and PostgreSQL: each test is the
hostile scenario of docs/RELIABILITY.md and fails without its fix."""

from __future__ import annotations

import asyncio
import datetime as dt
import re

from bot import linking
from bot.commands import StoryInput, Submit
from bot.core import Core
from bot.domain import IsoWeek, Platform, SpaceRef, Status
from bot.indexing import search_doc
from bot.replies import Reply
from storage import create_engine, uow_factory
from tests.conftest import OTHER_TEAM, TEAM, actor
from tests.fakes.memory import FakeAnnouncer, FakeClock

MOD = actor("U-MOD", moderator=True, channel="C-HIGHLIGHT")
MONDAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # 10:00 in Stockholm, job due
WEEK = IsoWeek(2026, 48)


class SurprisingAnnouncer(FakeAnnouncer):
    """Raises `surprise` once: not an AnnounceFailed, a plain bug."""

    surprise: Exception | None = None

    async def announce(self, channel, reply) -> None:  # type: ignore[no-untyped-def]
        if self.surprise is not None:
            surprise, self.surprise = self.surprise, None
            raise surprise
        await super().announce(channel, reply)


def make_core(uows, clock: FakeClock | None = None) -> tuple[Core, SurprisingAnnouncer, FakeClock]:
    announcer = SurprisingAnnouncer(Platform.SLACK)
    clock = clock or FakeClock(MONDAY)
    return Core(uows, clock, announcers=[announcer]), announcer, clock


def submit(text: str, key: str) -> Submit:
    return Submit(StoryInput(text=text), client_key=key)


async def test_a_featured_story_hidden_after_a_failed_announcement_is_never_announced(
    uows,
) -> None:
    core, announcer, _ = make_core(uows)
    await core.handle_text("/story config channel", MOD, "c")
    await core.handle(submit("The nurse stayed late to explain every medicine twice.", "s1"), MOD)
    announcer.fail_with("not_in_channel")
    await core.handle_text("/story feature 1", MOD, "f")
    hidden = await core.handle_text("/story hide 1", MOD, "h")
    assert not hidden.error, hidden.plain_text
    async with uows() as uow:
        assert await uow.features.get(1, WEEK) is None  # hiding released the week
    outcomes = await core.run_weekly()
    assert announcer.posted == []
    assert [o.announced for o in outcomes] == [0]


async def test_the_weekly_job_never_announces_a_hidden_feature_it_finds(uows) -> None:
    """Even a feature row left over from before the fix (or a race) is not announced."""
    core, announcer, _ = make_core(uows)
    await core.handle_text("/story config channel", MOD, "c")
    await core.handle(
        submit("The baker kept the last loaf aside for the late customer.", "s1"), MOD
    )
    announcer.fail_with("not_in_channel")
    await core.handle_text("/story feature 1", MOD, "f")
    async with uows() as uow:
        story = await uow.stories.get(1, 1)
        assert story is not None
        story.status = Status.HIDDEN
        await uow.stories.update(story, search_doc(story))
        await uow.commit()
    await core.run_weekly()
    assert announcer.posted == []
    async with uows() as uow:
        assert await uow.features.get(1, WEEK) is None


async def test_one_failing_community_does_not_stop_the_weekly_round(uows, caplog) -> None:
    core, announcer, clock = make_core(uows)
    other = actor("U-MOD2", moderator=True, channel="C-OTHER", space=OTHER_TEAM)
    clock.now = MONDAY - dt.timedelta(days=6)
    for who, key in ((MOD, "a"), (other, "b")):
        await core.handle_text("/story config channel", who, f"c{key}")
        await core.handle(submit(f"A story worth a feature, told by {key}.", key), who)
        await core.handle_text("/story appreciate 1", actor("U-FAN", space=who.space), f"v{key}")
    clock.now = MONDAY
    # The first community's announcement breaks in a way nobody foresaw.
    announcer.surprise = RuntimeError("a bug nobody foresaw")
    outcomes = await core.run_weekly()
    # Whichever community the round reached first failed; the other still got its week.
    assert len(outcomes) == 1 and outcomes[0].community_id in (1, 2)
    assert "weekly job failed for a community" in caplog.text


CODE = re.compile(r"[A-Z0-9]{5}-[A-Z0-9]{5}")
MOD_B = actor("U-BOSS", moderator=True, channel="C-B", space=OTHER_TEAM)
THIRD = SpaceRef(Platform.SLACK, "T-THIRD")
MOD_C = actor("U-CHIEF", moderator=True, channel="C-C", space=THIRD)


async def link(core: Core, owner, joiner) -> Reply:
    made = await core.handle_text("/story link", owner, "code")
    found = CODE.search(made.plain_text)
    assert found, made.plain_text
    return await core.handle_text(f"/story link {found.group(0)}", joiner, "use")


async def test_a_moderator_added_in_one_space_loses_the_other_after_unlink(uows) -> None:
    core, announcer, _ = make_core(uows)
    await core.handle_text("/story config moderators <@U-BOSS2>", MOD_B, "m0")
    assert not (await link(core, MOD, MOD_B)).error
    # After linking, A's moderator makes Eve a moderator; Slack user ids are global.
    await core.handle_text("/story config moderators <@U-EVE>", MOD, "m1")
    await core.handle(submit("Told in B: the cashier ran after me with my scarf.", "b1"), MOD_B)
    eve_in_b = actor("U-EVE", space=OTHER_TEAM)
    assert not (await core.handle_text("/story export", eve_in_b, "e0")).error

    unlinked = await core.handle_text("/story unlink", MOD_B, "u")
    assert not unlinked.error, unlinked.plain_text
    assert "U-EVE" in unlinked.plain_text  # the unlinking moderator is told
    refused = await core.handle_text("/story export", eve_in_b, "e1")
    assert refused.error and "Only moderators" in refused.plain_text
    assert not (await core.handle_text("/story export", actor("U-EVE"), "e2")).error
    assert not (
        await core.handle_text("/story export", actor("U-BOSS2", space=OTHER_TEAM), "e3")
    ).error
    # B's own moderators hear privately who lost the rights there.
    [(space, told, notice)] = announcer.notices
    assert space == OTHER_TEAM and told == ["U-BOSS2"] and "U-EVE" in notice.plain_text
    async with uows() as uow:
        b = await uow.communities.for_space(OTHER_TEAM)
        a = await uow.communities.for_space(TEAM)
    assert b is not None and a is not None
    assert b.settings.moderator_users == ["slack:U-BOSS2"]
    assert a.settings.moderator_users == ["slack:U-EVE"]


async def test_a_code_used_from_a_linked_community_is_refused_and_stays_unused(uows) -> None:
    core, _, _ = make_core(uows)
    await core.handle(submit("Told in the third space, which nobody asked.", "c1"), MOD_C)
    assert not (await link(core, MOD_B, MOD_C)).error  # B and the third space share stories
    made = await core.handle_text("/story link", MOD, "code-a")
    code = CODE.search(made.plain_text).group(0)  # type: ignore[union-attr]
    refused = await core.handle_text(f"/story link {code}", MOD_B, "use-a")
    assert refused.error and "/story unlink" in refused.plain_text
    async with uows() as uow:
        a = await uow.communities.for_space(TEAM)
        b = await uow.communities.for_space(OTHER_TEAM)
    assert a is not None and a.spaces == [TEAM]
    assert b is not None and set(b.spaces) == {OTHER_TEAM, THIRD}
    # After unlinking, the same code still works: the refusal did not use it up.
    await core.handle_text("/story unlink", MOD_B, "u")
    assert not (await core.handle_text(f"/story link {code}", MOD_B, "use-b")).error


async def test_deleting_stories_does_not_free_the_rate_limit(uows) -> None:
    core, _, clock = make_core(uows)
    anna = actor()
    for i in range(10):
        reply = await core.handle(
            submit(f"Story {i} of a burst, then deleted again.", f"r{i}"), anna
        )
        assert not reply.error, reply.plain_text
    for number in range(1, 11):
        assert not (await core.handle_text(f"/story delete {number}", anna, f"d{number}")).error
    refused = await core.handle(submit("One more after deleting all ten.", "r-more"), anna)
    assert refused.error and "Wait a moment" in refused.plain_text
    clock.advance(minutes=1, seconds=1)
    assert not (await core.handle(submit("A minute later it is fine again.", "r-late"), anna)).error
    since = clock() - dt.timedelta(hours=1)
    async with uows(read_only=True) as uow:
        assert await uow.communities.submissions_since(1, Platform.SLACK, "U-ANNA", since) == 11
    await core.tidy()  # the scheduler's round: the log keeps no more than the window's worth
    async with uows(read_only=True) as uow:
        assert await uow.communities.submissions_since(1, Platform.SLACK, "U-ANNA", since) == 1


async def test_link_codes_are_capped_per_space_and_hour(uows) -> None:
    core, _, clock = make_core(uows)
    for i in range(10):
        assert not (await core.handle_text("/story link", MOD, f"c{i}")).error
    refused = await core.handle_text("/story link", MOD, "c-over")
    assert refused.error and "in the last hour" in refused.plain_text
    assert not (await core.handle_text("/story link", MOD_B, "c-b")).error  # per space
    clock.advance(hours=1, seconds=1)
    assert not (await core.handle_text("/story link", MOD, "c-later")).error


async def test_a_code_is_found_by_its_digest_alone(uows) -> None:
    """Using a code reads that one row, not every code of the day (port and both databases)."""
    core, _, _ = make_core(uows)
    made = await core.handle_text("/story link", MOD, "code")
    code = CODE.search(made.plain_text).group(0)  # type: ignore[union-attr]
    async with uows() as uow:
        found = await uow.links.code_by_digest(linking.digest(code.lower()))
        assert found is not None and found.space == TEAM and found.used_at is None
        assert await uow.links.code_by_digest(linking.digest("ABCDE-FGHJK")) is None
    assert not (await core.handle_text(f"/story link {code}", MOD_B, "use")).error


async def test_deleting_a_featured_story_releases_the_week(uows) -> None:
    core, announcer, _ = make_core(uows)
    await core.handle_text("/story config channel", MOD, "c")
    await core.handle(submit("The tailor fixed my sleeve while I waited for my bus.", "s1"), MOD)
    announcer.fail_with("not_in_channel")
    await core.handle_text("/story feature 1", MOD, "f")
    assert not (await core.handle_text("/story delete 1", MOD, "d")).error
    async with uows() as uow:
        assert await uow.features.get(1, WEEK) is None
    await core.run_weekly()
    assert announcer.posted == []


async def test_the_migration_gives_old_moderators_their_only_space(empty_url: str) -> None:
    """Moderators configured before the `security` migration belong to the one space of their
    community; in an already linked community they keep no origin (see bot.linking.owned_by)."""
    from alembic import command
    from sqlalchemy import text

    from storage.engine import create_migration_engine
    from storage.migrate import alembic_config

    await asyncio.to_thread(command.upgrade, alembic_config(empty_url), "perf")
    engine = create_migration_engine(empty_url)
    rows = (
        "INSERT INTO communities (id, language, timezone, weekly_weekday, weekly_time, "
        "free_tags, highlight_channels, moderator_users, moderator_roles, last_number, "
        "created_at) VALUES (:id, 'en', 'UTC', 1, '09:00', true, '[]', :users, '[]', 0, "
        "'2026-01-01 00:00:00')"
    )
    try:
        async with engine.begin() as connection:
            for cid, users in ((1, '["slack:U0A"]'), (2, '["slack:U0B"]')):
                await connection.execute(text(rows), {"id": cid, "users": users})
            for pid, cid, team in ((1, 1, "T1"), (2, 2, "T2"), (3, 2, "T3")):
                await connection.execute(
                    text(
                        "INSERT INTO spaces (id, platform, external_id, community_id) "
                        "VALUES (:id, 'slack', :team, :cid)"
                    ),
                    {"id": pid, "team": team, "cid": cid},
                )
    finally:
        await engine.dispose()
    await asyncio.to_thread(command.upgrade, alembic_config(empty_url), "head")
    engine = create_engine(empty_url)
    try:
        async with uow_factory(engine)() as uow:
            one = await uow.communities.get(1)
            linked = await uow.communities.get(2)
    finally:
        await engine.dispose()
    assert one is not None and one.settings.moderator_origins == {"slack:U0A": ["slack:T1"]}
    assert linked is not None and linked.settings.moderator_origins == {}
