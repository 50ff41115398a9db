"""The embed page and script, and the insights page with its charts and tables."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from tests.adapters.web.conftest import BASE, MOD, Wall
from tests.conftest import actor


async def test_embed_page_is_frameable_and_filters(wall: Wall) -> None:
    await wall.share("A quick one about speed and the courier.", title="Fast", tags=["speed"])
    await wall.share("A kind one about care and the courier.", title="Kind", tags=["customer-care"])
    response = await wall.get(f"{wall.path}/embed?tag=speed&theme=dark")
    html = await response.text()
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    assert "Fast" in html and "Kind" not in html
    assert 'data-theme="dark"' in html
    assert f'<script src="{BASE}/web/static/frame.js" defer></script>' in html
    assert 'target="_blank" rel="noopener"' in html


async def test_embed_scripts_are_served_and_check_the_sender(wall: Wall) -> None:
    script = await (await wall.get("/web/static/embed.js")).text()
    assert 'loading = "lazy"' in script
    assert "event.origin !== origin" in script and "event.source !== frame.contentWindow" in script
    frame = await (await wall.get("/web/static/frame.js")).text()
    assert "postMessage" in frame


async def test_insights_tables_and_charts(wall: Wall) -> None:
    first = await wall.share(
        "Speed matters and the courier knew it.", title="Quick", tags=["speed"]
    )
    await wall.share(
        "Care matters and the support desk knew it.",
        title="Careful",
        tags=["customer-care", "speed"],
    )
    await wall.bot.say(f"/story appreciate {first}", actor("U-BO"))
    await wall.bot.say(f"/story appreciate {first}", actor("U-CY"))
    html = await (await wall.get(f"{wall.path}/insights")).text()
    row = re.search(r'<tr><th scope="row">#Speed</th>(.*?)</tr>', html)
    assert row is not None
    assert [int(n) for n in re.findall(r"<td>(\d+)</td>", row.group(1))][-1] == 2
    assert html.count('<th scope="col">W') == 12
    assert re.search(r"Quick</a> — Appreciations: 2", html)
    assert 'alt="Bar chart of tags per week' in html

    for name in ("tags", "appreciated"):
        response = await wall.get(f"{wall.path}/insights/{name}.svg")
        assert response.status == 200 and response.content_type == "image/svg+xml"
        body = await response.read()
        root = ET.fromstring(body)
        assert root.tag.endswith("svg")
        assert b"kozea.github.io" not in body and b"<script" not in body


async def test_insights_show_only_public_stories(wall: Wall) -> None:
    await wall.share(
        "A private one that stays in the chat only.", title="Private", tags=["speed"], on_wall=False
    )
    html = await (await wall.get(f"{wall.path}/insights")).text()
    assert "#Speed" not in html and "Nothing published in this period." in html
    await wall.bot.say("/story config wall off", MOD)
    assert (await wall.get(f"{wall.path}/insights")).status == 404
    assert (await wall.get(f"{wall.path}/insights/tags.svg")).status == 404


async def test_embed_code_page_gives_the_snippet_for_a_tag_and_theme(wall: Wall) -> None:
    await wall.share("A quick one about speed and the courier.", tags=["speed"])
    response = await wall.get(f"{wall.path}/embed-code?tag=speed&embed_theme=dark&lang=sv")
    assert response.status == 200
    html = await response.text()
    snippet = html.split("<code>", 1)[1].split("</code>", 1)[0]
    assert f"data-storybot-embed=&#34;{BASE}{wall.path}/embed?tag=speed&amp;amp;theme=dark" in (
        snippet
    )
    assert f"src=&#34;{BASE}/web/static/embed.js&#34;&gt;&lt;/script&gt;" in snippet
    assert "Berättelser om god service" in snippet
    assert '<option value="speed" selected>' in html
    await wall.bot.say("/story config wall off", MOD)
    assert (await wall.get(f"{wall.path}/embed-code")).status == 404
