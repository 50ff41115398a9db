"""`storybot bench`, web part: the public wall's pages and feeds (issue 17), server time.

The pages are served by the real web adapter (adapters.web.web_routes on the core's units of
work) on a loopback aiohttp test server; a middleware times each request from the moment the
app hands it to the route until the response is built (lookup, render, ETag), which is the
server's share of a page load. The seeder turns the large community's wall on at
bench.database.WALL_TOKEN and marks a share of its stories publishable.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, true

from adapters.web import WebSettings, web_routes
from bench.stats import Figure
from bot.core import Core
from bot.domain import Status
from bot.wall import wall_path
from storage.models import StoryRow

BASE_URL = "https://stories.bench.invalid"
WARMUP = 3
FIGURE_BUDGET_SECONDS = 60.0  # as the core figures: a slow figure gets fewer samples
MIN_SAMPLES = 5


class WebBenchError(RuntimeError):
    """A page did not answer 200 with a body (a 404 means the seed's wall is not public)."""


def _timing_middleware(spent: list[float]) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def timed(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        started = time.perf_counter()
        response = await handler(request)
        spent.append((time.perf_counter() - started) * 1000)
        return response

    return timed


async def public_numbers(engine: Any, community_id: int) -> list[int]:
    """Every number the wall may show in the community (the rule of storage.published)."""
    stmt = select(StoryRow.number).where(
        StoryRow.community_id == community_id,
        StoryRow.on_wall == true(),
        StoryRow.consent == true(),
        StoryRow.status == Status.PUBLISHED.value,
    )
    async with engine.connect() as connection:
        return [n for (n,) in await connection.execute(stmt)]


async def measure_web(
    core: Core,
    engine: Any,
    community_id: int,
    token: str,
    tag: str,
    samples: int,
    seed: int,
) -> list[Figure]:
    """Wall first page, a tag page, a story page (a random public story each time) and the
    wall's RSS, Atom and JSON feeds; each figure fails on its own with its reason."""
    numbers = await public_numbers(engine, community_id)
    rng = random.Random(seed)
    spent: list[float] = []
    app = web.Application(middlewares=[_timing_middleware(spent)])
    app.add_routes(web_routes(core, WebSettings(BASE_URL)))
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    wall = wall_path(token)
    pages: list[tuple[str, Callable[[], str], str]] = [
        ("web wall, first page", lambda: wall, f"{len(numbers):,} public stories"),
        ("web wall, tag page", lambda: f"{wall}?tag={tag}", f"tag “{tag}”"),
        (
            "web story page",
            lambda: f"{wall}/stories/{rng.choice(numbers)}",
            "a random public story each time",
        ),
        ("web feed RSS", lambda: f"{wall}/feed.rss", ""),
        ("web feed Atom", lambda: f"{wall}/feed.atom", ""),
        ("web feed JSON Feed", lambda: f"{wall}/feed.json", ""),
    ]
    figures = []
    try:
        for name, path, note in pages:
            figures.append(await _page_case(client, spent, name, path, samples, note))
    finally:
        await client.close()
    return figures


async def _page_case(
    client: TestClient,
    spent: list[float],
    name: str,
    path: Callable[[], str],
    count: int,
    note: str,
) -> Figure:
    sample = 0
    try:
        first = await _get(client, spent, path())
        budget_ms = FIGURE_BUDGET_SECONDS * 1000 / 2
        count = max(min(count, int(budget_ms / max(first, 1e-3))), MIN_SAMPLES)
        server_ms: list[float] = []
        for sample in range(1, count + WARMUP + 1):
            ms = await _get(client, spent, path())
            if sample > WARMUP:
                server_ms.append(ms)
    except Exception as failure:  # a finding, not a crash
        reason = f"failed on sample {sample + 1}: {type(failure).__name__}: {failure}"[:300]
        return Figure(name, [], [], "none", reason)
    return Figure(name, server_ms, [], "none", note)


async def _get(client: TestClient, spent: list[float], path: str) -> float:
    """One GET, as a browser's first visit (no If-None-Match); the server time in ms."""
    before = len(spent)
    async with client.get(path) as response:
        body = await response.read()
        if response.status != 200 or not body:
            raise WebBenchError(f"GET {path} answered {response.status}")
    if len(spent) != before + 1:
        raise WebBenchError(f"GET {path} was not timed")
    return spent[-1]
