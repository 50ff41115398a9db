"""Page cursors: a keyset position plus the page number, as a short opaque token."""

from __future__ import annotations

import re

from bot.errors import ValidationError
from bot.i18n_marker import N_
from bot.ports import Keyset

_TOKEN = re.compile(r"^([on])(\d{1,4})\.(\d{1,12})\.(\d{1,6})$")


def encode(position: Keyset, page: int) -> str:
    return f"{position.direction[0]}{position.rank}.{position.number}.{page}"


def decode(token: str | None) -> tuple[Keyset | None, int]:
    if not token:
        return None, 1
    match = _TOKEN.match(token)
    if match is None:
        raise ValidationError(N_("That page link is no longer valid. Run the command again."))
    direction, rank, number, page = match.groups()
    keyset = Keyset("older" if direction == "o" else "newer", int(rank), int(number))
    return keyset, max(int(page), 1)
