"""The submit and edit forms: how they look, and how their values become a StoryInput."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot import actions, tags
from bot.commands import StoryInput
from bot.domain import CUSTOMER_MAX, TEXT_MAX, TEXT_MIN, TITLE_MAX, Story
from bot.i18n import Translator
from bot.replies import FieldKind, Form, FormField, Option

# Typed tags are separated by commas or hashes; "small gesture" stays one tag.
_SPLIT_TAGS = re.compile(r",|\s+(?=#)")


def story_form(
    t: Translator,
    *,
    story: Story | None = None,
    prefill: str | None = None,
    credited: tuple[str, ...] = (),
) -> Form:
    """The submit form, or the edit form when `story` is given; `prefill` and `credited`
    start a new story from a saved message and the people it mentions."""
    fields = (
        FormField(
            "text",
            t("Your story"),
            FieldKind.LONG,
            required=True,
            min_length=TEXT_MIN,
            max_length=TEXT_MAX,
            initial=story.text if story else prefill,
            placeholder=t("The courier called ahead about the delay and brought a small gift."),
        ),
        FormField(
            "title",
            t("Title (optional)"),
            FieldKind.SHORT,
            max_length=TITLE_MAX,
            initial=story.title if story else None,
        ),
        FormField(
            "customer",
            t("Customer or context (optional)"),
            FieldKind.SHORT,
            max_length=CUSTOMER_MAX,
            initial=story.customer if story else None,
        ),
        FormField(
            "credited",
            t("Colleagues to credit (optional)"),
            FieldKind.USERS,
            initial=tuple(story.credited) if story else (credited or None),
        ),
        FormField(
            "tags",
            t("Tags (optional)"),
            FieldKind.TAGS,
            initial=tuple(story.tags) if story else None,
            placeholder=t("e.g. speed, follow-up"),
            options=tuple(Option(slug, name) for slug, name in tags.options(t.language)),
        ),
        FormField(
            "anonymous",
            t("Hide my name (moderators still see it)"),
            FieldKind.CHECKBOX,
            initial=story.anonymous if story else False,
        ),
        FormField(
            "consent",
            t("The customer agreed to this being shared publicly"),
            FieldKind.CHECKBOX,
            initial=story.consent if story else False,
        ),
        FormField(
            "on_wall",
            t("May appear on the public wall"),
            FieldKind.CHECKBOX,
            initial=story.on_wall if story else False,
        ),
    )
    return Form(
        action=actions.form_action(story.number if story else None),
        title=t("Edit story #{number}", number=story.number) if story else t("Share a story"),
        submit_label=t("Save") if story else t("Submit"),
        fields=fields,
    )


def story_input(values: Mapping[str, Any]) -> StoryInput:
    """Form values as adapters collect them: strings, lists of strings, booleans."""
    return StoryInput(
        text=_string(values.get("text")),
        title=_string(values.get("title")) or None,
        customer=_string(values.get("customer")) or None,
        credited=tuple(_strings(values.get("credited"))),
        tags=tuple(tag for raw in _strings(values.get("tags")) for tag in _split_tags(raw)),
        anonymous=bool(values.get("anonymous")),
        consent=bool(values.get("consent")),
        on_wall=bool(values.get("on_wall")),
    )


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def _split_tags(raw: str) -> list[str]:
    return [part.strip() for part in _SPLIT_TAGS.split(raw) if part.strip().strip("#")]
