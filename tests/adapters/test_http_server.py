"""The shared HTTP server: health, readiness, and limits against slow or greedy clients.

Everything runs on loopback with the limits turned down, and every wait is bounded.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web

from adapters.http_server import HttpServer, Limits, check_readiness_of, http_wanted
from bot.config import Settings
from bot.errors import StorageUnavailable
from tests.fakes.memory import FakeDatabase

FAST = Limits(
    request_seconds=0.5,
    max_connections=4,
    max_body_bytes=1024,
    check_seconds=0.5,
    readiness_reuse_seconds=0,
)
# A client the server failed to cut off is noticed well within this (no test waits longer).
CUT_OFF_WITHIN = 10.0

MakeServer = Callable[..., Awaitable[HttpServer]]


@pytest.fixture
async def make_server() -> AsyncIterator[MakeServer]:
    started: list[HttpServer] = []

    async def make(limits: Limits = FAST, setup: Callable[[HttpServer], None] | None = None):
        server = HttpServer("127.0.0.1", 0, limits)
        if setup is not None:
            setup(server)
        await server.start()
        started.append(server)
        return server

    yield make
    for server in started:
        await server.stop()


async def get(server: HttpServer, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
        session.get(f"http://127.0.0.1:{server.port}{path}") as response,
    ):
        return response.status, await response.text()


async def closed_by_server(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sends until it closes the connection (bounded wait)."""
    async with asyncio.timeout(CUT_OFF_WITHIN):
        return await reader.read()


class Ready:
    def __init__(self, name: str, ready: bool) -> None:
        self.name = name
        self.ready = ready


async def test_healthz_answers_and_readyz_reports_every_check(make_server: MakeServer) -> None:
    slack = Ready("slack", True)
    discord = Ready("discord", False)
    db = FakeDatabase()
    server = await make_server(
        setup=lambda s: check_readiness_of(s, db.factory(), [slack, discord])
    )

    assert await get(server, "/healthz") == (200, "ok")
    status, body = await get(server, "/readyz")
    assert status == 503
    assert '"discord": false' in body and '"slack": true' in body and '"database": true' in body

    discord.ready = True
    status, body = await get(server, "/readyz")
    assert status == 200
    assert '"ready": true' in body


async def test_readyz_is_503_when_the_database_does_not_answer(make_server: MakeServer) -> None:
    def broken() -> object:
        raise StorageUnavailable()

    server = await make_server(setup=lambda s: check_readiness_of(s, broken, []))  # type: ignore[arg-type]
    status, body = await get(server, "/readyz")
    assert status == 503
    assert '"database": false' in body
    assert await get(server, "/healthz") == (200, "ok")


async def test_a_check_that_hangs_counts_as_not_ready(make_server: MakeServer) -> None:
    async def hangs() -> bool:
        await asyncio.sleep(3600)
        return True

    server = await make_server(setup=lambda s: s.add_readiness_check("slow", hangs))
    status, body = await get(server, "/readyz")
    assert status == 503
    assert '"slow": false' in body


async def test_probes_at_once_share_one_run_of_the_checks(make_server: MakeServer) -> None:
    runs = 0

    async def counted() -> bool:
        nonlocal runs
        runs += 1
        await asyncio.sleep(0.05)
        return True

    limits = Limits(readiness_reuse_seconds=3600)  # "recent" for the whole test
    server = await make_server(limits, setup=lambda s: s.add_readiness_check("db", counted))
    answers = await asyncio.gather(*(get(server, "/readyz") for _ in range(20)))
    assert {status for status, _ in answers} == {200}
    assert runs == 1


async def test_routes_added_before_start_are_served(make_server: MakeServer) -> None:
    async def hello(_: web.Request) -> web.Response:
        return web.Response(text="hello")

    pages = web.Application()
    pages.router.add_get("/", hello)

    def setup(server: HttpServer) -> None:
        server.add_routes([web.get("/hello", hello)])
        server.add_subapp("/wall", pages)

    server = await make_server(setup=setup)
    assert await get(server, "/hello") == (200, "hello")
    assert await get(server, "/wall/") == (200, "hello")


async def test_partial_headers_are_cut_off(make_server: MakeServer) -> None:
    server = await make_server()
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        await writer.drain()
        assert await closed_by_server(reader) == b""  # closed, nothing answered
    finally:
        writer.close()


async def test_a_silent_connection_is_cut_off(make_server: MakeServer) -> None:
    server = await make_server()
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        assert await closed_by_server(reader) == b""
    finally:
        writer.close()


async def test_an_unfulfilled_content_length_is_cut_off_with_408(make_server: MakeServer) -> None:
    received: list[bytes] = []

    async def echo(request: web.Request) -> web.Response:
        received.append(await request.read())
        return web.Response(text="ok")

    server = await make_server(setup=lambda s: s.add_routes([web.post("/echo", echo)]))
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly a part")
        await writer.drain()
        answer = await closed_by_server(reader)
        assert answer.startswith(b"HTTP/1.1 408")
        assert received == []  # the handler never saw a half body
    finally:
        writer.close()


async def test_a_whole_body_reaches_the_handler(make_server: MakeServer) -> None:
    async def echo(request: web.Request) -> web.Response:
        return web.Response(body=await request.read())

    server = await make_server(setup=lambda s: s.add_routes([web.post("/echo", echo)]))
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
        session.post(f"http://127.0.0.1:{server.port}/echo", data=b"x" * 1000) as response,
    ):
        assert response.status == 200
        assert await response.read() == b"x" * 1000


async def test_a_body_over_the_cap_is_refused_with_413(make_server: MakeServer) -> None:
    async def echo(request: web.Request) -> web.Response:
        return web.Response(body=await request.read())

    server = await make_server(setup=lambda s: s.add_routes([web.post("/echo", echo)]))
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
        session.post(f"http://127.0.0.1:{server.port}/echo", data=b"x" * 1025) as response,
    ):
        assert response.status == 413


async def test_connections_beyond_the_cap_get_503(make_server: MakeServer) -> None:
    server = await make_server(Limits(request_seconds=5, max_connections=2))
    idle = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(2)]
    try:
        await asyncio.sleep(0)  # let the server register both
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        answer = await closed_by_server(reader)
        writer.close()
        assert answer.startswith(b"HTTP/1.1 503")
    finally:
        for _, w in idle:
            w.close()
    # Once they are gone, new clients are served again.
    for _ in range(50):
        if (await get(server, "/healthz"))[0] == 200:
            break
        await asyncio.sleep(0.05)
    assert await get(server, "/healthz") == (200, "ok")


def test_http_is_wanted_in_slack_http_mode_or_when_the_port_is_set() -> None:
    def load(**values: object) -> Settings:
        return Settings.load(None, database_url="sqlite+aiosqlite:///:memory:", **values)

    assert not http_wanted(load(discord_token="t"))
    assert http_wanted(load(discord_token="t", http_port=8080))
    assert http_wanted(load(discord_token="t", web_base_url="https://stories.example.com"))
    assert http_wanted(load(slack_bot_token="xoxb-1", slack_signing_secret="s"))
    assert not http_wanted(load(slack_bot_token="xoxb-1", slack_app_token="xapp-1"))
