"""Turn what a user typed into a story that may be stored, or say exactly what to fix.

Everything here runs before the database is touched, so a refusal never leaves half a story.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot import commands as c
from bot import privacy, tags
from bot.commands import StoryInput
from bot.domain import (
    CREDITED_MAX,
    CUSTOMER_MAX,
    TAGS_MAX,
    TEXT_MAX,
    TEXT_MIN,
    TITLE_MAX,
    CommunitySettings,
    derive_title,
)
from bot.errors import ValidationError
from bot.i18n_marker import N_

# Control characters other than tab and newline break rendering (and PostgreSQL refuses NUL);
# a lone surrogate (JSON can carry "\ud800") is no text at all and no database can store it.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class CleanStory:
    text: str
    title: str
    customer: str | None
    credited: tuple[str, ...]
    tags: tuple[str, ...]
    anonymous: bool
    consent: bool
    on_wall: bool
    emails_masked: int
    phones_masked: int
    suggested_tags: bool


def clean_text(raw: str | None) -> str:
    return _CONTROL.sub("", (raw or "").replace("\r\n", "\n").replace("\r", "\n")).strip()


def clean_story(
    given: StoryInput, settings: CommunitySettings, *, suggest: bool = True
) -> CleanStory:
    text = privacy.mask(clean_text(given.text))
    title = privacy.mask(clean_text(given.title))
    customer = privacy.mask(clean_text(given.customer))

    if len(text.text) < TEXT_MIN:
        raise ValidationError(
            N_("The story is too short: write at least {min} characters."),
            field="text",
            min=TEXT_MIN,
        )
    if len(text.text) > TEXT_MAX:
        raise ValidationError(
            N_("The story is too long: {length} characters, at most {max}."),
            field="text",
            length=len(text.text),
            max=TEXT_MAX,
        )
    if len(title.text) > TITLE_MAX:
        raise ValidationError(
            N_("The title is too long: at most {max} characters."), field="title", max=TITLE_MAX
        )
    if len(customer.text) > CUSTOMER_MAX:
        raise ValidationError(
            N_("The customer or context is too long: at most {max} characters."),
            field="customer",
            max=CUSTOMER_MAX,
        )

    slugs = resolve_tags(given.tags, settings)
    suggested = False
    if not slugs and suggest:
        slugs = tuple(tags.suggest(text.text))
        suggested = bool(slugs)

    # "@bo" is how people type a mention; the "@" is not part of who is credited.
    typed = (c.strip().lstrip("@").strip() for c in given.credited)
    credited = tuple(dict.fromkeys(c for c in typed if c))
    if len(credited) > CREDITED_MAX:
        raise ValidationError(
            N_("Credit at most {max} colleagues."), field="credited", max=CREDITED_MAX
        )

    return CleanStory(
        text=text.text,
        title=title.text or derive_title(text.text),
        customer=customer.text or None,
        credited=credited,
        tags=slugs,
        anonymous=given.anonymous,
        consent=given.consent,
        on_wall=given.on_wall,
        emails_masked=text.emails + title.emails + customer.emails,
        phones_masked=text.phones + title.phones + customer.phones,
        suggested_tags=suggested,
    )


def resolve_tags(raw_tags: tuple[str, ...], settings: CommunitySettings) -> tuple[str, ...]:
    slugs = tuple(dict.fromkeys(tags.resolve(raw) for raw in raw_tags if raw.strip()))
    if len(slugs) > TAGS_MAX:
        raise ValidationError(
            N_("Too many tags: {count}, at most {max}."),
            field="tags",
            count=len(slugs),
            max=TAGS_MAX,
        )
    if not settings.free_tags:
        unknown = [slug for slug in slugs if not tags.is_builtin(slug)]
        if unknown:
            raise ValidationError(
                N_("Unknown tag: {tag}. Free tags are turned off here; see /story tags."),
                field="tags",
                tag=unknown[0],
            )
    return slugs


def parse_number(raw: str) -> int:
    """Story numbers as users type them: "12" or "#12"."""
    value = raw.strip().removeprefix("#")
    if not is_story_number(value):
        raise ValidationError(N_("Give a story number, like 12."), field="number")
    return int(value)


def is_story_number(value: str) -> bool:
    """Plain ASCII digits within what storage holds. int() alone would also take "+1",
    "1_0", " 1", other scripts' digits and numbers too large for an SQLite integer."""
    return value.isascii() and value.isdigit() and len(value) <= 9 and int(value) > 0


def checked(command: c.Command) -> c.Command:
    """A command an adapter built from typed options, its story number checked as a typed
    one is: Discord, for one, does not enforce an option's min_value on the client."""
    number = getattr(command, "number", None)
    if isinstance(number, int) and not is_story_number(str(number)):
        raise ValidationError(N_("Give a story number, like 12."), field="number")
    return command
