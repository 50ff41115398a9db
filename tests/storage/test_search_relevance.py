"""A relevance set for search (issue 16): Swedish and English inflections, irregular verbs and
Swedish compound parts, each query naming the stories it must find on the first page.

The stories are indexed and the queries built by the core's own rules (bot.indexing,
bot.search_text); the same set runs on SQLite, PostgreSQL and the in-memory fake, and the
three must return the same pages. Recall per group is printed (`pytest -s`).
"""

from __future__ import annotations

from collections.abc import Callable

from bot import indexing, search_text
from bot.ports import UnitOfWork
from tests.fakes.memory import FakeDatabase
from tests.storage.builders import UowFactory, make_story, new_community

PAGE = 10  # the first page the core shows (bot.handlers.reading.PAGE_SIZE)

# key: (title, text, tags)
STORIES: dict[str, tuple[str, str, list[str]]] = {
    "leverans": ("Paketet kom", "Kunden väntade på en leverans som kom fram i tid.", []),
    "bytte": ("Ny biljett", "Vi bytte biljetten åt henne utan kostnad.", []),
    "hotellets": ("Sen incheckning", "Hotellets reception höll öppet åt gästen.", []),
    "forsening": ("Lugn i stormen", "Efter förseningen ordnade vi taxi hem.", []),
    "gick": ("Hela vägen", "Hon gick med resenären till perrongen.", []),
    "skrev": ("Ett fint brev", "Han skrev ett långt och personligt mejl.", []),
    "vaska": ("Upphittad", "Väskan hittades efter en timme.", []),
    "faktura": ("Rätt belopp", "Fakturan var fel men rättades samma dag.", ["billing"]),
    "ringer": ("Alltid tillbaka", "Vi ringer alltid tillbaka samma dag.", []),
    "barn": ("Nallen", "Ett barn hade tappat sin nalle på tåget.", []),
    "stationer": ("Mellan stopp", "Resenären var vilse mellan två stationer.", []),
    "aterbetalning": ("Pengarna tillbaka", "Återbetalningen kom redan nästa dag.", []),
    "springer": ("I sista stund", "Han springer efter resenären med plånboken.", []),
    "delayed": ("Kept calm", "The train was delayed and we kept everyone informed.", []),
    "refunded": ("Money back", "We refunded the ticket the same afternoon.", []),
    "child": ("The teddy bear", "A child lost her teddy bear and we found it.", []),
    "goes": ("The extra mile", "She always goes to the platform with travellers.", []),
    "writes": ("A kind letter", "He writes a personal letter to every guest.", []),
    "bag": ("Lost and found", "The guest lost his bag in the lobby.", []),
    "station": ("Right platform", "We met the family at the station.", []),
    "called": ("Called back", "Our colleague called back within ten minutes.", []),
    "bookings": ("Double trouble", "There were two bookings for the same room.", []),
    "ran": ("Just in time", "He ran to catch the guest before the bus left.", []),
    "waiting": ("Patience", "The couple had been waiting for hours.", []),
    "hotel": ("Upgrade", "The hotel upgraded the guests for free.", []),
    "fakturafel": ("Rättat", "Fakturafelet rättades direkt av ekonomi.", []),
    "ersattningsbuss": ("Ny plan", "Vi ordnade ersättningsbussar till alla.", []),
    "butiksbitrade": ("Eloge", "Butiksbiträdet stannade kvar efter stängning.", []),
    "kundtjanst": ("Snabbt svar", "Kundtjänsten svarade inom en minut.", []),
    "hotellrum": ("Utsikt", "Hotellrummet byttes mot ett med utsikt.", []),
    "biljettautomat": ("Trasig maskin", "Biljettautomaten var trasig så vi sålde på plats.", []),
    "restaurangvagn": ("Kaffe", "Restaurangvagnen bjöd alla på kaffe.", []),
    "leveransproblem": ("Löst", "Leveransproblemen löstes under veckan.", []),
    "fel": ("Misstaget", "Det blev fel i bokningen men vi ordnade det.", []),
    "rafael": ("Tack Rafael", "Rafael hjälpte en vilsen familj.", []),
}

# (group, query, stories that must be on the first page)
PAIRS: list[tuple[str, str, list[str]]] = [
    ("Swedish inflections", "leveranser", ["leverans"]),
    ("Swedish inflections", "leveransen", ["leverans"]),
    ("Swedish inflections", "byta", ["bytte"]),
    ("Swedish inflections", "byter", ["bytte"]),
    ("Swedish inflections", "hotell", ["hotellets"]),
    ("Swedish inflections", "hotellen", ["hotellets"]),
    ("Swedish inflections", "förseningarna", ["forsening"]),
    ("Swedish inflections", "gå", ["gick"]),
    ("Swedish inflections", "skriva", ["skrev"]),
    ("Swedish inflections", "väskor", ["vaska"]),
    ("Swedish inflections", "fakturor", ["faktura"]),
    ("Swedish inflections", "ringde", ["ringer"]),
    ("Swedish inflections", "barnen", ["barn"]),
    ("Swedish inflections", "biljetter", ["bytte"]),
    ("Swedish inflections", "stationen", ["stationer"]),
    ("Swedish inflections", "återbetalningar", ["aterbetalning"]),
    ("Swedish inflections", "sprang", ["springer"]),
    ("English inflections", "delay", ["delayed"]),
    ("English inflections", "delays", ["delayed"]),
    ("English inflections", "refunds", ["refunded"]),
    ("English inflections", "refund", ["refunded"]),
    ("English inflections", "children", ["child"]),
    ("English inflections", "went", ["goes"]),
    ("English inflections", "wrote", ["writes"]),
    ("English inflections", "bags", ["bag"]),
    ("English inflections", "stations", ["station"]),
    ("English inflections", "calling", ["called"]),
    ("English inflections", "booking", ["bookings"]),
    ("English inflections", "running", ["ran"]),
    ("English inflections", "waited", ["waiting"]),
    ("English inflections", "hotels", ["hotel"]),
    ("Swedish compound parts", "faktura", ["faktura", "fakturafel"]),
    ("Swedish compound parts", "buss", ["ersattningsbuss"]),
    ("Swedish compound parts", "butik", ["butiksbitrade"]),
    ("Swedish compound parts", "ersättning", ["ersattningsbuss"]),
    ("Swedish compound parts", "biträde", ["butiksbitrade"]),
    ("Swedish compound parts", "tjänst", ["kundtjanst"]),
    ("Swedish compound parts", "hotell", ["hotellets", "hotellrum"]),
    ("Swedish compound parts", "biljett", ["biljettautomat"]),
    ("Swedish compound parts", "automat", ["biljettautomat"]),
    ("Swedish compound parts", "restaurang", ["restaurangvagn"]),
    ("Swedish compound parts", "vagn", ["restaurangvagn"]),
    ("Swedish compound parts", "problem", ["leveransproblem"]),
]

REQUIRED = {"Swedish inflections": 1.0, "English inflections": 1.0, "Swedish compound parts": 0.8}


async def _load(uows: Callable[[], UnitOfWork]) -> tuple[int, dict[int, str]]:
    community = await new_community(uows)  # type: ignore[arg-type]
    keys: dict[int, str] = {}
    async with uows() as uow:
        for number, (key, (title, text, tags)) in enumerate(STORIES.items(), 1):
            story = make_story(community, number, title=title, text=text, tags=tags)
            await uow.stories.add(story, indexing.search_doc(story))
            keys[number] = key
        await uow.commit()
    return community, keys


async def _first_pages(uows: Callable[[], UnitOfWork]) -> dict[str, list[tuple[str, int]]]:
    community, keys = await _load(uows)
    pages: dict[str, list[tuple[str, int]]] = {}
    async with uows() as uow:
        for words in sorted({q for _, q, _ in PAIRS} | {"fel", "rafael"}):
            page = await uow.stories.search(community, search_text.query(words), None, PAGE)
            pages[words] = [(keys[r.story.number], r.rank) for r in page.items]
    return pages


def _recall(pages: dict[str, list[tuple[str, int]]]) -> dict[str, float]:
    found: dict[str, list[bool]] = {}
    misses = []
    for group, words, expected in PAIRS:
        on_page = {key for key, _ in pages[words]}
        for key in expected:
            found.setdefault(group, []).append(key in on_page)
            if key not in on_page:
                misses.append(f"{words!r} -> {key}")
    recall = {group: sum(hits) / len(hits) for group, hits in found.items()}
    for group, value in recall.items():
        print(f"search recall, {group}: {value:.0%} ({len(found[group])} pairs)")
    if misses:
        print("missed:", ", ".join(misses))
    return recall


def _check(pages: dict[str, list[tuple[str, int]]]) -> None:
    assert sum(len(expected) for _, _, expected in PAIRS) >= 40
    recall = _recall(pages)
    for group, required in REQUIRED.items():
        assert recall[group] >= required, (group, recall[group])
    # The word itself before the compound that holds it, whatever is newer.
    faktura = [key for key, _ in pages["faktura"]]
    assert faktura.index("faktura") < faktura.index("fakturafel")
    hotell = [key for key, _ in pages["hotell"]]
    assert hotell.index("hotellets") < hotell.index("hotellrum")
    # No false friends: "fel" (three letters) finds the word, never "Rafael" or "fakturafelet".
    assert next(key for key, _ in pages["fel"]) in {"fel", "faktura"}
    assert "rafael" not in {key for key, _ in pages["fel"]}
    assert "fakturafel" not in {key for key, _ in pages["fel"]}
    assert [key for key, _ in pages["rafael"]] == ["rafael"]


async def test_relevance_set_on_the_database(uows: UowFactory) -> None:
    real = await _first_pages(uows)
    _check(real)
    # Same stories, same order, same tiers as the fake.
    assert real == await _first_pages(FakeDatabase().factory())


async def test_relevance_set_on_the_fake() -> None:
    _check(await _first_pages(FakeDatabase().factory()))
