"""Replies as plain terminal text. Buttons become numbers the user can type."""

from __future__ import annotations

import textwrap

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

WIDTH = 78


def render(reply: Reply, buttons: list[Button]) -> str:
    """Text of a reply; its buttons are appended to `buttons` and shown as [n]."""
    lines: list[str] = []
    if reply.error:
        lines.append("⚠ " + "\n  ".join(b.text for b in reply.blocks if isinstance(b, Text)))
        return "\n".join(lines)
    for block in reply.blocks:
        match block:
            case Text(text=text, heading=True):
                lines.extend(["", text, "-" * min(len(text), WIDTH)])
            case Text(text=text):
                lines.extend(textwrap.wrap(text, WIDTH) or [""])
            case Fields(items=items):
                width = max(len(k) for k, _ in items)
                lines.extend(f"  {k.ljust(width)}  {v}" for k, v in items)
            case StoryCard():
                lines.extend(_card(block, buttons))
            case Actions(buttons=row):
                lines.append(_buttons(row, buttons))
            case Pager(label=label, previous=previous, next=next_):
                row = tuple(b for b in (previous, next_) if b)
                lines.append(f"{label}  {_buttons(row, buttons)}".rstrip())
            case Attachment(filename=name):
                lines.append(f"[file] {name}")
    return "\n".join(lines)


def _card(card: StoryCard, buttons: list[Button]) -> list[str]:
    lines = ["", f"#{card.number}  {card.title}"]
    for paragraph in card.body.split("\n"):
        lines.extend(
            textwrap.wrap(paragraph, WIDTH, initial_indent="  ", subsequent_indent="  ") or [""]
        )
    lines.extend(f"  {label}: {value}" for label, value in card.meta)
    if card.credited:
        lines.append("  + " + ", ".join(f"@{user}" for user in card.credited))
    if card.source_url:
        lines.append(f"  {card.source_url}")
    lines.append(f"  {card.footer}")
    if card.buttons:
        lines.append("  " + _buttons(card.buttons, buttons))
    return lines


def _buttons(row: tuple[Button, ...], buttons: list[Button]) -> str:
    labels = []
    for button in row:
        buttons.append(button)
        labels.append(f"[{len(buttons)}] {button.label}")
    return "  ".join(labels)
