"""Commands: what a user asked for, already parsed, platform-free.

Adapters build these from payloads (or hand the raw `/story …` text to bot.parser); handlers
in bot.handlers carry them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain import SpaceRef


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking, where, as the platform told the adapter."""

    space: SpaceRef
    user_id: str
    display_name: str
    channel_id: str | None = None
    locale: str | None = None  # the platform's locale tag, e.g. "sv-SE"
    is_admin: bool = False  # Slack admin/owner, Discord Manage Server
    roles: tuple[str, ...] = ()
    # What the bot may not do in `channel_id` that an announcement there needs, named as the
    # platform names the permission; the core refuses such a channel as highlight channel.
    missing_permissions: tuple[str, ...] = ()
    # The space's display name as the platform gave it (workspace or server name), if it did;
    # the core keeps it so that replies name spaces instead of showing their ids.
    space_name: str | None = None


@dataclass(frozen=True, slots=True)
class StoryInput:
    """The fields of the submit and edit forms."""

    text: str
    title: str | None = None
    customer: str | None = None
    credited: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    anonymous: bool = False
    consent: bool = False
    on_wall: bool = False


@dataclass(frozen=True, slots=True)
class OpenSubmitForm:
    prefill: str | None = None
    source_url: str | None = None


@dataclass(frozen=True, slots=True)
class Submit:
    story: StoryInput
    client_key: str
    source_url: str | None = None


@dataclass(frozen=True, slots=True)
class Browse:
    tag: str | None = None
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class Search:
    words: str
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class Show:
    number: int


@dataclass(frozen=True, slots=True)
class ListTags:
    pass


@dataclass(frozen=True, slots=True)
class Appreciate:
    number: int


@dataclass(frozen=True, slots=True)
class Share:
    number: int


@dataclass(frozen=True, slots=True)
class OpenEditForm:
    number: int


@dataclass(frozen=True, slots=True)
class Edit:
    number: int
    story: StoryInput


@dataclass(frozen=True, slots=True)
class Delete:
    number: int


@dataclass(frozen=True, slots=True)
class FeatureStory:
    number: int
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ShowFeatured:
    pass


@dataclass(frozen=True, slots=True)
class Shortlist:
    pass


@dataclass(frozen=True, slots=True)
class Hide:
    number: int


@dataclass(frozen=True, slots=True)
class Unhide:
    number: int


# The settings `Configure` knows, in the order help and the Discord option list show them.
CONFIG_KEYS = (
    "channel",
    "language",
    "timezone",
    "weekday",
    "time",
    "moderators",
    "moderator-role",
    "free-tags",
    "wall",
)


@dataclass(frozen=True, slots=True)
class Configure:
    key: str | None = None
    values: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Export:
    pass


@dataclass(frozen=True, slots=True)
class Link:
    """Without a code: make one. With a code: join this space's community into the code's."""

    code: str | None = None


@dataclass(frozen=True, slots=True)
class ListLinks:
    pass


@dataclass(frozen=True, slots=True)
class Unlink:
    pass


@dataclass(frozen=True, slots=True)
class Help:
    pass


@dataclass(frozen=True, slots=True)
class Home:
    """An overview page: Slack's App Home tab, for instance."""


Command = (
    OpenSubmitForm
    | Submit
    | Browse
    | Search
    | Show
    | ListTags
    | Appreciate
    | Share
    | OpenEditForm
    | Edit
    | Delete
    | FeatureStory
    | ShowFeatured
    | Shortlist
    | Hide
    | Unhide
    | Configure
    | Export
    | Link
    | ListLinks
    | Unlink
    | Help
    | Home
)


def opens_form(command: Command) -> bool:
    """Whether this command answers with a form. Platforms whose form triggers expire
    quickly (Slack: 3 seconds) open a placeholder at once for these, before any I/O."""
    return isinstance(command, OpenSubmitForm | OpenEditForm)
