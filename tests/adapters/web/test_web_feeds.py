"""The wall's feeds, parsed back: RSS 2.0 and Atom by feedparser, JSON Feed 1.1 by its
required fields; permanent tag: ids, newest first, CORS open."""

from __future__ import annotations

import feedparser

from tests.adapters.web.conftest import BASE, MOD, Wall

TAG_ID = "tag:stories.example.test,2026:storybot/1/story/{}"


async def _publish_three(wall: Wall) -> None:
    await wall.share("The first story of three, about speed.", title="One", tags=["speed"])
    await wall.share("The second story of three, about care.", title="Two", tags=["customer-care"])
    await wall.share("The third story of three, about speed.", title="Three", tags=["speed"])


async def test_rss_and_atom_parse_back_newest_first(wall: Wall) -> None:
    await _publish_three(wall)
    for kind, version in (("rss", "rss20"), ("atom", "atom10")):
        response = await wall.get(f"{wall.path}/feed.{kind}")
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        parsed = feedparser.parse(await response.read())
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.version == version
        assert [e.title for e in parsed.entries] == ["Three", "Two", "One"]
        assert [e.id for e in parsed.entries] == [TAG_ID.format(n) for n in (3, 2, 1)]
        assert parsed.entries[0].link == f"{BASE}{wall.path}/stories/3"
        assert parsed.entries[0].author == "Anna"


async def test_tag_feeds_hold_only_that_tag(wall: Wall) -> None:
    await _publish_three(wall)
    for kind in ("rss", "atom"):
        parsed = feedparser.parse(
            await (await wall.get(f"{wall.path}/tags/speed/feed.{kind}")).read()
        )
        assert [e.title for e in parsed.entries] == ["Three", "One"]
    data = await (await wall.get(f"{wall.path}/tags/customer-care/feed.json")).json(
        content_type=None
    )
    assert [item["title"] for item in data["items"]] == ["Two"]


async def test_json_feed_has_the_required_fields(wall: Wall) -> None:
    await _publish_three(wall)
    response = await wall.get(f"{wall.path}/feed.json")
    assert response.content_type == "application/feed+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = await response.json(content_type=None)
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(data["title"], str) and data["title"]
    assert data["feed_url"] == f"{BASE}{wall.path}/feed.json"
    assert isinstance(data["items"], list) and len(data["items"]) == 3
    for item in data["items"]:
        assert isinstance(item["id"], str) and item["id"].startswith("tag:")
        assert item.get("content_text") or item.get("content_html")
        assert item["authors"] == [{"name": "Anna"}]
    assert [item["title"] for item in data["items"]] == ["Three", "Two", "One"]


async def test_ids_survive_a_new_address(wall: Wall) -> None:
    await _publish_three(wall)
    before = await (await wall.get(f"{wall.path}/feed.json")).json(content_type=None)
    await wall.bot.say("/story config wall new-address", MOD)
    after = await (await wall.get(f"{wall.path}/feed.json")).json(content_type=None)
    assert [i["id"] for i in before["items"]] == [i["id"] for i in after["items"]]


async def test_feed_is_withdrawn_on_the_next_request(wall: Wall) -> None:
    await _publish_three(wall)
    await wall.bot.say("/story delete 2", MOD)
    parsed = feedparser.parse(await (await wall.get(f"{wall.path}/feed.atom")).read())
    assert [e.title for e in parsed.entries] == ["Three", "One"]


async def test_a_tag_with_odd_characters_links_a_feed_that_answers(wall: Wall) -> None:
    await wall.share("A story tagged with a free tag full of spaces.", tags=["late night"])
    html = await (await wall.get(wall.path + "?tag=a%2Fb%3Fc")).text()
    assert f"{wall.path}/tags/a%2Fb%3Fc/feed.rss" in html
    response = await wall.get(f"{wall.path}/tags/a%2Fb%3Fc/feed.json")
    assert response.status == 200
    assert (await response.json(content_type=None))["items"] == []
