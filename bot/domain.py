"""The domain: communities, the spaces they own, stories and weekly features.

Plain dataclasses with no I/O. Storage maps rows to these; handlers apply rules to them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

TEXT_MIN = 10
TEXT_MAX = 3000
TITLE_MAX = 100
CUSTOMER_MAX = 100
TAGS_MAX = 10
CREDITED_MAX = 10
NOTE_MAX = 300
SUBMISSIONS_PER_MINUTE = 10
PAGE_SIZE = 5
SHORTLIST_SIZE = 5
# A space's display name as kept (a Discord server name is at most 100 characters).
SPACE_NAME_MAX = 100


class Platform(StrEnum):
    CONSOLE = "console"
    SLACK = "slack"
    DISCORD = "discord"


class Status(StrEnum):
    PUBLISHED = "published"
    HIDDEN = "hidden"


class Language(StrEnum):
    EN = "en"
    SV = "sv"


@dataclass(frozen=True, slots=True)
class SpaceRef:
    """One Slack workspace, Discord guild or console session."""

    platform: Platform
    external_id: str

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.external_id}"

    @classmethod
    def parse(cls, key: str) -> SpaceRef:
        platform, _, external_id = key.partition(":")
        return cls(Platform(platform), external_id)


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """A channel inside a space; where announcements go."""

    space: SpaceRef
    channel_id: str

    @property
    def key(self) -> str:
        return f"{self.space.key}:{self.channel_id}"


@dataclass(slots=True)
class CommunitySettings:
    language: Language = Language.EN
    timezone: str = "Europe/Stockholm"
    weekly_weekday: int = 1  # ISO weekday, Monday = 1
    weekly_time: dt.time = dt.time(9, 0)
    free_tags: bool = True
    highlight_channels: list[ChannelRef] = field(default_factory=list)
    moderator_users: list[str] = field(default_factory=list)
    moderator_roles: list[str] = field(default_factory=list)
    # Where each moderator entry (user or role, "platform:id") was configured: the keys of the
    # spaces it came from. Platform ids are global, so unlinking must not let a moderator of
    # one space keep rights over another (see bot.linking.split_moderators).
    moderator_origins: dict[str, list[str]] = field(default_factory=dict)
    # The public web wall: off until a moderator turns it on; its address holds `wall_token`
    # (unguessable, replaced on request) so communities cannot be enumerated.
    wall_enabled: bool = False
    wall_token: str | None = None


@dataclass(slots=True)
class Community:
    id: int
    settings: CommunitySettings
    spaces: list[SpaceRef] = field(default_factory=list)
    # What the platforms last called each space (workspace or server name), where known.
    space_names: dict[SpaceRef, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Author:
    platform: Platform
    user_id: str
    display_name: str


@dataclass(slots=True)
class Story:
    community_id: int
    number: int
    text: str
    title: str
    author: Author
    created_at: dt.datetime
    updated_at: dt.datetime
    customer: str | None = None
    credited: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    anonymous: bool = False
    consent: bool = False
    # The author's own choice that the story may appear on the public web wall.
    on_wall: bool = False
    status: Status = Status.PUBLISHED
    source_url: str | None = None
    client_key: str | None = None
    appreciations: int = 0
    id: int | None = None
    # Where the story was told; unlinking sends it back to that space's community.
    origin: SpaceRef | None = None
    # Credited colleagues' display names at submit time, by user id: on a linked space of
    # another platform their ids mean nothing, so cards show these names instead.
    credited_names: dict[str, str] = field(default_factory=dict)

    @property
    def published(self) -> bool:
        return self.status is Status.PUBLISHED

    @property
    def publishable(self) -> bool:
        """The story's own share of the wall rule: the customer consented, the author chose
        the wall, and it is not hidden (deleted stories do not exist). The wall being on is
        the community's share."""
        return self.published and self.consent and self.on_wall

    def is_author(self, platform: Platform, user_id: str) -> bool:
        return self.author.platform == platform and self.author.user_id == user_id


@dataclass(frozen=True, slots=True)
class IsoWeek:
    year: int
    week: int

    @classmethod
    def of(cls, day: dt.date) -> IsoWeek:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        year, week = text.split("-W")
        return cls(int(year), int(week))

    def monday(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.week, 1)

    def previous(self) -> IsoWeek:
        return IsoWeek.of(self.monday() - dt.timedelta(days=7))

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"


@dataclass(slots=True)
class Feature:
    community_id: int
    week: IsoWeek
    story_number: int
    featured_by: str | None  # None when the weekly job picked it
    note: str | None
    featured_at: dt.datetime


LINK_CODE_MINUTES = 15
LINK_FAILURES_MAX = 5  # wrong codes per space within LINK_CODE_MINUTES before a pause


@dataclass(slots=True)
class LinkCode:
    """A one-time code that lets another space join `community_id`; only its digest is kept."""

    community_id: int
    space: SpaceRef  # where it was made
    digest: str
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None = None
    id: int | None = None


def derive_title(text: str, limit: int = 60) -> str:
    """A title from the first sentence, cut on a word boundary."""
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    sentence = first_line
    for mark in (". ", "! ", "? "):
        head, sep, _ = first_line.partition(mark)
        if sep and len(head) < len(sentence):
            sentence = head + mark.strip()
    sentence = sentence.strip()
    if len(sentence) <= limit:
        return sentence
    cut = sentence[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:—- ")
    return cut + "…"
