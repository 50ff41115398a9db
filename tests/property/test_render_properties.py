"""Hostile stories through the core and out of both renderers: every reply a reader can get
(show, browse, search, share, featured, home, the edit form) keeps each platform's limits
and carries no live mention from user text.

Slack: every mention or link comes only from the renderer (escaped &, <, >; checked by
tests/fakes/slack_blockkit.py), and mrkdwn is sent verbatim so Slack does not parse
"@here" or "#channel" in user text by itself. Discord: allowed_mentions is none on every
message, and the text carries no mention syntax either (<@…>, <@&…>, <#…>, </…>,
@everyone, @here), except the credited colleagues the renderer adds on purpose.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from hypothesis import event, example, given
from hypothesis import strategies as st

from adapters.discord.messages import NO_PINGS, outgoing
from adapters.discord.render import render as discord_render
from adapters.slack import render as slack
from bot.commands import Home
from bot.domain import Language
from bot.i18n import Translator
from bot.replies import Fields, Reply, StoryCard, Text
from tests.adapters.discord.test_render import check_limits
from tests.conftest import Bot, actor
from tests.fakes.slack_blockkit import (
    assert_no_markup_from_data,
    assert_valid_blocks,
    assert_valid_modal,
    texts,
)
from tests.property.strategies import (
    FRAGMENTS,
    hostile_settings,
    hostile_text,
    short_hostile,
)

T = {Language.EN: Translator(Language.EN), Language.SV: Translator(Language.SV)}

# Discord mention syntax: users, roles, channels, slash commands, guild navigation.
DISCORD_MENTION = re.compile(r"<(?:@[!&]?\d+|#\d+|/[^<>]+:\d+|id:\w+)>|@(?:everyone|here)")

credited_ids = st.lists(
    st.sampled_from(["U0BO", "W0ALL", "123456789012345678", "<!channel>", "@everyone", "<@U1>"])
    | short_hostile,
    max_size=10,
)
valid_tags = st.lists(
    st.sampled_from(["speed", "small gesture", "Tillgänglighet", "egen-tagg", "ärende-42"]),
    max_size=4,
)
tag_lists = (
    valid_tags | valid_tags | st.lists(st.sampled_from(FRAGMENTS) | short_hostile, max_size=12)
)
# Mostly stories the core accepts (so the replies show them), some it refuses.
story_text = hostile_text.map(lambda s: ("The courier called ahead. " + s)[:3000]) | hostile_text


def discord_strings(reply: Reply, t: Translator) -> tuple[list[str], Any]:
    rendered = discord_render(reply, t)
    check_limits(rendered)
    found = [rendered.content or ""]
    for embed in rendered.embeds:
        data: dict[str, Any] = embed.to_dict()  # type: ignore[assignment]
        found += [data.get("title", ""), data.get("description", "")]
        # Footers are the core's own "#n · appreciations · date" and render no markup.
        found += [text for f in data.get("fields", []) for text in (f["name"], f["value"])]
    found += [b.label for row in rendered.rows for b in row]
    return found, rendered


def assert_discord_pings_nobody(reply: Reply, t: Translator, credited: list[str]) -> None:
    strings, _ = discord_strings(reply, t)
    ours = {f"<@{u}>" for u in credited if u.isascii() and u.isdigit()}
    for text in strings:
        rest = text
        for mention in ours:
            rest = rest.replace(mention, "")
        assert not DISCORD_MENTION.search(rest), text
    message = outgoing(reply, t, 8 * 1024 * 1024)
    assert message.send_kwargs()["allowed_mentions"] is NO_PINGS
    assert message.edit_kwargs()["allowed_mentions"] is NO_PINGS
    assert NO_PINGS.to_dict() == {"parse": []}


def assert_slack_pings_nobody(reply: Reply, public: bool) -> None:
    blocks = slack.message_blocks(reply, names={"U0BO": "<!channel> Bo"} if public else {})
    assert_valid_blocks(blocks, slack.MESSAGE_BLOCKS)
    assert_no_markup_from_data(blocks, mentions_allowed=not public)
    assert_verbatim(blocks)
    fallback = slack.fallback_text(reply)
    assert_no_markup_from_data(fallback, mentions_allowed=False)
    home = slack.home_view(reply)
    assert_valid_blocks(home["blocks"], slack.VIEW_BLOCKS)
    assert_valid_modal(slack.info_modal(reply))


def assert_verbatim(value: Any) -> None:
    """Every mrkdwn object opts out of Slack's automatic parsing of user text."""
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn":
            assert value.get("verbatim") is True, value
        for item in value.values():
            assert_verbatim(item)
    elif isinstance(value, list):
        for item in value:
            assert_verbatim(item)


async def replies_for(bot: Bot, values: dict[str, Any], language: str) -> list[tuple[Reply, bool]]:
    """Every kind of answer that shows the story, as (reply, posted publicly)."""
    author = actor("U-ANNA", locale=language)
    mod = actor("U-MOD", moderator=True, locale=language, channel="C-HIGHLIGHT")
    await bot.say("config channel", mod)
    saved = await bot.core.handle_form("sb1:submit-form", values, author, "form-1")
    found = [(saved, False)]
    event("story refused" if saved.error else "story saved")
    if saved.error:
        return found
    for line, who in (
        ("show 1", author),
        ("show 1", mod),
        ("browse", author),
        ("tags", author),
        (f"search {values['text'][:50]}", author),
        ("feature 1 " + values["title"][:300], mod),
        ("featured", author),
        ("featured", mod),
        ("edit 1", author),
        ("config", mod),
    ):
        found.append((await bot.say(line, who), False))
    share = await bot.say("share 1", author)
    found.append((share, False))
    if share.broadcast is not None:
        found.append((share.broadcast, True))
    found += [(post, True) for _, post in bot.slack.posted]
    found.append((await bot.core.handle(Home(), author), False))
    return found


@hostile_settings(25)
@given(
    story_text,
    short_hostile,
    short_hostile,
    credited_ids,
    tag_lists,
    st.booleans(),
    st.sampled_from(["en-US", "sv-SE"]),
)
@example(
    "<!channel> @everyone <@123456789012345678> <#123> <@&1> </story:1> *bold* ```x``` ||s||",
    "<@U123> @here",
    "<#C1|general> ~strike~",
    ["123456789012345678", "<!here>", "U0BO"],
    ["speed", "small gesture"],
    True,
    "en-US",
)
@example("😀" * 3000, "😀" * 100, "\\" * 100, [], [], False, "sv-SE")
def test_every_reply_about_a_hostile_story_fits_and_pings_nobody(
    text: str,
    title: str,
    customer: str,
    credited: list[str],
    tags: list[str],
    anonymous: bool,
    locale: str,
) -> None:
    bot = Bot()
    values = {
        "text": text,
        "title": title,
        "customer": customer,
        "credited": credited,
        "tags": tags,
        "anonymous": anonymous,
        "consent": True,
    }
    t = T[Language.SV if locale == "sv-SE" else Language.EN]
    for reply, public in asyncio.run(replies_for(bot, values, locale)):
        if reply.form is not None:
            continue  # forms are checked by the adapters' own modal tests
        assert_slack_pings_nobody(reply, public)
        assert_discord_pings_nobody(reply, t, credited)


hostile_cards = st.builds(
    StoryCard,
    number=st.integers(1, 10**9),
    title=hostile_text,
    body=hostile_text,
    meta=st.lists(st.tuples(short_hostile, hostile_text), max_size=6).map(tuple),
    footer=short_hostile,
    credited=credited_ids.map(tuple),
)
hostile_replies = st.builds(
    Reply,
    blocks=st.lists(
        st.one_of(
            st.builds(Text, hostile_text, st.booleans()),
            st.builds(
                Fields, st.lists(st.tuples(short_hostile, hostile_text), max_size=8).map(tuple)
            ),
            hostile_cards,
        ),
        max_size=6,
    ).map(tuple),
    error=st.booleans(),
    field_errors=st.dictionaries(st.sampled_from(["text", "tags"]), short_hostile, max_size=2),
)


@hostile_settings(40)
@given(hostile_replies)
def test_any_reply_of_hostile_text_pings_nobody_on_either_platform(reply: Reply) -> None:
    credited = [u for b in reply.blocks if isinstance(b, StoryCard) for u in b.credited]
    assert_discord_pings_nobody(reply, T[Language.EN], credited)
    for public in (False, True):
        assert_slack_pings_nobody(reply, public)
    assert texts  # the referee is shared with the Slack adapter tests
