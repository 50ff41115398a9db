"""Who may do what, to which story, through which door: every command and button × every
kind of actor × every kind of id, each allowed or refused exactly as the README's command
reference says, and a refusal changes nothing at all (the whole in-memory database is
compared before and after).

The world, rebuilt for every case:
  community A (Slack T-ACME): #1 published and #2 hidden, both by the author (U-ANNA);
  community B (Slack T-OTHER): only #3 (its #1 and #2 were deleted), so 3 is a number that
  exists only in B, and 1 and 2 exist only in A.
Actors: the author, another member, a moderator (workspace admin) of A, a moderator of B,
and a member of a Discord guild who has the author's user id (a guild is its own community,
and ids are per platform).
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass
from typing import Any

import pytest

from bot import actions
from bot.commands import Actor
from bot.core import Core
from bot.domain import Platform, SpaceRef, Status
from bot.replies import Reply, StoryCard
from tests.conftest import OTHER_TEAM, Bot, actor

AUTHOR = actor("U-ANNA")
MEMBER = actor("U-BO")
MOD = actor("U-MOD", moderator=True)
FOREIGN_MOD = actor("U-ZED", space=OTHER_TEAM, moderator=True)
DISCORD_MEMBER = actor("U-ANNA", space=SpaceRef(Platform.DISCORD, "G-ACME"))
ACTORS = {
    "author": AUTHOR,
    "member": MEMBER,
    "moderator": MOD,
    "foreign-moderator": FOREIGN_MOD,
    "discord-member": DISCORD_MEMBER,
}

PUBLISHED, HIDDEN, FOREIGN, MISSING = 1, 2, 3, 999_999
TARGETS = {"published": PUBLISHED, "hidden": HIDDEN, "foreign": FOREIGN, "missing": MISSING}

OK, DENIED, NOT_FOUND, INVALID = "ok", "denied", "not-found", "invalid"
PHRASES = {
    DENIED: ("Only moderators", "Only the author"),
    NOT_FOUND: ("There is no story",),
    INVALID: (
        "can't appreciate your own",
        "no longer valid",
        "Give a story number",
        "link code is not valid",
        "not linked to any other",
    ),
}

EDITED = "An edited story text that replaces the original completely."


_TEMPLATE: list[Bot] = []


async def world() -> Bot:
    """A fresh copy of the world (built once: the matrix has hundreds of cases)."""
    if not _TEMPLATE:
        _TEMPLATE.append(await _build_world())
    template = _TEMPLATE[0]
    bot = Bot()
    bot.db = copy.deepcopy(template.db)
    bot.db.uows.clear()
    bot.core = Core(bot.db.factory(), bot.clock, announcers=[bot.slack, bot.discord])
    bot._keys = template._keys
    return bot


async def _build_world() -> Bot:
    bot = Bot()
    await bot.submit("The courier called ahead about the delay and brought a small gift.", AUTHOR)
    await bot.submit("The nurse stayed after her shift to explain the treatment again.", AUTHOR)
    assert not (await bot.say("hide 2", MOD)).error
    for n in range(3):
        await bot.submit(
            f"Community B story {n}: the support team called back in time.", FOREIGN_MOD
        )
    for n in (1, 2):
        assert not (await bot.say(f"delete {n}", FOREIGN_MOD)).error
    assert bot.db.story(2, 3) is not None and bot.db.story(2, 1) is None
    await bot.say("help", DISCORD_MEMBER)  # a first contact creates a space's community
    return bot


def facts(who: str, target: str) -> tuple[bool, bool, bool, bool]:
    """(exists in the actor's community, published, actor wrote it, actor moderates)."""
    moderator = who in ("moderator", "foreign-moderator")
    if who == "foreign-moderator":  # numbers are per community: B has only #3, by U-ZED
        return target == "foreign", True, True, moderator
    if who == "discord-member":  # a guild is its own community, with no stories
        return False, False, False, moderator
    exists = target in ("published", "hidden")
    return exists, target == "published", who == "author", moderator


def expected(command: str, who: str, target: str) -> str:
    """The specification, from the README's command table and the rules under it."""
    exists, published, author, moderator = facts(who, target)
    visible = exists and (published or author or moderator)
    match command:
        case "show":
            return OK if visible else NOT_FOUND
        case "appreciate":
            if not (exists and published):
                return NOT_FOUND  # hidden stories take no reactions, from anyone
            return INVALID if author else OK
        case "share":
            return OK if exists and published else NOT_FOUND
        case "edit" | "edit-form":
            if not visible:
                return NOT_FOUND
            return OK if author else DENIED
        case "delete":
            if not visible:
                return NOT_FOUND
            return OK if (author or moderator) else DENIED
        case "feature":
            if not moderator:
                return DENIED
            return OK if exists and published else NOT_FOUND
        case "hide" | "unhide":
            if not moderator:
                return DENIED
            return OK if exists else NOT_FOUND
    raise AssertionError(command)


NUMBERED = (
    "show",
    "appreciate",
    "share",
    "edit",
    "edit-form",
    "delete",
    "feature",
    "hide",
    "unhide",
)
BUTTONS = {"show", "appreciate", "share", "edit", "feature", "hide", "unhide"}


async def run(bot: Bot, command: str, who: Actor, number: int, door: str) -> Reply:
    if command == "edit-form":
        values = {"text": EDITED, "tags": ["speed"]}
        return await bot.core.handle_form(f"sb1:edit-form:{number}", values, who, "edit-key")
    if door == "button":
        return await bot.core.handle_action(actions.encode(command, number), who)
    return await bot.say(f"{command} {number}", who)


def outcome(reply: Reply) -> str:
    if not reply.error:
        return OK
    for name, phrases in PHRASES.items():
        if any(p in reply.plain_text for p in phrases):
            return name
    raise AssertionError(f"unexpected refusal: {reply.plain_text}")


def snapshot(bot: Bot) -> Any:
    return copy.deepcopy(bot.db._state)


CASES = [
    pytest.param(command, who, target, door, id=f"{command}-{who}-{target}-{door}")
    for command in NUMBERED
    for who in ACTORS
    for target in TARGETS
    for door in (("text", "button") if command in BUTTONS else ("text",))
]


@pytest.mark.parametrize(("command", "who", "target", "door"), CASES)
def test_numbered_commands_and_buttons(command: str, who: str, target: str, door: str) -> None:
    async def case() -> None:
        bot = await world()
        before = snapshot(bot)
        a_before = {k: v for k, v in before.stories.items() if k[0] == 1}
        reply = await run(bot, command, ACTORS[who], TARGETS[target], door)
        got = outcome(reply)
        want = expected(command, who, target)
        assert got == want, reply.plain_text
        after = snapshot(bot)
        if got != OK or command in ("show", "edit"):
            assert after == before  # a refusal (or a read) changes nothing
        if who in ("foreign-moderator", "discord-member"):
            assert {k: v for k, v in after.stories.items() if k[0] == 1} == a_before
            assert "courier" not in reply.plain_text and "nurse" not in reply.plain_text
        if got == OK:
            assert_effect(bot, before, command, ACTORS[who], TARGETS[target], reply)

    asyncio.run(case())


def assert_effect(
    bot: Bot, before: Any, command: str, who: Actor, number: int, reply: Reply
) -> None:
    """An allowed action did what it says, to the story of the actor's own community."""
    community = 2 if who.space == OTHER_TEAM else 1
    story = bot.db.story(community, number)
    match command:
        case "show":
            assert any(isinstance(b, StoryCard) and b.number == number for b in reply.blocks)
        case "edit":
            assert reply.form is not None and reply.form.action == f"sb1:edit-form:{number}"
        case "edit-form":
            assert story is not None and story.text == EDITED
        case "delete":
            assert story is None
        case "appreciate":
            assert story is not None and story.appreciations == 1
        case "share":
            assert reply.broadcast is not None and not reply.broadcast.ephemeral
        case "feature":
            assert any(f.story_number == number for f in bot.db._state.features.values())
        case "hide":
            assert story is not None and story.status is Status.HIDDEN
        case "unhide":
            assert story is not None and story.status is Status.PUBLISHED


# Commands without a number: who may run them, and a refusal changes nothing.
BARE = {
    "browse": {"author": OK, "member": OK, "moderator": OK},
    "search courier": {"author": OK, "member": OK, "moderator": OK},
    "tags": {"author": OK, "member": OK, "moderator": OK},
    "featured": {"author": OK, "member": OK, "moderator": OK},
    "shortlist": {"author": OK, "member": OK, "moderator": OK},
    "help": {"author": OK, "member": OK, "moderator": OK},
    "config": {"author": OK, "member": OK, "moderator": OK},
    "config free-tags off": {"author": DENIED, "member": DENIED, "moderator": OK},
    "config moderators <@U-BO>": {"author": DENIED, "member": DENIED, "moderator": OK},
    "export": {"author": DENIED, "member": DENIED, "moderator": OK},
    "links": {"author": OK, "member": OK, "moderator": OK},
    "link": {"author": DENIED, "member": DENIED, "moderator": OK},
    "link ABCDE-FGHJK": {"author": DENIED, "member": DENIED, "moderator": INVALID},
    "unlink": {"author": DENIED, "member": DENIED, "moderator": INVALID},
}
# Runs that are meant to write: settings, a new link code, and a moderator's wrong link code,
# which is counted towards the brute-force pause (and nothing else).
WRITES = {"config free-tags off", "config moderators <@U-BO>", "link", "link ABCDE-FGHJK"}


@pytest.mark.parametrize(
    ("line", "who"), [(line, who) for line in BARE for who in ("author", "member", "moderator")]
)
def test_commands_without_a_number(line: str, who: str) -> None:
    async def case() -> None:
        bot = await world()
        before = snapshot(bot)
        reply = await bot.say(line, ACTORS[who])
        assert outcome(reply) == BARE[line][who], reply.plain_text
        after = snapshot(bot)
        if line == "link ABCDE-FGHJK" and who == "moderator":
            assert len(after.link_failures) == len(before.link_failures) + 1
            after.link_failures = before.link_failures
        if line == "link ABCDE-FGHJK" or BARE[line][who] != OK or line not in WRITES:
            assert after == before
        # Community B's story never shows in A, nor A's hidden story to a plain member.
        assert "Community B" not in reply.plain_text
        if who == "member":
            assert "nurse" not in reply.plain_text

    asyncio.run(case())


@dataclass(frozen=True)
class Forged:
    action: str
    note: str


FORGED_BUTTONS = [
    Forged("sb1:show", "no number"),
    Forged("sb1:show:1:2", "extra part"),
    Forged("sb1:show:-1", "negative"),
    Forged("sb1:show:0", "zero"),
    Forged("sb1:show:+1", "sign"),
    Forged("sb1:show:1_0", "underscore digits"),
    Forged("sb1:show: 1", "space"),
    Forged("sb1:show:٣", "Arabic-Indic digit"),
    Forged("sb1:show:" + "9" * 30, "too large for SQLite"),
    Forged("sb1:show:" + "9" * 5000, "over-long"),
    Forged("sb1:hide:1", "moderator verb from a member"),
    Forged("sb1:feature:1", "moderator verb from a member"),
    Forged("sb1:unhide:2", "moderator verb from a member"),
    Forged("sb1:edit:1", "someone else's story"),
    Forged("sb1:delete:1", "a verb no button has"),
    Forged("sb1:export", "a verb no button has"),
    Forged("sb1:config:free-tags:off", "a verb no button has"),
    Forged("sb2:show:1", "another version"),
    Forged("SB1:show:1", "case"),
    Forged("", "empty"),
    Forged("sb1:browse:<!channel>:o1.2.3", "hostile tag"),
    Forged("sb1:browse::x9.9.9", "garbage cursor"),
    Forged("sb1:browse::o9999.999999999999.999999", "cursor far out"),
    Forged("sb1:search:nurse:o1.2.3", "search for a hidden story"),
    Forged("sb1:edit-form:2", "form action as a button"),
]


@pytest.mark.parametrize("forged", FORGED_BUTTONS, ids=lambda f: f"{f.note}:{f.action[:24]}")
def test_forged_buttons_from_a_member_change_nothing(forged: Forged) -> None:
    async def case() -> None:
        bot = await world()
        before = snapshot(bot)
        reply = await bot.core.handle_action(forged.action, MEMBER)
        assert "Something went wrong" not in reply.plain_text
        assert snapshot(bot) == before
        assert "Community B" not in reply.plain_text
        if not reply.error:  # only reads get through, and only of A's published stories
            numbers = {b.number for b in reply.blocks if isinstance(b, StoryCard)}
            assert numbers <= {PUBLISHED}  # never the hidden #2, never B's #3

    asyncio.run(case())


@pytest.mark.parametrize(
    "action",
    [
        "sb1:edit-form:²",
        "sb1:edit-form:" + "9" * 30,
        "sb1:edit-form:-1",
        "sb1:edit-form:1:1",
        "sb1:edit-form",
        "sb1:submit-form:1",
        "sb1:show:1",
        "x",
    ],
)
@pytest.mark.parametrize("who", ["member", "moderator", "foreign-moderator", "discord-member"])
def test_forged_edit_forms_change_nothing(action: str, who: str) -> None:
    async def case() -> None:
        bot = await world()
        before = snapshot(bot)
        reply = await bot.core.handle_form(action, {"text": EDITED}, ACTORS[who], "k")
        assert reply.error and "Something went wrong" not in reply.plain_text
        assert snapshot(bot) == before

    asyncio.run(case())


CURSORS = [
    "o1.2.3",  # a well-formed cursor from another query or community
    "n0.999999999999.1",
    "o9999.1.999999",
    "o-1.2.3",
    "o1.2",
    "x1.2.3",
    "o1.2.3.4",
    "%27;--",
    "o１.２.３",  # full-width digits
    "",
]


@pytest.mark.parametrize("cursor", CURSORS)
@pytest.mark.parametrize("verb", ["browse", "search"])
def test_forged_cursors_page_only_through_the_readers_own_stories(cursor: str, verb: str) -> None:
    async def case() -> None:
        bot = await world()
        for n in range(8):
            await bot.submit(f"Community A story {n}: the courier waited at the door.", AUTHOR)
        before = snapshot(bot)
        words = "courier" if verb == "search" else ""
        reply = await bot.core.handle_action(f"sb1:{verb}:{words}:{cursor}", MEMBER)
        assert "Something went wrong" not in reply.plain_text
        assert snapshot(bot) == before
        if reply.error:
            assert "no longer valid" in reply.plain_text
            return
        numbers = {b.number for b in reply.blocks if isinstance(b, StoryCard)}
        assert HIDDEN not in numbers
        for number in numbers:  # every card is one of A's published stories
            story = bot.db.story(1, number)
            assert story is not None and story.published
        assert "Community B" not in reply.plain_text

    asyncio.run(case())
