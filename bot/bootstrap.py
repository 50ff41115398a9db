"""The composition root: the one module in bot/ that builds settings, storage, the core,
announcers, directories and platform runtimes, and the one that imports storage, adapters
and the bench (always inside functions, so importing it loads none of them).

The CLI, the tests that start the app and the bench all build through `bootstrap`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from bot import logs
from bot.commands import Actor
from bot.config import Settings
from bot.core import Core
from bot.domain import CommunitySettings, SpaceRef
from bot.ports import Announcer, Clock, Directory, UnitOfWorkFactory

if TYPE_CHECKING:
    from adapters.http_server import HttpServer


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _nothing() -> None:
    return None


class NoDatabase(Exception):
    """A read-only command found no database where the settings point."""


class DatabaseUnreachable(Exception):
    """The database did not answer at start (refused, unknown host, wrong password)."""


def _unreachable(failure: BaseException) -> DatabaseUnreachable:
    # The first line only: drivers add hints and SQLAlchemy a link; never the URL itself.
    reason = (str(failure).strip().splitlines() or [""])[0][:200]
    kind = type(failure).__name__
    return DatabaseUnreachable(
        f"DATABASE_URL: the database did not answer ({kind}: {reason})"
        if reason
        else f"DATABASE_URL: the database did not answer ({kind})"
    )


class PlatformRuntime(Protocol):
    """A connected chat platform: what `storybot run` starts, waits on and stops.

    Built in two steps because the core needs the platform's announcer and directory at
    construction, while the platform needs the core to answer requests."""

    name: str
    announcer: Announcer
    directory: Directory

    def bind(self, core: Core) -> None:
        """Route the platform's requests to this core; called once, before start()."""
        ...

    async def start(self) -> None:
        """Connect and return once the platform is ready to take requests."""
        ...

    async def wait_closed(self) -> None:
        """Return when the connection has ended for good."""
        ...

    @property
    def failure(self) -> str | None:
        """Why the connection ended without stop() being asked, if it did."""
        ...

    async def stop(self) -> None: ...

    async def housekeeping(self) -> None:
        """Tidy what the platform keeps (called on every scheduler round)."""
        ...

    @property
    def ready(self) -> bool:
        """Connected and able to take requests now (for GET /readyz)."""
        ...


@dataclass
class App:
    core: Core
    settings: Settings
    close: Callable[[], Awaitable[None]]
    runtimes: list[PlatformRuntime] = field(default_factory=list)
    http: HttpServer | None = None  # the shared HTTP server of `storybot run`, not started
    # The database engine (an sqlalchemy AsyncEngine, typed loosely to keep the core free of
    # it) for adapters that keep their own rows, such as Slack's installations; None on fakes.
    engine: object | None = None


async def bootstrap(
    settings: Settings | None = None,
    *,
    uow: UnitOfWorkFactory | None = None,
    clock: Clock = utcnow,
    platforms: bool = False,
    console: IO[str] | None = None,
    announcers: Sequence[Announcer] = (),
    directories: Sequence[Directory] = (),
    core_type: type[Core] = Core,
    runtime_options: dict[str, Any] | None = None,
    http: bool = False,
    migrate: bool = True,
    read_only: bool = False,
    configure_logging: bool = False,
) -> App:
    """Everything `storybot` runs on, in one go.

    `uow` replaces storage (tests pass fakes); `platforms` builds a runtime for every
    configured platform, bound to the core but not started; `console` adds the console's
    announcer writing there; `read_only` refuses to create a SQLite file that is not there;
    `http` builds the process's shared HTTP server when the settings want one (Slack's HTTP
    mode, HTTP_PORT, WEB_BASE_URL): health and readiness, Slack's routes and the web pages.
    """
    settings = settings or Settings.load()
    if configure_logging:
        logs.configure(
            settings.logging.level, settings.logging.format, secrets=settings.secret_values()
        )
    close = _nothing
    engine: object | None = None
    if uow is None:
        uow, close, engine = await _open_storage(settings, migrate=migrate, read_only=read_only)
    server = _http_server(settings) if http else None
    try:
        runtimes = (
            platform_runtimes(settings, runtime_options or {}, server, engine) if platforms else []
        )
    except BaseException:
        await close()
        raise
    outbound = [*announcers, *(r.announcer for r in runtimes)]
    names = [*directories, *(r.directory for r in runtimes)]
    if console is not None:
        from adapters.console.session import ConsoleAnnouncer

        outbound.append(ConsoleAnnouncer(console))

    def defaults() -> CommunitySettings:
        return CommunitySettings(
            language=settings.defaults.language, timezone=settings.defaults.timezone
        )

    core = core_type(
        uow,
        clock,
        announcers=outbound,
        directories=names,
        defaults=defaults,
        web_base_url=settings.http.web_base_url,
    )
    for runtime in runtimes:
        runtime.bind(core)
    if server is not None:
        _serve_on(server, core, settings, runtimes)
    return App(
        core=core, settings=settings, close=close, runtimes=runtimes, http=server, engine=engine
    )


def _http_server(settings: Settings) -> HttpServer | None:
    from adapters.http_server import HttpServer, http_wanted

    return HttpServer.from_settings(settings) if http_wanted(settings) else None


def _serve_on(
    server: HttpServer, core: Core, settings: Settings, runtimes: Sequence[PlatformRuntime]
) -> None:
    """Readiness of the database and every platform; the web pages when WEB_BASE_URL is set."""
    from adapters.http_server import check_readiness_of

    check_readiness_of(server, core.uow, runtimes)
    if settings.http.web_base_url:
        from adapters.web import web_routes

        server.add_routes(web_routes(core, settings))


async def housekeeping(app: App) -> None:
    """What the core and each platform tidy on the scheduler's round (the rate limit's
    expired log, expired form drafts)."""
    await app.core.tidy()
    for runtime in app.runtimes:
        await runtime.housekeeping()


def web_sample_space() -> SpaceRef:
    from adapters.web.serve import SAMPLE_SPACE

    return SAMPLE_SPACE


async def open_sample_wall(core: Core) -> None:
    from adapters.web.serve import open_sample_wall as open_wall

    await open_wall(core)


async def serve_web(app: App, port: int, out: IO[str]) -> None:
    """`storybot web`: the pages alone, until stopped."""
    from adapters.web.serve import serve

    await serve(app.core, app.settings, app.settings.http.host, port, out)


async def backup_database(settings: Settings, file: Path) -> int:
    from storage.backup import backup

    return await backup(settings.database.url, file)


async def copy_database(settings: Settings, to: str) -> Any:
    from storage.copy import copy_database as copy

    return await copy(settings.database.url, to)


def data_errors() -> tuple[type[Exception], ...]:
    from storage.backup import BackupError
    from storage.copy import CopyError

    return (BackupError, CopyError)


async def open_storage(
    settings: Settings, *, migrate: bool = True, read_only: bool = False
) -> tuple[UnitOfWorkFactory, Callable[[], Awaitable[None]]]:
    uow, close, _ = await _open_storage(settings, migrate=migrate, read_only=read_only)
    return uow, close


async def _open_storage(
    settings: Settings, *, migrate: bool = True, read_only: bool = False
) -> tuple[UnitOfWorkFactory, Callable[[], Awaitable[None]], object]:
    """The units of work, how to close them, and the engine (for adapters' own rows)."""
    # Imported here so that the core, and tests with fakes, never load SQLAlchemy.
    from storage.engine import create_engines
    from storage.migrate import normalise_url, upgrade
    from storage.uow import uow_factory

    path = settings.database.sqlite_path
    if read_only and path is not None and not path.is_file():
        raise NoDatabase(
            f"no database at {path.resolve()}; set DATABASE_URL or run `storybot db upgrade`"
        )
    url = normalise_url(settings.database.url)
    if migrate:
        try:
            await upgrade(url)
        except Exception as failure:
            raise _unreachable(failure) from None
    engine, readers = create_engines(
        url,
        pool_size=settings.database.pool_size,
        pool_timeout=settings.database.pool_timeout,
        statement_timeout_ms=settings.database.statement_timeout_ms,
    )

    async def close() -> None:
        if readers is not engine:
            await readers.dispose()
        await engine.dispose()

    return uow_factory(engine, readers), close, engine


async def upgrade_database(settings: Settings) -> None:
    from storage.migrate import normalise_url, upgrade

    try:
        await upgrade(normalise_url(settings.database.url))
    except Exception as failure:
        raise _unreachable(failure) from None


def platform_runtimes(
    settings: Settings,
    options: dict[str, Any],
    http: HttpServer | None = None,
    engine: object | None = None,
) -> list[PlatformRuntime]:
    """The runtimes of every configured platform, not yet bound or started. `options` holds
    per-platform keyword arguments (tests turn time limits down); Slack's HTTP mode adds its
    routes to `http`, the process's shared server (see adapters/http_server.py), and its OAuth
    mode keeps installations through `engine`."""
    runtimes: list[PlatformRuntime] = []
    if settings.slack.bot_token or settings.slack.oauth:
        from adapters.slack.runtime import SlackRuntime

        slack = {"engine": engine, **options.get("slack", {})}
        runtimes.append(SlackRuntime(settings, http=http, **slack))
    if settings.discord.token:
        from adapters.discord.runtime import DiscordRuntime

        runtimes.append(DiscordRuntime(settings, **options.get("discord", {})))
    return runtimes


def setting_errors() -> tuple[type[Exception], ...]:
    """Platform failures that are a setting's fault (exit code 2, like SettingsError)."""
    from adapters.slack.runtime import SlackSettingError

    return (SlackSettingError,)


def platform_errors() -> tuple[type[Exception], ...]:
    """The exceptions with which a platform refuses to start, explained in their message."""
    from adapters.discord.runtime import DiscordStartError
    from adapters.slack.runtime import SlackConfigError

    return (SlackConfigError, DiscordStartError)


# The console, and commands that are adapters of their own ----------------------------------


def console_space() -> tuple[SpaceRef, str]:
    """The console's one space and channel."""
    from adapters.console.session import CHANNEL, SPACE

    return SPACE, CHANNEL


async def run_console(app: App, actor: Actor) -> None:
    from adapters.console.session import ConsoleSession

    await ConsoleSession(app.core, actor).run()


def slack_keys(action: str, argv: list[str]) -> int:
    """`storybot slack new-key` and `storybot slack rekey` (adapters/slack/keys.py)."""
    from adapters.slack import keys

    if action == "new-key":
        return keys.new_key_main(argv)
    settings = Settings.load()
    key = settings.slack.token_encryption_key
    return asyncio.run(
        keys.rekey_main(argv, settings.database.url, key.get_secret_value() if key else None)
    )


def slack_manifest(argv: list[str]) -> int:
    from adapters.slack.manifest import main

    return main(argv)


def discord_invite(argv: list[str]) -> int:
    from adapters.discord.invite import main

    return main(argv)


def bench_checkout() -> bool:
    """The bench is not shipped: it runs from a source checkout, put on sys.path here since
    the `storybot` script does not add it."""
    checkout = Path(__file__).resolve().parents[1]
    if not (checkout / "bench" / "runner.py").is_file():
        return False
    if str(checkout) not in sys.path:
        sys.path.append(str(checkout))
    return True


def bench_modules() -> tuple[Any, Any]:
    """(bench.runner, bench.stats), after `bench_checkout()` said yes."""
    from bench import runner, stats

    return runner, stats
