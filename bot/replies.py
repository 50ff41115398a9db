"""The neutral reply model every adapter renders natively.

All strings here are plain text, already translated. They carry no markup of any platform:
renderers escape every string and add their own formatting from the structure, so user text
can never smuggle in a mention or a link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain import Language


class Style(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: str  # opaque: an encoded core action, re-checked on every click
    style: Style = Style.DEFAULT


@dataclass(frozen=True, slots=True)
class Text:
    text: str
    heading: bool = False


@dataclass(frozen=True, slots=True)
class Fields:
    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class StoryCard:
    number: int
    title: str
    body: str  # full text, or an excerpt in lists
    meta: tuple[tuple[str, str], ...]  # label, value: tags, author, date, appreciations …
    footer: str
    buttons: tuple[Button, ...] = ()
    source_url: str | None = None
    credited: tuple[str, ...] = ()  # platform user ids; renderers show them without pinging
    credited_label: str = "Credited"  # the heading for `credited`, in the reader's language
    source_label: str = "Original message"  # the link text for `source_url`


@dataclass(frozen=True, slots=True)
class Actions:
    buttons: tuple[Button, ...]


@dataclass(frozen=True, slots=True)
class Pager:
    label: str  # e.g. "Page 2"
    previous: Button | None
    next: Button | None


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str


Block = Text | Fields | StoryCard | Actions | Pager | Attachment


class FieldKind(StrEnum):
    SHORT = "short"
    LONG = "long"
    TAGS = "tags"  # choose from options and/or type free tags
    USERS = "users"  # platform user picker
    CHECKBOX = "checkbox"


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class FormField:
    id: str
    label: str
    kind: FieldKind
    required: bool = False
    min_length: int = 0
    max_length: int = 0
    initial: str | tuple[str, ...] | bool | None = None
    placeholder: str = ""
    options: tuple[Option, ...] = ()


@dataclass(frozen=True, slots=True)
class Form:
    """A modal: the adapter renders it and sends the values back with `action`."""

    action: str
    title: str
    submit_label: str
    fields: tuple[FormField, ...]


@dataclass(frozen=True, slots=True)
class Reply:
    blocks: tuple[Block, ...] = ()
    ephemeral: bool = True
    form: Form | None = None
    error: bool = False
    # Posted to the channel in addition to the (ephemeral) answer, e.g. a shared story.
    broadcast: Reply | None = None
    field_errors: dict[str, str] = field(default_factory=dict)
    # The reader's language, set by the core on every reply: adapters translate their own
    # words (a "loading…" line, a button they add) with it instead of working it out again.
    language: Language = Language.EN

    @property
    def plain_text(self) -> str:
        """Every visible string, for logs-free tests and the console."""
        parts: list[str] = []
        for block in self.blocks:
            match block:
                case Text(text=text):
                    parts.append(text)
                case Fields(items=items):
                    parts.extend(f"{k}: {v}" for k, v in items)
                case StoryCard():
                    parts.append(f"#{block.number} {block.title}")
                    parts.append(block.body)
                    parts.extend(f"{k}: {v}" for k, v in block.meta)
                    parts.append(block.footer)
                case Pager(label=label):
                    parts.append(label)
                case Attachment(filename=name):
                    parts.append(name)
                case Actions():
                    pass
        parts.extend(self.field_errors.values())
        return "\n".join(p for p in parts if p)


def text(message: str, *, ephemeral: bool = True) -> Reply:
    return Reply(blocks=(Text(message),), ephemeral=ephemeral)


def error(message: str, field_errors: dict[str, str] | None = None) -> Reply:
    return Reply(blocks=(Text(message),), error=True, field_errors=field_errors or {})
