"""The core's neutral Reply as a Discord message: content, embeds, button rows, files.

Pure functions, no I/O. Every user-visible string is escaped here (markdown and mentions),
and every Discord limit is enforced whatever the data, so a send can never fail on size.
Buttons stay core `Button`s; views.py turns the rows into persistent components.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import discord

from adapters.discord import limits
from adapters.discord.limits import fit
from adapters.text import units
from bot.i18n import Translator
from bot.replies import (
    Actions,
    Attachment,
    Button,
    Fields,
    Pager,
    Reply,
    StoryCard,
    Text,
)

COLOUR = discord.Colour(0x2E8B57)  # the green of a good story
BLANK = "\u200b"  # Discord refuses empty field names and values
_WEB_URL = re.compile(r"https?://[^\s<>\"]+")
_SHORT_VALUE = 24  # fields whose values are all this short sit side by side


# What discord.utils.escape_mentions leaves alone: channel, slash-command and navigation
# mentions, and user or role mentions with ids shorter than a snowflake. They ping nobody
# (no allowed mentions), but would still render as live links or "@unknown-user".
_MENTION_SYNTAX = re.compile(r"<(?=@[!&]?\d+>|#\d+>|/[^<>]+:\d+>|id:\w+>)")


@functools.lru_cache(maxsize=4096)
def plain(text: str) -> str:
    """User or core text shown as typed: no markdown, and no mention that renders as one.
    Cached: a card's labels, tags and dates repeat, and discord.py's escapes are regex
    substitutions it looks up by pattern on every call (a third of rendering a card)."""
    escaped = discord.utils.escape_mentions(discord.utils.escape_markdown(text))
    return _MENTION_SYNTAX.sub("<" + BLANK, escaped)


@dataclass
class EmbedSpec:
    """An embed before it becomes a discord.Embed, so the whole message can be fitted."""

    title: str = ""
    description: str = ""
    fields: list[tuple[str, str, bool]] = field(default_factory=list)
    footer: str = ""
    url: str | None = None

    def size(self) -> int:
        """As Discord counts it, after to_embed() has filled blank names and values."""
        description = self.description
        if not (description.strip() or self.fields or self.title.strip()):
            description = BLANK
        parts = [self.title, description, self.footer]
        parts += [_filled(text) for name, value, _ in self.fields for text in (name, value)]
        return sum(units(p) for p in parts)

    def to_embed(self) -> discord.Embed:
        embed = discord.Embed(colour=COLOUR)
        if self.title.strip():
            embed.title = self.title
            if self.url:
                embed.url = self.url
        # Discord refuses blank names and values, and an embed with nothing in it; a
        # zero-width space is the least visible way to fill them.
        if self.description.strip():
            embed.description = self.description
        elif not (self.fields or embed.title):
            embed.description = BLANK
        for name, value, inline in self.fields:
            embed.add_field(name=_filled(name), value=_filled(value), inline=inline)
        if self.footer.strip():
            embed.set_footer(text=self.footer)
        return embed


def _filled(text: str) -> str:
    return text if text.strip() else BLANK


@dataclass
class Rendered:
    content: str | None
    embeds: list[discord.Embed]
    rows: list[list[Button]]
    files: list[Attachment]


def render(reply: Reply, t: Translator) -> Rendered:
    lines: list[str] = []
    specs: list[EmbedSpec] = []
    pending: list[Text] = []  # text that follows an embed belongs below it, not in content
    cards: list[StoryCard] = []
    actions: list[tuple[Button, ...]] = []
    pager: Pager | None = None
    files: list[Attachment] = []

    def flush_pending(title_for_fields: bool = False) -> str:
        """Turn waiting text into an embed; a last heading may instead title the next fields."""
        title = ""
        if title_for_fields and pending and pending[-1].heading:
            title = pending.pop().text
        if pending:
            specs.append(_text_embed(pending))
            pending.clear()
        return title

    for block in reply.blocks:
        match block:
            case Text():
                if specs:
                    pending.append(block)
                else:
                    lines.append(_content_line(block))
            case Fields(items=items):
                specs.extend(_fields_embeds(items, flush_pending(title_for_fields=True)))
            case StoryCard():
                flush_pending()
                specs.append(_card_embed(block, t))
                cards.append(block)
            case Actions(buttons=buttons):
                actions.append(buttons)
            case Pager():
                pager = block
            case Attachment():
                files.append(block)
    flush_pending()
    if pager is not None:
        lines.append(plain(pager.label))
    shown = "\n".join(lines)
    lines.extend(plain(m) for m in reply.field_errors.values() if plain(m) not in shown)
    if len(specs) > limits.EMBEDS:
        specs = specs[: limits.EMBEDS]
        lines.append(plain(t("Some items were left out to fit on one message.")))
    _shrink_to_total(specs)
    _url_once(specs)
    content = fit("\n".join(lines), limits.CONTENT).strip() or None
    return Rendered(
        content=content,
        embeds=[spec.to_embed() for spec in specs],
        rows=button_rows(cards, actions, pager),
        files=files,
    )


def _content_line(block: Text) -> str:
    return f"**{plain(block.text)}**" if block.heading and block.text.strip() else plain(block.text)


def _text_embed(texts: list[Text]) -> EmbedSpec:
    title = ""
    if texts[0].heading:
        title = fit(plain(texts[0].text), limits.TITLE)
        texts = texts[1:]
    body = "\n".join(_content_line(text) for text in texts)
    return EmbedSpec(title=title, description=fit(body, limits.DESCRIPTION))


def _fields_embeds(items: tuple[tuple[str, str], ...], title: str) -> list[EmbedSpec]:
    inline = all(units(value) <= _SHORT_VALUE for _, value in items)
    specs = []
    for start in range(0, max(len(items), 1), limits.FIELDS):
        chunk = items[start : start + limits.FIELDS]
        spec = EmbedSpec(title=fit(plain(title), limits.TITLE) if not specs else "")
        spec.fields = [
            (fit(plain(name), limits.FIELD_NAME), fit(plain(value), limits.FIELD_VALUE), inline)
            for name, value in chunk
        ]
        specs.append(spec)
    return specs


def _card_embed(card: StoryCard, t: Translator) -> EmbedSpec:
    spec = EmbedSpec(
        title=fit(f"#{card.number} {plain(card.title)}", limits.TITLE),
        description=fit(plain(card.body), limits.DESCRIPTION),
        footer=fit(card.footer, limits.FOOTER),  # footers show no markdown: nothing to escape
        url=_web_url(card.source_url),
    )
    spec.fields = [
        (fit(plain(label), limits.FIELD_NAME), fit(plain(value), limits.FIELD_VALUE), True)
        for label, value in card.meta[: limits.FIELDS - 1]
    ]
    if card.credited:
        spec.fields.append(
            (fit(plain(card.credited_label), limits.FIELD_NAME), _mentions(card.credited), True)
        )
    return spec


def _mentions(user_ids: Iterable[str]) -> str:
    """Discord ids render as mentions (never pinging: no allowed mention is ever sent); other
    platforms' ids are shown as text. Whole mentions only, so none is cut in half."""
    shown = ""
    for user_id in user_ids:
        part = f"<@{user_id}>" if user_id.isascii() and user_id.isdigit() else plain(user_id)
        candidate = f"{shown} {part}".strip()
        if units(candidate) > limits.FIELD_VALUE - units(" " + limits.ELLIPSIS):
            return f"{shown} {limits.ELLIPSIS}".strip()
        shown = candidate
    return shown


def _web_url(url: str | None) -> str | None:
    if url and units(url) <= limits.URL and _WEB_URL.fullmatch(url):
        return url
    return None


def _shrink_to_total(specs: list[EmbedSpec]) -> None:
    """Cut the longest texts first until the embeds fit Discord's per-message total."""
    while specs and (excess := sum(s.size() for s in specs) - limits.EMBEDS_TOTAL) > 0:
        longest = max(specs, key=lambda s: units(s.description))
        if units(longest.description) > 1:
            longest.description = fit(
                longest.description, max(1, units(longest.description) - excess)
            )
            continue
        with_fields = [s for s in specs if s.fields]
        if with_fields:
            max(with_fields, key=lambda s: len(s.fields)).fields.pop()
            continue
        specs.pop()


def _url_once(specs: list[EmbedSpec]) -> None:
    """Discord shows only the first of several embeds with the same URL (it merges them),
    so a URL is set on its first embed only."""
    seen: set[str] = set()
    for spec in specs:
        if spec.url is not None:
            if spec.url in seen:
                spec.url = None
            else:
                seen.add(spec.url)


def button_rows(
    cards: list[StoryCard], actions: list[tuple[Button, ...]], pager: Pager | None
) -> list[list[Button]]:
    """Components sit below every embed, so with several cards a bare "Appreciate" would be
    ambiguous: card buttons then name their story. One row per card when that fits in
    Discord's five rows, otherwise packed five to a row; the pager always keeps the last row."""
    many = sum(1 for card in cards if card.buttons) > 1
    groups = [[_named(b, card.number) if many else b for b in card.buttons] for card in cards]
    groups += [list(buttons) for buttons in actions]
    pager_row = [b for b in (pager.previous, pager.next) if b] if pager else []

    seen: set[str] = set()
    groups = [[_fitted(b) for b in group if _usable(b, seen)] for group in groups]
    pager_row = [_fitted(b) for b in pager_row if _usable(b, seen)]
    groups = [group for group in groups if group]

    room = limits.ROWS - (1 if pager_row else 0)
    rows = [chunk for group in groups for chunk in _chunks(group)]
    if len(rows) > room:
        rows = list(_chunks([b for group in groups for b in group]))[:room]
    return rows + ([pager_row] if pager_row else [])


def _named(button: Button, number: int) -> Button:
    if f"#{number}" in button.label:
        return button
    return Button(f"{button.label} #{number}", button.action, button.style)


def _usable(button: Button, seen: set[str]) -> bool:
    """Discord refuses a custom_id over 100 characters, or the same one twice in a message."""
    if not button.action or units(button.action) > limits.CUSTOM_ID or button.action in seen:
        return False
    seen.add(button.action)
    return True


def _fitted(button: Button) -> Button:
    label = fit(button.label.strip(), limits.BUTTON_LABEL) or limits.ELLIPSIS
    return Button(label, button.action, button.style)


def _chunks(buttons: list[Button]) -> Iterable[list[Button]]:
    for start in range(0, len(buttons), limits.BUTTONS_PER_ROW):
        yield buttons[start : start + limits.BUTTONS_PER_ROW]
