"""What every handler gets: who asks, in which community, and the ports to act with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.commands import Actor
from bot.domain import Community, Platform
from bot.i18n import Translator
from bot.ports import Announcer, Clock, Directory, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Context:
    actor: Actor
    community: Community
    t: Translator
    uow: UnitOfWorkFactory
    clock: Clock
    moderator: bool
    announcers: Mapping[Platform, Announcer]
    directories: Mapping[Platform, Directory] = field(default_factory=dict)
    # Where the web pages are served (WEB_BASE_URL), to tell moderators the wall's address.
    web_base_url: str | None = None

    @property
    def community_id(self) -> int:
        return self.community.id

    @property
    def timezone(self) -> str:
        return self.community.settings.timezone
