"""The composition root: the one place that builds settings, storage and adapters.

Tests call `bootstrap(uow=…, clock=…)` with fakes; the CLI calls it with settings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot import logs
from bot.config import Settings
from bot.core import Core
from bot.domain import CommunitySettings
from bot.ports import Announcer, Clock, UnitOfWorkFactory

if TYPE_CHECKING:
    from adapters.http_server import HttpServer


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _nothing() -> None:
    return None


class StartupRefused(RuntimeError):
    """A platform cannot start with these settings; the CLI prints the message (one line,
    no traceback) and exits."""


@dataclass
class App:
    core: Core
    settings: Settings
    close: Callable[[], Awaitable[None]]
    # The database engine (an sqlalchemy AsyncEngine, typed loosely to keep the core free of
    # it) for adapters that keep their own rows, such as Slack's installations; None on fakes.
    engine: object | None = None


async def bootstrap(
    settings: Settings | None = None,
    *,
    uow: UnitOfWorkFactory | None = None,
    clock: Clock = utcnow,
    announcers: Iterable[Announcer] = (),
    migrate: bool = True,
    configure_logging: bool = False,
) -> App:
    settings = settings or Settings()
    if configure_logging:
        logs.configure(settings.log_level, settings.log_format, secrets=settings.secret_values())
    close = _nothing
    engine = None
    if uow is None:
        uow, close, engine = await _open_storage(settings, migrate=migrate)

    def defaults() -> CommunitySettings:
        return CommunitySettings(
            language=settings.default_language, timezone=settings.default_timezone
        )

    core = Core(uow, clock, announcers=announcers, defaults=defaults)
    return App(core=core, settings=settings, close=close, engine=engine)


async def open_storage(
    settings: Settings, *, migrate: bool = True
) -> tuple[UnitOfWorkFactory, Callable[[], Awaitable[None]]]:
    uow, close, _ = await _open_storage(settings, migrate=migrate)
    return uow, close


async def _open_storage(
    settings: Settings, *, migrate: bool = True
) -> tuple[UnitOfWorkFactory, Callable[[], Awaitable[None]], object]:
    # Imported here so that the core, and tests with fakes, never load SQLAlchemy.
    from storage.engine import create_engine
    from storage.migrate import normalise_url, upgrade
    from storage.uow import uow_factory

    url = normalise_url(settings.database_url)
    if migrate:
        await upgrade(url)
    # SQLite has one writer at a time and every transaction takes the write lock: queueing in
    # the pool is cheaper than spinning in SQLite's busy handler.
    sqlite = url.startswith("sqlite")
    engine = create_engine(
        url,
        pool_size=1 if sqlite else settings.db_pool_size,
        pool_timeout=settings.db_pool_timeout,
        statement_timeout_ms=settings.db_statement_timeout_ms,
    )
    return uow_factory(engine), engine.dispose, engine


class PlatformRuntime(Protocol):
    """A connected chat platform: what `storybot run` starts, waits on and stops."""

    name: str
    announcer: Announcer

    async def start(self) -> None:
        """Connect and return once the platform is ready to take requests."""
        ...

    async def wait_closed(self) -> None:
        """Return when the connection has ended for good."""
        ...

    async def stop(self) -> None: ...

    @property
    def ready(self) -> bool:
        """Connected and able to take requests now (for GET /readyz)."""
        ...


def platform_runtimes(
    settings: Settings,
    core: Core,
    *,
    http: HttpServer | None = None,
    engine: object | None = None,
) -> list[PlatformRuntime]:
    """The runtimes of every configured platform, not yet started; Slack's HTTP mode adds its
    routes to `http`, the process's shared server (see adapters/http_server.py), and its OAuth
    mode keeps installations through `engine`."""
    runtimes: list[PlatformRuntime] = []
    if settings.slack_bot_token or settings.slack_oauth:
        from adapters.slack.runtime import SlackRuntime

        runtimes.append(SlackRuntime(settings, core, http=http, engine=engine))  # type: ignore[arg-type]
    if settings.discord_token:
        from adapters.discord.drafts import DraftStore
        from adapters.discord.runtime import DiscordRuntime

        runtimes.append(DiscordRuntime(settings, core, drafts=DraftStore(core.uow, core.clock)))
    return runtimes
