"""Who is acting: an Actor from a Slack request, with locale and admin rights from
users.info, cached per user for a while so that most requests cost no extra call."""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cachetools import TLRUCache
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.client import SLACK_ERRORS, error_code
from bot.commands import Actor
from bot.domain import Language, Platform, SpaceRef
from bot.i18n import Translator, language_for

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Profile:
    name: str | None
    locale: str | None  # e.g. "sv-SE"
    is_admin: bool  # admin or owner of the team(s) below
    # The user's own organisation: in a Slack Connect channel, people of other organisations
    # act here too, and their admin flags speak for their organisation, not ours.
    teams: frozenset[str] = frozenset()


class ProfileCache:
    """users.info(include_locale) per user, kept for `ttl` seconds. A failed lookup is
    remembered briefly too, so a Slack outage does not add a slow call to every request.

    Per process on purpose: Slack is the source of truth, so several processes may disagree
    about a user's name, language or admin flag for at most `ttl` after it changed in Slack.
    Moderators configured in Storybot are read from the database and agree at once.

    With many workspaces, entries are kept per team and looked up with that team's token:
    `bound(team, client)` is a view sharing the entries and the lookup limit."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        ttl: float = 600.0,
        failure_ttl: float = 30.0,
        timeout: float = 2.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        concurrency: int = 4,
    ) -> None:
        self.client = client
        self.team = ""  # the workspace whose users this view looks up ("" for the base cache)
        self.timeout = timeout

        def expires(_key: object, profile: Profile | None, now: float) -> float:
            return now + (ttl if profile is not None else failure_ttl)

        # (team, user) -> the profile, or None for a lookup that failed (kept shorter)
        self._entries: TLRUCache[tuple[str, str], Profile | None] = TLRUCache(
            max_entries, expires, timer=clock
        )
        # users.info is a Tier 4 method: a card crediting ten people must not fire ten calls
        # at once into Slack's rate limit. Per batch of names only: the one lookup of who is
        # acting must never queue behind other requests' (500 people at once still get their
        # answer within Slack's 3 seconds).
        self.concurrency = concurrency

    def bound(self, team: str, client: AsyncWebClient) -> ProfileCache:
        """This cache as seen from workspace `team`, looking users up with `client` (a
        request's client, or the announcer's for that team)."""
        view = copy.copy(self)  # shallow: the entries stay shared
        view.team = team
        view.client = client
        return view

    def peek(self, user_id: str) -> Profile | None:
        return self._entries.get((self.team, user_id))

    async def name_of(self, user_id: str) -> str | None:
        """A colleague's display name, or None."""
        profile = await self.get(user_id)
        return profile.name if profile else None

    async def get(self, user_id: str) -> Profile | None:
        key = (self.team, user_id)
        kept = self._entries.get(key, _UNKNOWN)
        if kept is not _UNKNOWN:
            return kept  # type: ignore[return-value]
        profile = self._entries[key] = await self._lookup(user_id)
        return profile

    async def names(self, user_ids: Iterable[str]) -> dict[str, str]:
        """Display names of the users Slack told us about; unknown ids are left out."""
        ids = list(dict.fromkeys(user_ids))
        batch = asyncio.Semaphore(self.concurrency)

        async def one(user_id: str) -> Profile | None:
            async with batch:
                return await self.get(user_id)

        profiles = await asyncio.gather(*(one(u) for u in ids))
        return {u: p.name for u, p in zip(ids, profiles, strict=True) if p and p.name}

    async def _lookup(self, user_id: str) -> Profile | None:
        try:
            async with asyncio.timeout(self.timeout):
                answer = await self.client.users_info(user=user_id, include_locale=True)
        except SLACK_ERRORS as failure:
            log.warning("users.info failed", extra={"error": error_code(failure)})
            return None
        user = answer.get("user") or {}
        return profile_from(user)


_UNKNOWN = object()  # not kept: a failed lookup is kept as None


def profile_from(user: Mapping[str, Any]) -> Profile:
    details = user.get("profile") or {}
    name = details.get("display_name") or details.get("real_name") or user.get("real_name")
    return Profile(
        name=name or user.get("name") or None,
        locale=user.get("locale") or None,
        is_admin=bool(user.get("is_admin") or user.get("is_owner")),
        teams=frozenset(
            t
            for t in (user.get("team_id"), (user.get("enterprise_user") or {}).get("enterprise_id"))
            if isinstance(t, str) and t
        ),
    )


def payload_user_name(body: Mapping[str, Any]) -> str | None:
    """The user's handle as the payload gives it, for when users.info is unavailable."""
    if isinstance(body.get("user_name"), str):
        return body["user_name"]
    user = body.get("user")
    if isinstance(user, dict):
        return user.get("username") or user.get("name")
    return None


async def actor_for(
    profiles: ProfileCache,
    *,
    team_id: str,
    user_id: str,
    channel_id: str | None = None,
    fallback_name: str | None = None,
    team_name: str | None = None,
) -> Actor:
    profile = await profiles.get(user_id)
    return Actor(
        space=SpaceRef(Platform.SLACK, team_id),
        user_id=user_id,
        display_name=(profile.name if profile and profile.name else None)
        or fallback_name
        or user_id,
        channel_id=channel_id,
        locale=profile.locale if profile else None,
        # Admin rights count only where the user's own team is the one acting here.
        is_admin=bool(profile and profile.is_admin and team_id in profile.teams),
        space_name=team_name,
    )


def translator_named(language: str | None) -> Translator:
    """The language a form was opened in (carried in its metadata), for a view shown before
    the core has answered its submission."""
    return Translator(language_for(language, Language.EN))
