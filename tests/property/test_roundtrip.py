"""What the core accepts is stored exactly as accepted, on the in-memory fakes.

"As accepted" is precisely: mention markup read as words in the author's language
(bot.mentions.in_words: no markup reaches a story), line endings made "\\n", control
characters other than tab and newline removed, surrounding whitespace stripped
(bot.validation.clean_text), then e-mail addresses and phone numbers replaced by
placeholders (bot.privacy.mask). Nothing else: no escaping, no truncation, no Unicode
normalisation of form fields. (A one-line `/story submit` is NFC-normalised first, because
its #tags are found in NFC text.)
"""

from __future__ import annotations

import asyncio
import itertools

from hypothesis import example, given
from hypothesis import strategies as st

from bot import mentions, privacy, tags
from bot.domain import CUSTOMER_MAX, TEXT_MAX, TEXT_MIN, TITLE_MAX, Language
from bot.i18n import Translator
from bot.validation import clean_text
from tests.conftest import Bot, actor
from tests.property.strategies import hostile_settings, hostile_text, short_hostile

_users = itertools.count()
ENGLISH = Translator(Language.EN)  # the actor's language


def accepted(raw: str | None) -> str:
    return privacy.mask(clean_text(mentions.readable(raw or "", ENGLISH))).text


def should_accept(text: str, title: str, customer: str) -> bool:
    return (
        TEXT_MIN <= len(accepted(text)) <= TEXT_MAX
        and len(accepted(title)) <= TITLE_MAX
        and len(accepted(customer)) <= CUSTOMER_MAX
    )


@hostile_settings(150)
@given(hostile_text, short_hostile, short_hostile)
@example("  <!channel> call +46 70 123 45 67\r\nor anna@example.com \x00\x1b ", "", "")
@example("\u202eevil\u202c story text 😀 ' OR 1=1 --", "<@U1>", "[phone]")
@example("a" * 3000, "t" * 100, "c" * 100)
@example("ab\x00cdefghijk", "", "")  # a NUL inside, counted after removal
@example("a@e.om%@o.co and the rest of the story", "", "")  # masking must be idempotent
def test_a_form_submission_is_stored_exactly_as_accepted_and_edits_keep_it(
    text: str, title: str, customer: str
) -> None:
    bot = Bot()
    who = actor(f"U-{next(_users)}")
    values = {"text": text, "title": title, "customer": customer}

    async def run() -> None:
        reply = await bot.core.handle_form("sb1:submit-form", values, who, "form-1")
        story = bot.db.story(1, 1)
        if not should_accept(text, title, customer):
            assert reply.error and story is None
            return
        assert not reply.error, reply.plain_text
        assert story is not None
        assert story.text == accepted(text)
        assert story.title == (accepted(title) or story.title)
        assert story.customer == (accepted(customer) or None)
        # Reading it back shows the same text, and saving the edit form unchanged keeps it.
        shown = await bot.core.handle_text("show 1", who, "k2")
        assert any(getattr(b, "body", None) == story.text for b in shown.blocks)
        again = {"text": story.text, "title": story.title, "customer": story.customer or ""}
        edited = await bot.core.handle_form("sb1:edit-form:1", again, who, "form-2")
        assert not edited.error, edited.plain_text
        after = bot.db.story(1, 1)
        assert after is not None
        assert (after.text, after.title, after.customer) == (
            story.text,
            story.title,
            story.customer,
        )

    asyncio.run(run())


@hostile_settings(150)
@given(hostile_text)
@example("the courier called ahead #speed <@U1> #Tillgänglighet ＃fullwidth #12 C#")
@example("cafe\u0301 delivered early, said: call me on 070-123 45 67 #snabbhet")
def test_a_one_line_submission_stores_its_text_without_the_tags(text: str) -> None:
    bot = Bot()
    who = actor(f"U-{next(_users)}")

    async def run() -> None:
        reply = await bot.core.handle_text(f"submit {text}", who, "line-1")
        story = bot.db.story(1, 1)
        body, raw_tags = tags.parse_hashtags(text.strip())
        if story is None:
            assert reply.error or (reply.form is not None and not body), reply.plain_text
            return
        # Mentions are read as words (bot/mentions.py), then the text is kept as validated.
        assert story.text == accepted(mentions.readable(body))
        for raw in raw_tags:
            assert tags.resolve(raw) in story.tags

    asyncio.run(run())


@hostile_settings(300)
@given(hostile_text | st.text(alphabet=st.sampled_from("a@e.o%_-+0123456789 ()[]"), max_size=80))
@example("a@e.om%@o.co")
def test_masking_what_was_masked_changes_nothing(text: str) -> None:
    once = privacy.mask(text)
    assert privacy.mask(once.text).text == once.text
    assert privacy.mask(once.text).changed is False
