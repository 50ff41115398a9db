"""The one HTTP server of a `storybot run` process, whatever platforms it serves.

It answers `GET /healthz` (the process is alive) and `GET /readyz` (the database answers and
every configured platform is connected) in every mode; the Slack adapter adds
`POST /slack/events` to it in HTTP mode, and further pages join through `add_routes` or
`add_subapp` before the server starts (aiohttp freezes its router on start).

Slow or oversized requests cannot hold it: a request's head must arrive within
`Limits.request_seconds` of the connection opening (or of the previous response), its body
within as long again, bodies are capped, and connections past the cap get a 503 at once.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.config import Settings
from bot.health import database_answers
from bot.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"

ReadinessCheck = Callable[[], bool | Awaitable[bool]]


@dataclass(frozen=True)
class Limits:
    """What one client may take from the server; tests turn the times down."""

    request_seconds: float = 10.0  # for the head, and then again for the body
    # Above a burst Slack may really send one process (the load run: 500 interactions at
    # once, each on its own connection), below what slow clients could use to starve it.
    max_connections: int = 1024
    max_body_bytes: int = 1024 * 1024  # Slack's payloads are far smaller
    check_seconds: float = 3.0  # each readiness check; a slower answer counts as "not ready"
    shutdown_seconds: float = 5.0  # what requests still running get when the server stops
    # Probes within this share one answer, so no client can make /readyz hammer the database.
    readiness_reuse_seconds: float = 1.0


def http_wanted(settings: Settings) -> bool:
    """Slack's HTTP mode (one workspace or OAuth) always listens; other modes when
    HTTP_PORT or WEB_BASE_URL is set."""
    slack = settings.slack
    slack_http = slack.oauth or (slack.bot_token is not None and slack.app_token is None)
    asked = "port" in settings.http.model_fields_set or bool(settings.http.web_base_url)
    return slack_http or asked


class HttpServer:
    def __init__(self, host: str, port: int, limits: Limits | None = None) -> None:
        self.host = host
        self.requested_port = port
        self.limits = limits or Limits()
        self.app = web.Application(
            client_max_size=self.limits.max_body_bytes, middlewares=[self._body_in_time]
        )
        self.app.router.add_get(HEALTH_PATH, _healthz)
        self.app.router.add_get(READY_PATH, self._readyz)
        self._checks: dict[str, ReadinessCheck] = {}
        self._runner: web.AppRunner | None = None
        self._one_probe = asyncio.Lock()
        self._last_probe: tuple[float, dict[str, bool]] | None = None

    @classmethod
    def from_settings(cls, settings: Settings, limits: Limits | None = None) -> HttpServer:
        return cls(settings.http.host, settings.http.port, limits)

    def add_routes(self, routes: Iterable[web.AbstractRouteDef]) -> None:
        self.app.add_routes(routes)

    def add_subapp(self, prefix: str, subapp: web.Application) -> None:
        """Mount a whole application (e.g. the web pages) under `prefix`."""
        self.app.add_subapp(prefix, subapp)

    def add_readiness_check(self, name: str, check: ReadinessCheck) -> None:
        """`check` returns True when `name` can serve; /readyz is 200 only if all do."""
        self._checks[name] = check

    async def start(self) -> None:
        # keepalive_timeout bounds the wait for a complete request head: aiohttp arms it when
        # the connection opens and after every response, and closes the connection if no whole
        # head has arrived by then. lingering_time=0: a body left unread is not waited for.
        # In-flight requests get a few seconds on stop (aiohttp's default is 60): a service
        # manager's SIGTERM must end the process well within its 10-second grace.
        self._runner = web.AppRunner(
            self.app,
            access_log=None,
            keepalive_timeout=self.limits.request_seconds,
            lingering_time=0,
            shutdown_timeout=self.limits.shutdown_seconds,
        )
        await self._runner.setup()
        site = _CappedSite(
            self._runner, self.host, self.requested_port, self.limits.max_connections
        )
        try:
            await site.start()
        except BaseException:
            await self._runner.cleanup()
            self._runner = None
            raise
        log.info("http listening", extra={"host": self.host, "port": self.port})

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    @property
    def port(self) -> int | None:
        """The bound port (useful when asked for port 0), None before start."""
        if self._runner is None or not self._runner.addresses:
            return None
        return int(self._runner.addresses[0][1])

    async def readiness(self) -> dict[str, bool]:
        """Every check's answer; concurrent and recent probes share one run of the checks."""
        loop = asyncio.get_running_loop()
        async with self._one_probe:
            last = self._last_probe
            if last is not None and loop.time() - last[0] < self.limits.readiness_reuse_seconds:
                return last[1]
            names = list(self._checks)
            results = await asyncio.gather(*(self._run_check(self._checks[n]) for n in names))
            checks = dict(zip(names, results, strict=True))
            self._last_probe = (loop.time(), checks)
            return checks

    async def _run_check(self, check: ReadinessCheck) -> bool:
        try:
            async with asyncio.timeout(self.limits.check_seconds):
                result = check()
                if inspect.isawaitable(result):
                    result = await result
                return bool(result)
        except Exception as failure:  # a failing check means "not ready", never a 500
            log.warning("readiness check failed", extra={"error": type(failure).__name__})
            return False

    async def _readyz(self, _: web.Request) -> web.Response:
        checks = await self.readiness()
        ready = all(checks.values())
        return web.json_response({"ready": ready, "checks": checks}, status=200 if ready else 503)

    @web.middleware
    async def _body_in_time(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Read the whole body (cached for the handler) within the limit, or answer 408."""
        if request.body_exists:
            try:
                async with asyncio.timeout(self.limits.request_seconds):
                    await request.read()
            except TimeoutError:
                # The connection closes after the answer (lingering_time=0): the rest of the
                # body is never read.
                raise web.HTTPRequestTimeout(text="request body too slow") from None
        return await handler(request)


async def _healthz(_: web.Request) -> web.Response:
    return web.Response(text="ok")


class _CappedSite(web.BaseSite):
    """A TCP site that answers 503 and closes any connection beyond `cap` open ones."""

    def __init__(self, runner: web.AppRunner, host: str, port: int, cap: int) -> None:
        super().__init__(runner)
        self._host = host
        self._port = port
        self._cap = cap

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None
        cap = self._cap

        def protocol() -> asyncio.BaseProtocol:
            if len(server.connections) >= cap:
                return _Busy()
            return server()

        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            protocol, self._host, self._port, backlog=self._backlog, reuse_address=True
        )


class _Busy(asyncio.Protocol):
    """Over the connection cap: say so and hang up, without reading the request."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(
            b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n"
            b"Content-Length: 0\r\nRetry-After: 1\r\n\r\n"
        )
        transport.close()


class Readiable(Protocol):
    name: str

    @property
    def ready(self) -> bool: ...


def check_readiness_of(
    server: HttpServer, uow: UnitOfWorkFactory, runtimes: Iterable[Readiable]
) -> None:
    """/readyz of a `storybot run`: the database, then every configured platform."""
    server.add_readiness_check("database", lambda: database_answers(uow))
    for runtime in runtimes:
        server.add_readiness_check(runtime.name, lambda r=runtime: r.ready)
