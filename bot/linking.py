"""The rules of linking communities that need no storage: codes, merged settings, and how
renumbered stories are summed up for the joining moderator."""

from __future__ import annotations

import copy
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from bot.domain import CommunitySettings, LinkCode

# No 0/O, 1/I/L: codes are read aloud and typed on another platform.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10  # 31**10 ≈ 8·10^14 codes; with 5 tries per 15 minutes, guessing is hopeless


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def digest(code: str) -> str:
    """Codes are stored hashed; the code itself carries 50 bits, so a fast hash suffices."""
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def find(codes: Iterable[LinkCode], typed: str) -> LinkCode | None:
    """The code whose digest matches, comparing every candidate in constant time."""
    wanted = digest(typed)
    found = None
    for code in codes:
        if hmac.compare_digest(code.digest, wanted):
            found = code
    return found


def merged_settings(target: CommunitySettings, joining: CommunitySettings) -> CommunitySettings:
    """The community joined keeps its language, time zone, weekly schedule and tag policy;
    both sides' highlight channels and moderators are kept."""
    merged = copy.deepcopy(target)
    merged.highlight_channels = list(
        dict.fromkeys([*target.highlight_channels, *joining.highlight_channels])
    )
    merged.moderator_users = list(
        dict.fromkeys([*target.moderator_users, *joining.moderator_users])
    )
    merged.moderator_roles = list(
        dict.fromkeys([*target.moderator_roles, *joining.moderator_roles])
    )
    return merged


def runs(mapping: list[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Consecutive old numbers moved as blocks: (first old, last old, first new, last new)."""
    found: list[tuple[int, int, int, int]] = []
    for old, new in mapping:
        if found and found[-1][1] + 1 == old and found[-1][3] + 1 == new:
            first_old, _, first_new, _ = found[-1]
            found[-1] = (first_old, old, first_new, new)
        else:
            found.append((old, old, new, new))
    return found
