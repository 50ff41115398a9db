"""The wall in a real browser: Playwright driving Debian's chromium (never a downloaded one).

Skipped, with the reason, where /usr/bin/chromium is missing (`apt-get install chromium`).
Set WEB_SCREENSHOTS=<folder> to save the screenshots docs/WEB.md shows.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from adapters.web import WebSettings, web_routes
from tests.adapters.web.conftest import MOD, Wall
from tests.conftest import Bot, actor

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]
LIGHT_BG = "rgb(247, 245, 240)"
DARK_BG = "rgb(21, 23, 22)"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium)"
)

STORIES = (
    (
        "Our parcel was going to be two days late. The courier called ahead before we noticed,"
        " explained why, and brought a small box of chocolates for the trouble.",
        "Called ahead",
        ["proactive-information", "small-gesture"],
    ),
    (
        "Kunden ringde om en faktura som blivit fel. Ahmed lyssnade klart, bekräftade vad han"
        " förstått och ringde tillbaka samma eftermiddag med en rättad faktura.",
        "Rättad faktura samma dag",
        ["listening", "follow-up"],
    ),
    (
        "The app crashed during checkout. Support answered in two minutes and placed the order"
        " by hand.",
        "Two minutes",
        ["speed", "digital"],
    ),
    (
        "A customer in a wheelchair could not reach the counter; Lina came round and served"
        " her at the bench.",
        "Came round the counter",
        ["accessibility", "in-person"],
    ),
    (
        "He forgot his card at home. The cashier let him pay by invoice and wished him a good"
        " weekend.",
        "Pay later",
        ["small-gesture"],
    ),
)


def _free_socket() -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


async def _serve(app: web.Application, sock: socket.socket) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    return runner


class Served:
    def __init__(self, base: str, wall: Wall, host_page: str) -> None:
        self.base = base
        self.wall = wall
        self.host_page = host_page

    @property
    def url(self) -> str:
        return self.base + self.wall.path


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    bot = Bot()
    await bot.say("/story config wall on", MOD)
    wall_sock, host_sock = _free_socket(), _free_socket()
    base = f"http://127.0.0.1:{wall_sock.getsockname()[1]}"
    app = web.Application()
    app.add_routes(web_routes(bot.core, WebSettings(base)))
    wall = Wall(bot, client=None)  # type: ignore[arg-type]
    authors = ("Maja Lund", "Erik Berg", "Sam Ray", "Anna Svensson", "Bo Ek")
    for (text, title, tags), name in zip(STORIES, authors, strict=True):
        who = actor("U-" + name.split()[0].upper())
        who = type(who)(**{**_fields(who), "display_name": name})
        await wall.share(text, who=who, title=title, tags=tags)
    await bot.say("/story feature 1", MOD)

    # A host page on another origin, embedding the wall with the documented snippet.
    embed = f"{base}{wall.path}/embed"
    host = web.Application()
    snippet = (
        f'<a href="{base}{wall.path}" data-storybot-embed="{embed}">Stories of good service</a>'
        f'<script async src="{base}/web/static/embed.js"></script>'
    )
    page = f"<!doctype html><html lang=en><title>Host</title><h1>Our customers</h1>{snippet}"

    async def host_page(_: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    host.add_routes([web.get("/", host_page)])
    runners = [await _serve(app, wall_sock), await _serve(host, host_sock)]
    try:
        yield Served(base, wall, f"http://127.0.0.1:{host_sock.getsockname()[1]}/")
    finally:
        for runner in runners:
            await runner.cleanup()


def _fields(obj: object) -> dict[str, object]:
    return {name: getattr(obj, name) for name in obj.__slots__}  # type: ignore[attr-defined]


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


def _shot(name: str) -> str | None:
    folder = os.environ.get("WEB_SCREENSHOTS")
    return str(Path(folder) / name) if folder else None


async def _background(page: object) -> str:
    return str(await page.evaluate("getComputedStyle(document.body).backgroundColor"))  # type: ignore[attr-defined]


async def test_wall_renders_with_its_stylesheet_and_no_errors(
    served: Served, browser: object
) -> None:
    page = await browser.new_page(color_scheme="light", viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    response = await page.goto(served.url)
    assert response.status == 200
    assert await page.locator("h1").inner_text() == "Stories of good service"
    assert await page.locator("article.story").count() == 5
    assert await page.locator("article.featured h2").inner_text() == "Called ahead"
    assert await _background(page) == LIGHT_BG  # the stylesheet loaded under the CSP
    columns = await page.evaluate(
        "getComputedStyle(document.querySelector('.masonry')).columnCount"
    )
    assert columns == "3"
    assert errors == []
    if path := _shot("wall-light.png"):
        await page.screenshot(path=path, full_page=True)


async def test_dark_by_preference_and_by_query(served: Served, browser: object) -> None:
    page = await browser.new_page(color_scheme="dark", viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    await page.goto(served.url)
    assert await _background(page) == DARK_BG
    if path := _shot("wall-dark.png"):
        await page.screenshot(path=path, full_page=True)
    light = await browser.new_page(color_scheme="light")  # type: ignore[attr-defined]
    await light.goto(served.url + "?theme=dark")
    assert await _background(light) == DARK_BG
    await light.goto(served.url + "?theme=light")
    assert await _background(light) == LIGHT_BG


async def test_reads_without_javascript(served: Served, browser: object) -> None:
    context = await browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    page = await context.new_page()
    await page.goto(served.url)
    assert await page.locator("article.story").count() == 5
    await page.get_by_role("link", name="Two minutes").click()
    assert await page.locator("h1").inner_text() == "Two minutes"
    assert "placed the order" in await page.locator("main").inner_text()
    # The embed snippet without JavaScript is a plain link to the wall.
    await page.goto(served.host_page)
    await page.get_by_role("link", name="Stories of good service").click()
    assert page.url == served.url
    await context.close()


async def test_story_page(served: Served, browser: object) -> None:
    page = await browser.new_page(viewport={"width": 900, "height": 700})  # type: ignore[attr-defined]
    await page.goto(f"{served.url}/stories/2?lang=sv")
    assert await page.locator("h1").inner_text() == "Rättad faktura samma dag"
    assert "Berättad av Erik B." in await page.locator("main").inner_text()
    og = await page.locator('meta[property="og:title"]').get_attribute("content")
    assert og == "Rättad faktura samma dag"
    if path := _shot("story.png"):
        await page.screenshot(path=path, full_page=True)


async def test_embed_sizes_itself_in_a_host_page(served: Served, browser: object) -> None:
    page = await browser.new_page(viewport={"width": 1000, "height": 800})  # type: ignore[attr-defined]
    await page.goto(served.host_page)
    frame = page.locator("iframe[data-storybot-frame]")
    await frame.wait_for()
    assert await frame.get_attribute("loading") == "lazy"
    await page.wait_for_function(
        "document.querySelector('iframe[data-storybot-frame]').style.height !== '480px'"
    )
    inner = page.frame_locator("iframe[data-storybot-frame]")
    assert await inner.locator("article.story").count() == 5
    content = await inner.locator("html").evaluate("e => e.scrollHeight")
    height = await frame.evaluate("e => e.getBoundingClientRect().height")
    assert abs(height - content) <= 2


@pytest.mark.parametrize(
    "path", ["", "/stories/1", "/insights", "/embed", "/embed-code", "?theme=dark"]
)
async def test_axe_finds_no_violations(served: Served, browser: object, path: str) -> None:
    from axe_playwright_python.async_playwright import Axe

    # axe is injected by the test, which the pages' own CSP would rightly refuse.
    context = await browser.new_context(bypass_csp=True)  # type: ignore[attr-defined]
    page = await context.new_page()
    await page.goto(served.url + path)
    results = await Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    await context.close()
