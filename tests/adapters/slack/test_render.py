"""Reply → Block Kit: escaping and every limit, for any data (hypothesis over Unicode)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.slack import render
from adapters.text import shorten
from bot.domain import Language
from bot.i18n import Translator
from bot.replies import (
    Actions,
    Attachment,
    Button,
    Fields,
    Pager,
    Reply,
    StoryCard,
    Style,
    Text,
)
from tests.fakes.slack_blockkit import (
    assert_no_markup_from_data,
    assert_valid_blocks,
    assert_valid_modal,
    texts,
    units,
)

T = Translator(Language.EN)
PINGS = ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C123>", "<!subteam^S1>")

DANGER = st.sampled_from(
    [*PINGS, "<https://evil.example|click>", "&", "&amp;", "<", ">", "😀", "*bold*", "\n", " "]
)
short_text = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(DANGER, st.text(max_size=12)), max_size=25).map("".join),
)
long_text = st.tuples(st.one_of(DANGER, st.text(min_size=1, max_size=8)), st.integers(50, 900)).map(
    lambda pair: pair[0] * pair[1]
)
any_text = st.one_of(short_text, short_text, long_text)
buttons = st.builds(
    Button,
    label=any_text,
    action=st.one_of(st.text(max_size=120), long_text),
    style=st.sampled_from(Style),
)
cards = st.builds(
    StoryCard,
    number=st.integers(0, 10**9),
    title=any_text,
    body=any_text,
    meta=st.lists(st.tuples(any_text, any_text), max_size=14).map(tuple),
    footer=any_text,
    buttons=st.lists(buttons, max_size=30).map(tuple),
    source_url=st.one_of(
        st.none(),
        short_text,
        st.sampled_from(["https://acme.slack.com/archives/C1/p1?a=1&b=2", "https://a.b/x\n"]),
    ),
    credited=st.lists(
        st.one_of(st.sampled_from(["U0BO", "W0ALL", "U-ANNA", "U0BO\n", "<!channel>"]), short_text),
        max_size=40,
    ).map(tuple),
)
blocks = st.one_of(
    st.builds(Text, any_text, heading=st.booleans()),
    st.builds(Fields, st.lists(st.tuples(any_text, any_text), max_size=40).map(tuple)),
    cards,
    st.builds(Actions, st.lists(buttons, max_size=40).map(tuple)),
    st.builds(Pager, any_text, st.one_of(st.none(), buttons), st.one_of(st.none(), buttons)),
    st.builds(Attachment, any_text, st.just(b"{}"), st.just("application/json")),
)
replies = st.builds(
    Reply,
    blocks=st.lists(blocks, max_size=40).map(tuple),
    ephemeral=st.booleans(),
    error=st.booleans(),
)
names = st.dictionaries(st.sampled_from(["U0BO", "W0ALL", "U-ANNA"]), any_text, max_size=3)
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(replies, names)
def test_any_public_message_keeps_every_limit_and_pings_nobody(reply: Reply, names: dict) -> None:
    rendered = render.message_blocks(reply, names=names)
    assert_valid_blocks(rendered, render.MESSAGE_BLOCKS)
    assert_no_markup_from_data(rendered, mentions_allowed=False)
    fallback = render.fallback_text(reply)
    assert 0 < units(fallback) <= 3000
    assert_no_markup_from_data(fallback, mentions_allowed=False)


@SETTINGS
@given(replies)
def test_any_private_message_keeps_every_limit_and_only_our_mentions(reply: Reply) -> None:
    rendered = render.message_blocks(reply)
    assert_valid_blocks(rendered, render.MESSAGE_BLOCKS)
    assert_no_markup_from_data(rendered, mentions_allowed=True)
    for text in texts(rendered):
        assert not any(ping in text for ping in PINGS[:3])


@SETTINGS
@given(replies)
def test_any_home_tab_and_info_modal_keeps_the_view_limits(reply: Reply) -> None:
    home = render.home_view(reply)
    assert home["type"] == "home"
    assert_valid_blocks(home["blocks"], render.VIEW_BLOCKS)
    modal = render.info_modal(reply, title="A title far longer than twenty-four")
    assert_valid_modal(modal)


@given(st.one_of(st.text(), long_text), st.integers(1, 4000))
def test_fit_escapes_and_cuts_within_the_limit_never_inside_an_entity(
    text: str, limit: int
) -> None:
    fitted = render.fit(text, limit)
    assert units(fitted) <= limit
    assert "<" not in fitted and ">" not in fitted
    cut = fitted.removesuffix("…")
    assert render.escape(text).startswith(cut)  # a prefix of the escaped text


def test_fit_counts_emoji_as_slack_does() -> None:
    assert render.fit("😀" * 3, 6) == "😀" * 3
    assert render.fit("😀" * 4, 6) == "😀😀…"


def test_a_story_full_of_pings_renders_as_literal_text() -> None:
    story = " ".join(PINGS) + " <https://evil.example|click here> & more"
    card = StoryCard(1, story, story, (("Tags", story),), story, source_url=None)
    reply = Reply(blocks=(Text(story, heading=True), Text(story), card))
    for names in ({}, {"U0BO": "<!here>"}):
        blocks = render.message_blocks(reply, names=names)
        parsed = " ".join(texts(blocks))  # every mrkdwn string: what Slack parses
        for ping in PINGS:
            assert ping not in parsed
        assert "&lt;!channel&gt;" in parsed and "&amp; more" in parsed
        # The heading is plain_text, which Slack parses for nothing: shown as typed.
        assert blocks[0]["type"] == "header"
        assert blocks[0]["text"]["type"] == "plain_text"
        assert blocks[0]["text"]["text"] == shorten(story, 150)


def test_plain_text_is_sent_raw_and_a_bold_title_stays_bold() -> None:
    card = StoryCard(7, "Fish & chips *5 stars* for_the `crew` ~ok", "b", (), "f")
    blocks = render.message_blocks(Reply(blocks=(Text("Fish & chips", heading=True), card)))
    assert blocks[0]["text"]["text"] == "Fish & chips"
    title = blocks[2]["text"]["text"].split("\n")[0]
    assert title == "*#7 Fish &amp; chips ∗5 stars∗ forˍthe ˋcrewˋ ∼ok*"
    assert title.count("*") == 2  # one bold span, opened and closed by the renderer


def test_credited_colleagues_are_named_in_every_answer_never_mentioned() -> None:
    ids = ("U0BO", "U0KIM", "U-ODD")
    card = StoryCard(1, "Title", "Body", (), "footer", credited=ids)
    shown = json.dumps(render.message_blocks(Reply(blocks=(card,)), names={"U0BO": "Bo <3"}))
    assert "Bo &lt;3, a colleague, a colleague" in shown
    assert "<@" not in shown and "U0KIM" not in shown
    swedish = Reply(blocks=(card,), language=Language.SV)
    assert "en kollega" in json.dumps(render.message_blocks(swedish), ensure_ascii=False)


def test_a_long_page_keeps_its_pager() -> None:
    card = StoryCard(1, "T", "B", (("Tags", "x"),), "f", buttons=(Button("Read", "sb1:show:1"),))
    pager = Pager(
        "Page 3", Button("‹ Previous", "sb1:browse::p"), Button("Next ›", "sb1:browse::n")
    )
    reply = Reply(blocks=(Text("All stories", heading=True), *([card] * 30), pager))
    rendered = render.message_blocks(reply)
    assert len(rendered) == render.MESSAGE_BLOCKS
    assert [b["text"]["text"] for b in rendered[-1]["elements"]] == ["‹ Previous", "Next ›"]
    assert rendered[-2]["elements"][0]["text"] == "Page 3"


def test_buttons_carry_the_opaque_action_in_their_value() -> None:
    reply = Reply(blocks=(Actions((Button("Go", "sb1:show:12", Style.PRIMARY),)),))
    [block] = render.message_blocks(reply)
    [element] = block["elements"]
    assert element["value"] == "sb1:show:12"
    assert render.BUTTON_ACTION_PATTERN.match(element["action_id"])
    assert element["style"] == "primary"


def test_an_action_too_long_to_carry_is_left_out_not_cut() -> None:
    reply = Reply(
        blocks=(
            Actions(
                (Button("Too long", "x" * 2001), Button("Fine", "sb1:x")),
            ),
        )
    )
    [block] = render.message_blocks(reply)
    assert [e["value"] for e in block["elements"]] == ["sb1:x"]


def test_only_plain_https_links_are_linked() -> None:
    assert render.source_link("https://acme.slack.com/archives/C1/p1?a=1&b=2", "Original") == (
        "<https://acme.slack.com/archives/C1/p1?a=1&amp;b=2|Original>"
    )
    for bad in ("http://acme.slack.com/x", "https://a.b/x\n", "https://a.b/<x>", "javascript:x"):
        assert render.source_link(bad, "Original") is None


def test_an_error_reply_is_marked() -> None:
    rendered = render.message_blocks(Reply(blocks=(Text("Nope"),), error=True))
    assert rendered[0]["text"]["text"] == ":warning: Nope"
