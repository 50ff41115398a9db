"""Discord's size limits, and cutting text to fit them (lengths in UTF-16 units, as
adapters/text.py counts them for both adapters). Sources: docs/DISCORD.md.
"""

from __future__ import annotations

from adapters.text import ELLIPSIS, prefix, units

CONTENT = 2000
EMBEDS = 10
EMBEDS_TOTAL = 6000  # title, description, field names and values, footer: across a message
TITLE = 256
DESCRIPTION = 4096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
URL = 2048
BUTTONS_PER_ROW = 5
ROWS = 5
BUTTON_LABEL = 80
CUSTOM_ID = 100
MODAL_TITLE = 45
MODAL_LABEL = 45
MODAL_DESCRIPTION = 100
TEXT_INPUT = 4000
PLACEHOLDER = 100
OPTION_LABEL = 100
CHOICES = 25
CHOICE = 100


def fit(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-16 units, ending in "…" when cut. Never leaves a
    lone trailing backslash, which would escape the ellipsis in Discord's markdown."""
    if units(text) <= limit:
        return text
    if limit <= 0:
        return ""
    cut = prefix(text, limit - units(ELLIPSIS)).rstrip()
    trailing = len(cut) - len(cut.rstrip("\\"))
    if trailing % 2:
        cut = cut[:-1]
    return cut + ELLIPSIS
