"""Headers, conditional requests, methods, language and theme, page structure."""

from __future__ import annotations

import re

from tests.adapters.web.conftest import BASE, MOD, TEXT, Wall


async def test_caching_headers_and_304(wall: Wall) -> None:
    await wall.share()
    first = await wall.get(wall.path)
    etag = first.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    max_age = int(re.search(r"max-age=(\d+)", first.headers["Cache-Control"]).group(1))  # type: ignore[union-attr]
    assert 0 < max_age <= 60
    assert first.headers["Last-Modified"].endswith("GMT")

    again = await wall.get(wall.path, headers={"If-None-Match": etag})
    assert again.status == 304 and await again.read() == b""
    assert again.headers["ETag"] == etag

    # A change makes the old ETag stale on the very next request.
    await wall.bot.say("/story hide 1", MOD)
    changed = await wall.get(wall.path, headers={"If-None-Match": etag})
    assert changed.status == 200 and changed.headers["ETag"] != etag


async def test_if_modified_since_alone_never_hides_a_withdrawal(wall: Wall) -> None:
    await wall.share(title="First story here")
    await wall.share(title="Second story here")
    first = await wall.get(wall.path)
    stamp = first.headers["Last-Modified"]
    await wall.bot.say("/story hide 2", MOD)  # the newest change disappears with the story
    response = await wall.get(wall.path, headers={"If-Modified-Since": stamp})
    assert response.status == 200
    assert "Second story here" not in await response.text()


async def test_strict_csp_and_framing_only_on_embed(wall: Wall) -> None:
    number = await wall.share()
    for path in ("", f"/stories/{number}", "/insights", "/feed.json"):
        response = await wall.get(wall.path + path)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp
        assert response.headers["X-Frame-Options"] == "DENY"
    embed = await wall.get(wall.path + "/embed")
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers


async def test_get_and_head_only(wall: Wall) -> None:
    head = await wall.client.head(wall.path)
    assert head.status == 200 and await head.read() == b""
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        response = await wall.client.request(method, wall.path)
        assert response.status == 405, method


async def test_language_from_query_then_browser_then_community(wall: Wall) -> None:
    await wall.share()
    assert '<html lang="en"' in await (await wall.get(wall.path)).text()
    swedish = await (
        await wall.get(wall.path, headers={"Accept-Language": "sv-SE,en;q=0.5"})
    ).text()
    assert '<html lang="sv"' in swedish and "Berättelser om god service" in swedish
    asked = await (await wall.get(wall.path + "?lang=en", headers={"Accept-Language": "sv"})).text()
    assert '<html lang="en"' in asked
    await wall.bot.say("/story config language sv", MOD)
    assert '<html lang="sv"' in await (await wall.get(wall.path)).text()


async def test_theme_from_query_and_kept_in_links(wall: Wall) -> None:
    number = await wall.share()
    plain = await (await wall.get(wall.path)).text()
    assert "data-theme" not in plain and 'content="light dark"' in plain
    dark = await (await wall.get(wall.path + "?theme=dark")).text()
    assert '<html lang="en" data-theme="dark">' in dark
    assert f"/stories/{number}?theme=dark" in dark
    ignored = await (await wall.get(wall.path + "?theme=%22%3E%3Cscript%3E")).text()
    assert "data-theme" not in ignored and "<script>" not in ignored


async def test_story_page_unfurls_without_review_markup(wall: Wall) -> None:
    number = await wall.share(title="Called <ahead> & beyond")
    html = await (await wall.get(f"{wall.path}/stories/{number}?lang=sv")).text()
    canonical = f"{BASE}{wall.path}/stories/{number}"
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert f'<meta property="og:url" content="{canonical}">' in html
    assert '<meta property="og:title" content="Called &lt;ahead&gt; &amp; beyond">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    assert 'property="og:description"' in html
    for forbidden in ("schema.org", "itemtype", "application/ld+json", "aggregateRating"):
        assert forbidden not in html


async def test_user_text_is_escaped(wall: Wall) -> None:
    await wall.share("<script>alert(1)</script> and the courier was lovely indeed.")
    html = await (await wall.get(wall.path)).text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


async def test_wall_links_its_feeds(wall: Wall) -> None:
    await wall.share(tags=["speed"])
    html = await (await wall.get(wall.path + "?tag=speed")).text()
    for kind, mime in (
        ("rss", "application/rss+xml"),
        ("atom", "application/atom+xml"),
        ("json", "application/feed+json"),
    ):
        href = f"{BASE}{wall.path}/tags/speed/feed.{kind}"
        assert f'<link rel="alternate" type="{mime}"' in html and href in html


async def test_newest_first_story_of_the_week_on_top_tag_filter_and_paging(wall: Wall) -> None:
    for i in range(1, 25):
        await wall.share(
            f"Story number {i:02d} about good service.", tags=["speed"] if i % 2 else []
        )
    await wall.bot.say("/story feature 3", MOD)
    html = await (await wall.get(wall.path)).text()
    order = [int(n) for n in re.findall(r'id="story-(\d+)"', html)]
    assert order[0] == 3 and 'class="story featured"' in html
    assert order[1:] == list(range(24, 4, -1))  # a page of 20, the featured one apart
    older = re.search(r'rel="next" href="[^"]*before=(\d+)', html)
    assert older is not None
    rest = await (await wall.get(f"{wall.path}?before={older.group(1)}")).text()
    assert [int(n) for n in re.findall(r'id="story-(\d+)"', rest)] == [4, 2, 1]
    tagged = await (await wall.get(wall.path + "?tag=speed")).text()
    assert [int(n) for n in re.findall(r'id="story-(\d+)"', tagged)] == list(range(23, 0, -2))


async def test_static_files_and_unknown_ones(wall: Wall) -> None:
    css = await wall.get("/web/static/wall.css")
    assert css.status == 200 and css.content_type == "text/css"
    assert "prefers-color-scheme: dark" in await css.text()
    assert (await wall.get("/web/static/../../bot/config.py")).status == 404
    assert (await wall.get("/web/static/secret.txt")).status == 404
    assert TEXT  # the module's sample text is the default story
