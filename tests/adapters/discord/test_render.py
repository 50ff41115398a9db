"""Reply -> Discord message: Discord's limits hold whatever the data, and nothing user-typed
renders as markup or a mention."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.discord import limits
from adapters.discord.limits import fit
from adapters.discord.messages import build_view
from adapters.discord.render import Rendered, render
from adapters.text import units
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

T = Translator(Language.EN)

any_text = st.text(max_size=300) | st.text(min_size=2000, max_size=5000)
short_text = st.text(max_size=120)
actions = st.builds(
    lambda n, s: f"sb1:{s}:{n}", st.integers(1, 10**9), st.sampled_from(["show", "appreciate"])
) | st.text(max_size=120)
buttons = st.builds(Button, short_text, actions, st.sampled_from(list(Style)))
cards = st.builds(
    StoryCard,
    number=st.integers(1, 10**9),
    title=any_text,
    body=any_text,
    meta=st.lists(st.tuples(short_text, any_text), max_size=30).map(tuple),
    footer=any_text,
    buttons=st.lists(buttons, max_size=7).map(tuple),
    source_url=st.none() | st.just("https://discord.com/channels/1/2/3") | short_text,
    credited=st.lists(st.from_regex(r"[0-9]{17,19}", fullmatch=True) | short_text, max_size=12).map(
        tuple
    ),
)
blocks = st.one_of(
    st.builds(Text, any_text, st.booleans()),
    st.builds(Fields, st.lists(st.tuples(short_text, any_text), max_size=60).map(tuple)),
    cards,
    st.builds(Actions, st.lists(buttons, max_size=8).map(tuple)),
    st.builds(Pager, short_text, st.none() | buttons, st.none() | buttons),
    st.builds(
        Attachment, st.just("export.json"), st.binary(max_size=10), st.just("application/json")
    ),
)
replies = st.builds(
    Reply,
    blocks=st.lists(blocks, max_size=16).map(tuple),
    error=st.booleans(),
    field_errors=st.dictionaries(st.sampled_from(["text", "tags"]), short_text, max_size=2),
)


def check_limits(rendered: Rendered) -> None:
    if rendered.content is not None:
        assert 0 < units(rendered.content) <= limits.CONTENT
        assert rendered.content.strip()
    assert len(rendered.embeds) <= limits.EMBEDS
    total = 0
    for embed in rendered.embeds:
        data: dict[str, Any] = embed.to_dict()  # type: ignore[assignment]
        assert data.get("title") or data.get("description") or data.get("fields")
        assert units(data.get("title", "")) <= limits.TITLE
        assert units(data.get("description") or "") <= limits.DESCRIPTION
        assert units(data.get("footer", {}).get("text", "")) <= limits.FOOTER
        assert len(data.get("fields", [])) <= limits.FIELDS
        for f in data.get("fields", []):
            assert 0 < units(f["name"]) <= limits.FIELD_NAME and f["name"].strip()
            assert 0 < units(f["value"]) <= limits.FIELD_VALUE and f["value"].strip()
        total += sum(
            units(part)
            for part in (
                data.get("title", ""),
                data.get("description") or "",
                data.get("footer", {}).get("text", ""),
                *(f["name"] for f in data.get("fields", [])),
                *(f["value"] for f in data.get("fields", [])),
            )
        )
    assert total <= limits.EMBEDS_TOTAL
    urls = [e.url for e in rendered.embeds if e.url]
    assert len(urls) == len(set(urls))  # Discord merges embeds with the same URL
    assert len(rendered.rows) <= limits.ROWS
    ids = [b.action for row in rendered.rows for b in row]
    assert len(ids) == len(set(ids))
    for row in rendered.rows:
        assert 0 < len(row) <= limits.BUTTONS_PER_ROW
        for b in row:
            assert 0 < units(b.label) <= limits.BUTTON_LABEL and b.label.strip()
            assert units(b.action) <= limits.CUSTOM_ID


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(replies)
def test_any_reply_fits_discords_limits(reply: Reply) -> None:
    rendered = render(reply, T)
    check_limits(rendered)
    view = build_view(rendered.rows)  # discord.py refuses more than 25 items or full rows
    if view is not None:
        for row in view.to_components():
            assert len(row["components"]) <= limits.BUTTONS_PER_ROW


@given(st.text(max_size=300), st.integers(0, 300))
def test_fit_never_exceeds_and_marks_the_cut(text: str, limit: int) -> None:
    cut = fit(text, limit)
    assert units(cut) <= limit
    if cut != text and limit > 0:
        assert cut.endswith(limits.ELLIPSIS)


def test_a_surrogate_pair_is_never_split() -> None:
    assert fit("ab😀cd", 4) == "ab…"
    assert units("😀") == 2


def test_user_text_shows_no_markdown_and_no_mentions() -> None:
    card = StoryCard(
        number=3,
        title="**Big** _win_",
        body="@everyone @here <@123456789012345678> <@&876543210987654321> ~~gone~~ `code`",
        meta=(("Told by", "*Anna*"),),
        footer="#3",
    )
    [embed] = render(Reply(blocks=(card,)), T).embeds
    assert embed.title == "#3 \\*\\*Big\\*\\* \\_win\\_"
    assert embed.description == (
        "@\u200beveryone @\u200bhere <@\u200b123456789012345678> <@\u200b&876543210987654321> "
        "\\~\\~gone\\~\\~ \\`code\\`"
    )
    assert embed.fields[0].value == "\\*Anna\\*"


def test_credited_colleagues_are_mentions_and_other_ids_plain_text() -> None:
    card = StoryCard(1, "t", "b", (), "#1", credited=("123456789012345678", "U_SLACK"))
    [embed] = render(Reply(blocks=(card,)), T).embeds
    assert embed.fields[-1].name == "Credited"
    assert embed.fields[-1].value == "<@123456789012345678> U\\_SLACK"


def test_a_list_of_cards_names_each_button_and_keeps_the_pager_last() -> None:
    listed = tuple(
        StoryCard(
            n,
            f"Story {n}",
            "text",
            (),
            f"#{n}",
            buttons=(
                Button(f"Read #{n}", f"sb1:show:{n}"),
                Button("Appreciate", f"sb1:appreciate:{n}"),
            ),
        )
        for n in range(10, 5, -1)
    )
    pager = Pager(
        "Page 2", Button("‹ Previous", "sb1:browse::p"), Button("Next ›", "sb1:browse::n")
    )
    rendered = render(Reply(blocks=(Text("All stories", heading=True), *listed, pager)), T)

    assert rendered.content == "**All stories**\nPage 2"
    assert len(rendered.embeds) == 5
    labels = [[b.label for b in row] for row in rendered.rows]
    assert labels[0] == ["Read #10", "Appreciate #10", "Read #9", "Appreciate #9", "Read #8"]
    assert labels[-1] == ["‹ Previous", "Next ›"]
    assert len(rendered.rows) <= limits.ROWS


def test_a_heading_before_fields_titles_their_embed() -> None:
    reply = Reply(
        blocks=(
            Text("Story of the week", heading=True),
            StoryCard(1, "t", "b", (), "#1"),
            Text("Earlier weeks", heading=True),
            Fields((("2026-W47", "#4"),)),
            Text("Browse one with /story browse <tag>."),
        )
    )
    rendered = render(reply, T)
    assert rendered.content == "**Story of the week**"
    assert [e.title for e in rendered.embeds] == ["#1 t", "Earlier weeks", None]
    assert rendered.embeds[2].description == "Browse one with /story browse <tag>."


def test_a_full_length_story_and_its_neighbours_share_the_6000_characters() -> None:
    long = StoryCard(1, "x" * 300, "y" * 3000, (("Tags", "z" * 1000),) * 3, "f" * 2048)
    rendered = render(Reply(blocks=(long, long)), T)
    check_limits(rendered)
    assert rendered.embeds[0].description.endswith(limits.ELLIPSIS)


def test_field_errors_not_already_shown_are_listed() -> None:
    reply = Reply(
        blocks=(Text("Please fix the form."),),
        error=True,
        field_errors={"text": "The story is too short.", "tags": "Please fix the form."},
    )
    assert render(reply, T).content == "Please fix the form.\nThe story is too short."


def test_a_url_is_set_once_per_message() -> None:
    """Discord merges embeds with the same URL, showing only the first."""
    url = "https://discord.com/channels/1/2/3"
    cards = tuple(StoryCard(n, f"Story {n}", "Body", (), "", source_url=url) for n in (1, 2, 3))
    embeds = [e.to_dict() for e in render(Reply(blocks=cards), T).embeds]
    assert len(embeds) == 3
    assert [e.get("url") for e in embeds] == [url, None, None]
