"""Neutral replies as Block Kit. Pure functions: no I/O, no Slack library.

Every string from a Reply is plain text, so it is escaped here (&, <, > become entities,
which is what stops "<!channel>" or "<@U123>" in a story from pinging anyone); formatting
comes only from the structure. Every Block Kit limit is enforced whatever the data: texts
are cut with "…" (never inside an entity), lengths counted in UTF-16 units as Slack's
clients count them, blocks capped per surface.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from adapters.text import ELLIPSIS, prefix, shorten, units
from bot.domain import Language
from bot.i18n import Translator
from bot.replies import (
    Actions,
    Attachment,
    Block,
    Button,
    Fields,
    Pager,
    Reply,
    StoryCard,
    Style,
    Text,
)

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100  # modals and the Home tab
TEXT_MAX = 3000  # section and context text
FIELD_MAX = 2000
FIELDS_PER_SECTION = 10
HEADER_MAX = 150
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
BUTTONS_PER_BLOCK = 25
CONTEXT_ELEMENTS = 10
MODAL_TITLE_MAX = 24
LABEL_MAX = 300  # our own cap for a bold label in front of a value
FORMATTED_FIELD_MAX = FIELD_MAX - LABEL_MAX - 3  # room left beside "*label*\n"

BUTTON_ACTION_ID = "sb:{}"  # a fixed prefix and an index; the opaque action rides in `value`
BUTTON_ACTION_PATTERN = re.compile(r"^sb:\d+$")

EMPTY = "–"  # Slack refuses empty text objects
APP_NAME = "Storybot"
DIVIDER = {"type": "divider"}

SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_LINKABLE_URL = re.compile(r"https://[^\s<>|]+")

Blocks = list[dict[str, Any]]


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, limit: int) -> str:
    """`text` escaped, at most `limit` units long; cut with "…" when it is longer."""
    escaped = escape(text)
    if units(escaped) <= limit:
        return escaped
    cut = prefix(escaped, limit - 1)
    entity = cut.rfind("&")
    if entity != -1 and ";" not in cut[entity:]:
        cut = cut[:entity]  # never leave half an entity such as "&am"
    return cut + ELLIPSIS


def plain(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object. Slack shows plain_text as sent and parses nothing in it, so it
    is not escaped: "Fish & chips" must not read "Fish &amp; chips"."""
    shown = shorten(text, limit) if text.strip() else EMPTY
    return {"type": "plain_text", "text": shown, "emoji": True}


# mrkdwn has no escape for its formatting marks, so inside a bold span they are drawn with
# look-alikes: a "*" in a title would otherwise end the bold early.
_MARKS = str.maketrans({"*": "∗", "_": "ˍ", "~": "∼", "`": "ˋ"})


def bold(text: str, limit: int) -> str:
    """`text` escaped and fitted as one bold span that its own characters cannot break."""
    return "*" + fit(text.translate(_MARKS), limit) + "*"


def mrkdwn(formatted: str) -> dict[str, Any]:
    """A mrkdwn object from text that is already escaped and short enough. `verbatim` stops
    Slack's automatic parsing, which would otherwise link-ify "#channel" names and parse
    some mentions in user text; our own <@U…> and <https://…|…> are still honoured."""
    return {"type": "mrkdwn", "text": formatted if formatted.strip() else EMPTY, "verbatim": True}


def section(formatted: str) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(formatted)}


def context(*formatted: str) -> dict[str, Any]:
    return {"type": "context", "elements": [mrkdwn(f) for f in formatted[:CONTEXT_ELEMENTS]]}


def joined(parts: Iterable[str], budget: int, separator: str = ", ") -> str:
    """Already-escaped parts joined while they fit in `budget` units, then "…"."""
    out = ""
    for part in parts:
        candidate = f"{out}{separator}{part}" if out else part
        if units(candidate) > budget - 1:
            return (out + separator + ELLIPSIS) if out else ELLIPSIS
        out = candidate
    return out


class _Renderer:
    """One reply's rendering: numbers its buttons so that action ids are unique in it."""

    def __init__(self, names: Mapping[str, str], language: Language) -> None:
        self.names = names
        t = Translator(language)
        self.someone = t("a colleague")
        self._ids: Iterator[int] = itertools.count()

    def block(self, block: Block, warn: bool = False) -> Blocks:
        match block:
            case Text(text=text, heading=True):
                return [{"type": "header", "text": plain(text, HEADER_MAX)}]
            case Text(text=text):
                prefix = ":warning: " if warn else ""
                return [section(prefix + fit(text, TEXT_MAX - len(prefix)))]
            case Fields(items=items):
                return field_sections([field(label, value) for label, value in items])
            case StoryCard():
                return self.card(block)
            case Actions(buttons=buttons):
                return self.actions(buttons)
            case Pager(label=label, previous=previous, next=next_):
                row = tuple(b for b in (previous, next_) if b is not None)
                return [context(fit(label, TEXT_MAX)), *self.actions(row)]
            case Attachment(filename=name):
                return [context(":page_facing_up: " + fit(name, TEXT_MAX - 20))]
        return []

    def card(self, card: StoryCard) -> Blocks:
        head = bold(f"#{card.number} {card.title}".strip(), LABEL_MAX)
        body = fit(card.body, TEXT_MAX - units(head) - 1) if card.body.strip() else ""
        blocks = [section(f"{head}\n{body}" if body else head)]
        facts = [field(label, value) for label, value in card.meta]
        credited = self.credited(card.credited)
        if credited:
            facts.append(formatted_field(card.credited_label, credited))
        blocks.extend(field_sections(facts))
        notes = [fit(card.footer, TEXT_MAX)] if card.footer.strip() else []
        link = source_link(card.source_url, card.source_label)
        if link:
            notes.append(link)
        if notes:
            blocks.append(context(*notes))
        blocks.extend(self.actions(card.buttons))
        return blocks

    def credited(self, user_ids: tuple[str, ...]) -> str:
        """Names, in every answer: a mention would read as a raw id on the other platform of
        a linked community, and a credit never disappears when a lookup fails."""
        parts = [escape(self.names.get(u) or self.someone) for u in user_ids]
        return joined(parts, FORMATTED_FIELD_MAX)

    def actions(self, buttons: tuple[Button, ...]) -> Blocks:
        elements = [e for e in (self.button(b) for b in buttons) if e is not None]
        return [
            {"type": "actions", "elements": elements[i : i + BUTTONS_PER_BLOCK]}
            for i in range(0, len(elements), BUTTONS_PER_BLOCK)
        ]

    def button(self, button: Button) -> dict[str, Any] | None:
        if not button.action or units(button.action) > BUTTON_VALUE_MAX:
            return None  # an opaque action cut short would be another action: leave it out
        element: dict[str, Any] = {
            "type": "button",
            "action_id": BUTTON_ACTION_ID.format(next(self._ids)),
            "text": plain(button.label, BUTTON_TEXT_MAX),
            "value": button.action,
        }
        if button.style is not Style.DEFAULT:
            element["style"] = button.style.value
        return element


def field(label: str, value: str) -> str:
    """A bold label over a plain value; at most FIELD_MAX units."""
    head = bold(label, LABEL_MAX)
    body = fit(value, FIELD_MAX - units(head) - 1) if value.strip() else EMPTY
    return f"{head}\n{body}"


def formatted_field(label: str, formatted: str) -> str:
    """A bold label over mrkdwn built within FORMATTED_FIELD_MAX units."""
    return f"{bold(label, LABEL_MAX)}\n{formatted or EMPTY}"


def field_sections(fields: list[str]) -> Blocks:
    return [
        {"type": "section", "fields": [mrkdwn(f) for f in fields[i : i + FIELDS_PER_SECTION]]}
        for i in range(0, len(fields), FIELDS_PER_SECTION)
    ]


def source_link(url: str | None, label: str) -> str | None:
    """A link to where a story came from, only for a plain https address."""
    if not url or not _LINKABLE_URL.fullmatch(url) or units(url) > 1000:
        return None
    return f"<{url.replace('&', '&amp;')}|{fit(label, 200)}>"


def credited_ids(reply: Reply) -> list[str]:
    """The platform user ids whose names the reply's cards show."""
    return [u for b in reply.blocks if isinstance(b, StoryCard) for u in b.credited]


def message_blocks(
    reply: Reply,
    *,
    names: Mapping[str, str] | None = None,
    limit: int = MESSAGE_BLOCKS,
) -> Blocks:
    """The reply as blocks, at most `limit` of them, credited colleagues by the `names`
    given. A Pager is kept even when cards are dropped to make room, so a long page can
    still be left."""
    renderer = _Renderer(names or {}, reply.language)
    groups: list[tuple[bool, Blocks]] = []
    warn = reply.error
    for block in reply.blocks:
        rendered = renderer.block(block, warn=warn and isinstance(block, Text))
        if isinstance(block, StoryCard) and groups:
            rendered = [dict(DIVIDER), *rendered]  # cards in a list read apart
        if warn and isinstance(block, Text) and not block.heading:
            warn = False
        groups.append((isinstance(block, Pager), rendered))
    blocks = _within(groups, limit)
    return blocks or [section(EMPTY)]


def _within(groups: list[tuple[bool, Blocks]], limit: int) -> Blocks:
    pinned = sum(len(blocks) for keep, blocks in groups if keep)
    room = max(limit - pinned, 0)
    out: Blocks = []
    for keep, blocks in groups:
        if keep:
            out.extend(blocks)
            continue
        taken = blocks[:room]
        out.extend(taken)
        room -= len(taken)
    return out[:limit]


def fallback_text(reply: Reply) -> str:
    """The top-level `text`: shown in notifications and read by screen readers."""
    text = reply.plain_text.strip()
    return fit(text, TEXT_MAX) if text else APP_NAME


def home_view(reply: Reply, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    return {"type": "home", "blocks": message_blocks(reply, names=names, limit=VIEW_BLOCKS)}


def info_modal(
    reply: Reply, names: Mapping[str, str] | None = None, title: str = APP_NAME
) -> dict[str, Any]:
    """A reply shown in a modal: for clicks in the Home tab or in another modal."""
    return {
        "type": "modal",
        "title": plain(title, MODAL_TITLE_MAX),
        "blocks": message_blocks(reply, names=names, limit=VIEW_BLOCKS),
    }
