"""Who and what the public wall shows: every visibility rule, withdrawal on the next request,
and one 404 for every address that shows nothing."""

from __future__ import annotations

import dataclasses

from tests.adapters.web.conftest import MOD, TEXT, Wall
from tests.conftest import OTHER_TEAM, actor


async def _wall_html(wall: Wall, query: str = "") -> str:
    response = await wall.get(wall.path + query)
    assert response.status == 200
    return str(await response.text())


async def test_a_consented_chosen_story_appears_on_every_page(wall: Wall) -> None:
    number = await wall.share(title="Called ahead", tags=["speed"])
    html = await _wall_html(wall)
    assert "Called ahead" in html and TEXT in html
    for path in (
        f"/stories/{number}",
        "/feed.rss",
        "/feed.atom",
        "/feed.json",
        "/tags/speed/feed.json",
        "/embed",
    ):
        response = await wall.get(wall.path + path)
        assert response.status == 200, path
        assert "Called ahead" in await response.text(), path


async def test_each_rule_keeps_a_story_off_the_wall(wall: Wall) -> None:
    await wall.share("No consent was given by this customer at all.", consent=False)
    await wall.share("The author did not choose the wall for this one.", on_wall=False)
    hidden = await wall.share("This one a moderator hides from every reader.")
    await wall.bot.say(f"/story hide {hidden}", MOD)
    deleted = await wall.share("This one the author deletes again right away.")
    await wall.bot.say(f"/story delete {deleted}")
    html = await _wall_html(wall)
    assert "No consent" not in html
    assert "did not choose" not in html
    assert "moderator hides" not in html
    assert "deletes again" not in html
    for number in range(1, 5):
        assert (await wall.get(f"{wall.path}/stories/{number}")).status == 404
    feed = await (await wall.get(wall.path + "/feed.json")).json(content_type=None)
    assert feed["items"] == []


async def test_withdrawal_takes_effect_on_the_next_request(wall: Wall) -> None:
    number = await wall.share(title="Soon withdrawn")
    story = f"{wall.path}/stories/{number}"
    assert "Soon withdrawn" in await _wall_html(wall)
    await wall.bot.say(f"/story hide {number}", MOD)
    assert "Soon withdrawn" not in await _wall_html(wall)
    assert (await wall.get(story)).status == 404
    await wall.bot.say(f"/story unhide {number}", MOD)
    assert (await wall.get(story)).status == 200

    # The author unticks the wall choice in the edit form.
    opened = await wall.bot.say(f"/story edit {number}")
    assert opened.form is not None
    await wall.bot.core.handle_form(
        opened.form.action, {"text": TEXT, "consent": True, "on_wall": False}, actor(), "edit-1"
    )
    assert (await wall.get(story)).status == 404
    feed = await (await wall.get(wall.path + "/feed.rss")).text()
    assert "Soon withdrawn" not in feed

    # Back on the wall, then the customer's consent is unticked.
    choices = ({"consent": True, "on_wall": True}, {"consent": False, "on_wall": True})
    for round_, number_values in enumerate(choices):
        opened = await wall.bot.say(f"/story edit {number}")
        assert opened.form is not None
        await wall.bot.core.handle_form(
            opened.form.action, {"text": TEXT, **number_values}, actor(), f"edit-{round_ + 2}"
        )
        shown = (await wall.get(story)).status
        assert shown == (200 if number_values["consent"] else 404)


async def test_turning_the_wall_off_takes_everything_down(wall: Wall) -> None:
    number = await wall.share()
    path = wall.path
    await wall.bot.say("/story config wall off", MOD)
    for suffix in (
        "",
        f"/stories/{number}",
        "/feed.rss",
        "/feed.atom",
        "/feed.json",
        "/embed",
        "/insights",
    ):
        assert (await wall.get(path + suffix)).status == 404, suffix


async def test_a_new_address_retires_the_old_one(wall: Wall) -> None:
    await wall.share()
    old = wall.path
    await wall.bot.say("/story config wall new-address", MOD)
    assert wall.path != old
    assert (await wall.get(old)).status == 404
    assert (await wall.get(wall.path)).status == 200


async def test_unknown_and_off_walls_answer_the_same_404(wall: Wall) -> None:
    await wall.share()
    unknown = await wall.get("/wall/AAAAAAAAAAAAAAAAAAAAAAAA")
    unknown_body = await unknown.read()
    missing_story = await wall.get(f"{wall.path}/stories/99")
    off_path = wall.path
    await wall.bot.say("/story config wall off", MOD)
    off = await wall.get(off_path)
    assert unknown.status == off.status == missing_story.status == 404
    assert unknown_body == await off.read() == await missing_story.read()
    for odd in ("/wall/not*a*token", f"{off_path}/stories/x", f"{off_path}/nothing/here"):
        response = await wall.get(odd)
        assert response.status == 404 and await response.read() == unknown_body, odd
    same = ("Content-Type", "Cache-Control", "Content-Security-Policy", "Vary")
    assert [unknown.headers.get(h) for h in same] == [off.headers.get(h) for h in same]
    assert "ETag" not in off.headers


async def test_public_names_and_masked_contacts(wall: Wall) -> None:
    anna = dataclasses.replace(actor("U-ANNA"), display_name="Anna Maria Svensson")
    await wall.share(
        "Call me on +46 70 123 45 67 or write to anna@example.com about it.",
        who=anna,
        title="Contact",
    )
    await wall.share("Someone who prefers to stay unnamed wrote this.", anonymous=True)
    html = await _wall_html(wall)
    assert "Anna S." in html and "Svensson" not in html
    assert "Anonymous" in html and "U-ANNA" not in html
    assert "anna@example.com" not in html and "123 45 67" not in html
    assert "Anonym" in await _wall_html(wall, "?lang=sv")


async def test_a_story_from_another_community_is_not_on_this_wall(wall: Wall) -> None:
    other = actor("U-EVE", space=OTHER_TEAM)
    await wall.share("A story told in another workspace entirely.", who=other)
    assert "another workspace" not in await _wall_html(wall)
