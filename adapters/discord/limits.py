"""Discord's size limits, and cutting text to fit them.

Discord counts lengths like JavaScript does, in UTF-16 code units, so an emoji outside the
Basic Multilingual Plane costs two. Counting that way is never more generous than counting
code points, so whatever fits here fits there.
"""

from __future__ import annotations

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

ELLIPSIS = "…"


def size(text: str) -> int:
    """Length in UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2  # a lone surrogate is one unit


def fit(text: str, limit: int) -> str:
    """`text` cut to at most `limit` code units, ending in an ellipsis when cut.

    Never splits a surrogate pair, and never leaves a lone trailing backslash that would
    escape the ellipsis.
    """
    if size(text) <= limit:
        return text
    if limit <= 0:
        return ""
    room = limit - size(ELLIPSIS)
    kept: list[str] = []
    used = 0
    for char in text:
        cost = 2 if ord(char) > 0xFFFF else 1
        if used + cost > room:
            break
        kept.append(char)
        used += cost
    cut = "".join(kept).rstrip()
    trailing = len(cut) - len(cut.rstrip("\\"))
    if trailing % 2:
        cut = cut[:-1]
    return cut + ELLIPSIS
