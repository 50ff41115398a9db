"""The rules of linking communities that need no storage: codes, merged settings, and how
renumbered stories are summed up for the joining moderator."""

from __future__ import annotations

import copy
import hashlib
import secrets
from collections.abc import Sequence

from bot.domain import CommunitySettings, SpaceRef

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


def merged_settings(
    target: CommunitySettings,
    joining: CommunitySettings,
    target_spaces: Sequence[SpaceRef] = (),
    joining_spaces: Sequence[SpaceRef] = (),
) -> CommunitySettings:
    """The community joined keeps its language, time zone, weekly schedule and tag policy;
    both sides' highlight channels and moderators are kept, each moderator entry remembering
    the space it came from."""
    target = _with_origins(target, target_spaces)
    joining = _with_origins(joining, joining_spaces)
    merged = copy.deepcopy(target)
    for entry, origins in joining.moderator_origins.items():
        kept = merged.moderator_origins.setdefault(entry, [])
        kept.extend(o for o in origins if o not in kept)
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


def _entries(settings: CommunitySettings) -> list[str]:
    return [*settings.moderator_users, *settings.moderator_roles]


def _with_origins(settings: CommunitySettings, spaces: Sequence[SpaceRef]) -> CommunitySettings:
    """Entries from before origins were recorded belong to the community's only space."""
    settings = copy.deepcopy(settings)
    if len(spaces) == 1:
        for entry in _entries(settings):
            settings.moderator_origins.setdefault(entry, [spaces[0].key])
    return settings


def owned_by(settings: CommunitySettings, entry: str, space: SpaceRef) -> bool:
    """Whether `space` configured this moderator entry. An entry with no recorded origin
    (configured before origins were kept, in a linked community) belongs to every space of
    its platform."""
    origins = settings.moderator_origins.get(entry)
    if origins:
        return space.key in origins
    return entry.startswith(f"{space.platform}:")


def set_moderators(
    settings: CommunitySettings, space: SpaceRef, users: list[str], roles: list[str]
) -> None:
    """`space`'s own moderator users and roles become these ("platform:id" entries); entries
    other spaces configured stay as they are."""
    for kind, new in (("moderator_users", users), ("moderator_roles", roles)):
        kept = []
        for entry in getattr(settings, kind):
            if owned_by(settings, entry, space):
                others = [o for o in settings.moderator_origins.pop(entry, []) if o != space.key]
                if not others:
                    continue
                settings.moderator_origins[entry] = others
            kept.append(entry)
        for entry in new:
            if entry not in kept:
                kept.append(entry)
            origins = settings.moderator_origins.setdefault(entry, [])
            if space.key not in origins:
                origins.append(space.key)
        setattr(settings, kind, kept)


def split_moderators(
    settings: CommunitySettings, leaving: SpaceRef, staying: list[SpaceRef]
) -> tuple[CommunitySettings, CommunitySettings]:
    """On unlink each side keeps only the moderator entries its own spaces configured:
    (staying side's settings, leaving side's settings), both copies."""
    stay = copy.deepcopy(settings)
    leave = copy.deepcopy(settings)
    for side, spaces in ((stay, staying), (leave, [leaving])):
        side.moderator_users = [
            e for e in settings.moderator_users if any(owned_by(settings, e, s) for s in spaces)
        ]
        side.moderator_roles = [
            e for e in settings.moderator_roles if any(owned_by(settings, e, s) for s in spaces)
        ]
        keys = {s.key for s in spaces}
        side.moderator_origins = {
            e: [o for o in origins if o in keys]
            for e, origins in settings.moderator_origins.items()
            if any(o in keys for o in origins)
        }
    return stay, leave


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
