"""The core's Form as a Discord modal, and a submitted modal back as form values.

A modal holds at most five components. Text, title, customer and tags become text inputs;
the form's checkboxes (anonymous, consent) share one checkbox group; a user picker does
not fit, so its values travel outside the modal (see ModalRef.carry).

Submissions are handled without any state kept from opening the modal: everything needed
is in the modal's custom_id, so a submission still works after a restart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import discord

from adapters.discord import limits
from adapters.discord.limits import fit
from adapters.text import units
from bot.i18n import Translator
from bot.replies import FieldKind, Form, FormField

PREFIX = "sbf"
FLAGS = "flags"  # custom_id of the checkbox group; its values are the ids of ticked fields
MAX_COMPONENTS = 5
OPEN_SECONDS = 15 * 60  # how long discord.py keeps the modal object; we never rely on it
_TEXT_KINDS = (FieldKind.LONG, FieldKind.SHORT, FieldKind.TAGS)


@dataclass(frozen=True, slots=True)
class ModalRef:
    """What a modal's custom_id carries: the core form action, the message a story is saved
    from ("channel/message"), and the key of carried values (e.g. credited colleagues)."""

    action: str
    source: str = ""
    carry: str = ""

    def encode(self) -> str:
        custom_id = "|".join((PREFIX, self.action, self.source, self.carry))
        if units(custom_id) > limits.CUSTOM_ID:
            raise ValueError(f"modal custom_id too long: {custom_id!r}")
        return custom_id

    @classmethod
    def decode(cls, custom_id: str) -> ModalRef | None:
        parts = custom_id.split("|")
        if len(parts) != 4 or parts[0] != PREFIX:
            return None
        return cls(parts[1], parts[2], parts[3])

    def source_url(self, guild_id: int | None) -> str | None:
        """The message link, as discord.Message.jump_url builds it."""
        channel, _, message = self.source.partition("/")
        if not (guild_id and channel.isdigit() and message.isdigit()):
            return None
        return f"https://discord.com/channels/{guild_id}/{channel}/{message}"


def carried(form: Form) -> dict[str, Any]:
    """Initial values of the fields a modal cannot show, so an edit does not drop them."""
    return {f.id: f.initial for f in form.fields if f.kind is FieldKind.USERS and f.initial}


def build_modal(
    form: Form,
    ref: ModalRef,
    t: Translator,
    values: Mapping[str, Any] | None = None,
    complete: bool = False,
) -> discord.ui.Modal:
    """`values` (what the user typed before) take the place of the form's initial values."""
    modal = discord.ui.Modal(
        title=fit(form.title.strip(), limits.MODAL_TITLE) or "Storybot",
        custom_id=ref.encode(),
        timeout=OPEN_SECONDS,
    )
    checkboxes = [f for f in form.fields if f.kind is FieldKind.CHECKBOX][: limits.CHOICES]
    room = MAX_COMPONENTS - (1 if checkboxes else 0)
    texts = [f for f in form.fields if f.kind in _TEXT_KINDS][:room]

    def initial(f: FormField) -> Any:
        if values is not None and f.id in values:
            return values[f.id]
        if complete and f.kind is FieldKind.CHECKBOX:
            return False
        return f.initial

    for f in texts:
        modal.add_item(_labelled(f.label, _text_input(f, initial(f))))
    if checkboxes:
        group = discord.ui.CheckboxGroup(
            custom_id=FLAGS,
            required=False,
            min_values=0,
            max_values=len(checkboxes),
            options=[
                discord.CheckboxGroupOption(
                    label=fit(f.label, limits.OPTION_LABEL) or f.id,
                    value=f.id,
                    default=bool(initial(f)),
                )
                for f in checkboxes
            ],
        )
        modal.add_item(_labelled(t("Privacy and consent"), group))
    return modal


def _labelled(text: str, component: discord.ui.Item[Any]) -> discord.ui.Label[Any]:
    short = fit(text.strip(), limits.MODAL_LABEL) or "…"
    # A label cut short is shown whole as the description below it.
    description = fit(text, limits.MODAL_DESCRIPTION) if short != text.strip() else None
    return discord.ui.Label(text=short, component=component, description=description)


def _text_input(f: FormField, value: Any) -> discord.ui.TextInput[Any]:
    longest = min(f.max_length or limits.TEXT_INPUT, limits.TEXT_INPUT)
    if isinstance(value, (tuple, list)):
        value = ", ".join(str(v) for v in value)
    default = fit(value, longest) if isinstance(value, str) and value else None
    return discord.ui.TextInput(
        style=discord.TextStyle.paragraph if f.kind is FieldKind.LONG else discord.TextStyle.short,
        custom_id=f.id,
        placeholder=fit(f.placeholder, limits.PLACEHOLDER) or None,
        default=default,
        required=f.required,
        min_length=min(f.min_length, longest) or None,
        max_length=longest,
    )


def submitted_values(components: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Form values from a modal submission: text inputs by id, and each ticked checkbox
    as True. Labels and action rows are walked whatever their nesting."""
    found: dict[str, Any] = {}
    for component in components:
        if not isinstance(component, Mapping):
            continue  # the payload is Discord's, but a parser takes nothing on trust
        custom_id = component.get("custom_id")
        if custom_id == FLAGS and isinstance(component.get("values"), list):
            found.update(dict.fromkeys([str(v) for v in component["values"]], True))
        elif isinstance(custom_id, str) and isinstance(component.get("value"), str):
            found[custom_id] = component["value"]
        if isinstance(component.get("component"), Mapping):
            found.update(submitted_values([component["component"]]))
        if isinstance(component.get("components"), list):
            found.update(submitted_values(component["components"]))
    return found
