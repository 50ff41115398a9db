"""Generated stories for the bench: Swedish and English text from a small built-in vocabulary,
tags in a Zipf-like skew, and their search text computed by the core's own rules.

Nothing here is personal data: names are invented, and there are no e-mail addresses or phone
numbers, so the core's masking leaves the text as generated.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bot import search_text, tags

COMMON_WORD = "customer"  # in almost every English story
RARE_WORD = "zeppelin"  # in a handful of stories, whatever the size
SWEDISH_INFLECTED = "förseningarna"  # the stories say "förseningen"/"försening"
TWO_WORDS = "customer refund"  # two words that meet in some English stories
COMPOUND_PART = "buss"  # only inside compounds: "ersättningsbussen", "bussförarens"
RARE_EVERY = 50_000  # one story in this many mentions the rare word (at least one does)

_EN_SUBJECTS = [
    "The customer",
    "A regular customer",
    "An elderly customer",
    "A customer in a hurry",
    "A new customer",
    "The customer on the night train",
    "A customer with a large dog",
    "A worried customer",
]
_EN_PROBLEMS = [
    "had missed the last connection because of a delay",
    "could not find the booking in the app",
    "was charged twice for the same ticket",
    "lost a bag somewhere between two stations",
    "needed help with a wheelchair ramp",
    "got the wrong meal at the restaurant",
    "was waiting for a refund for weeks",
    "could not read the small print on the invoice",
    "called about a broken heater in the room",
    "was stuck in the queue for a long time",
]
_EN_ACTIONS = [
    "Our colleague stayed calm, listened and explained every option",
    "We booked a taxi and followed up the next morning",
    "She walked the customer to the right platform herself",
    "He found the bag in the lost property office within an hour",
    "The team sent a handwritten card together with the refund",
    "We called back before the promised time with good news",
    "They fixed the problem and offered a coffee while waiting",
    "Our support desk wrote a clear summary of what would happen next",
]
_EN_ENDINGS = [
    "The customer left smiling and thanked everyone.",
    "A week later the customer wrote a lovely review.",
    "Small things like that make the difference.",
    "Everyone in the queue noticed the kindness.",
    "It turned a bad day into a good memory.",
]
_SV_SUBJECTS = [
    "Kunden",
    "En stamkund",
    "En äldre resenär",
    "En stressad kund",
    "En ny kund",
    "Kunden på nattåget",
    "En resenär med en stor hund",
    "En orolig kund",
]
_SV_PROBLEMS = [
    "hade missat sista anslutningen på grund av förseningen",
    "hittade inte bokningen i appen efter en försening",
    "hade blivit debiterad två gånger för samma biljett",
    "tappade bort en väska mellan två stationer",
    "behövde hjälp med rullstolsrampen",
    "fick fel måltid i restaurangvagnen",
    "hade väntat på en återbetalning i flera veckor",
    "förstod inte det finstilta på fakturan",
    "ringde om ett trasigt element på rummet",
    "stod länge i kön till kundtjänst",
    "väntade på ersättningsbussen i en timme",
    "hittade ett fakturafel och blev orolig",
]
_SV_ACTIONS = [
    "Vår kollega var lugn, lyssnade och förklarade alla alternativ",
    "Vi bokade en taxi och följde upp nästa morgon",
    "Hon följde själv kunden till rätt perrong",
    "Han hittade väskan på hittegodset inom en timme",
    "Teamet skickade ett handskrivet kort tillsammans med återbetalningen",
    "Vi ringde tillbaka före utlovad tid med goda nyheter",
    "De löste problemet och bjöd på kaffe under väntan",
    "Kundtjänst skrev en tydlig sammanfattning av vad som skulle hända",
    "Butiksbiträdet ringde bussförarens växel och ordnade skjuts",
]
_SV_ENDINGS = [
    "Kunden gick därifrån glad och tackade alla.",
    "En vecka senare skrev kunden ett fint omdöme.",
    "Sådana små saker gör skillnad.",
    "Alla i kön märkte vänligheten.",
    "En dålig dag blev ett fint minne.",
]
_EN_TITLES = ["Saved the trip", "Calm in the storm", "Above and beyond", "A small gesture"]
_SV_TITLES = ["Räddade resan", "Lugn i stormen", "Mer än väntat", "En liten gest"]
_CUSTOMERS = [None, None, None, "Hotel guest", "Resenär", "Family with children", "Stamkund"]

FREE_TAGS = 186  # invented free tags after the 14 built-in ones: a long tail of rare tags


def tag_pool() -> list[str]:
    """Every tag in Zipf rank order: built-ins first (most used), then the free tail."""
    return tags.builtin_slugs() + [f"topic-{i:03d}" for i in range(1, FREE_TAGS + 1)]


def rare_tag() -> str:
    return tag_pool()[-1]


@dataclass(frozen=True, slots=True)
class _Piece:
    text: str
    stems: tuple[str, ...]  # search_text's terms of the piece's words, first occurrences
    parts: tuple[str, ...]  # search_text's compound parts of its words


def _piece(text: str) -> _Piece:
    found = search_text.words(text)
    stems = (s for w in found for s in search_text.terms(w))
    parts = (p for w in found for p in search_text.parts(w))
    # First occurrences are all that count.
    return _Piece(text, tuple(dict.fromkeys(stems)), tuple(dict.fromkeys(parts)))


def _sentences(subjects: list[str], problems: list[str], actions: list[str]) -> list[_Piece]:
    return [_piece(f"{s} {p}. {a}.") for s, p, a in itertools.product(subjects, problems, actions)]


@dataclass(frozen=True, slots=True)
class GeneratedStory:
    """The text of a story as the core would store it; who and when are up to the seeder."""

    title: str
    text: str
    customer: str | None
    tags: tuple[str, ...]
    anonymous: bool
    consent: bool
    search_body: str
    search_strong: str
    search_parts: str


def _ordered_unique(parts: Sequence[tuple[str, ...]]) -> str:
    return " ".join(dict.fromkeys(itertools.chain.from_iterable(parts)))


class Corpus:
    """A deterministic stream of stories (seeded RNG), fast enough for a million."""

    def __init__(self, seed: int = 5) -> None:
        self._rng = random.Random(seed)
        self._languages = {
            "en": (
                _sentences(_EN_SUBJECTS, _EN_PROBLEMS, _EN_ACTIONS),
                [_piece(e) for e in _EN_ENDINGS],
                [_piece(t) for t in _EN_TITLES],
            ),
            "sv": (
                _sentences(_SV_SUBJECTS, _SV_PROBLEMS, _SV_ACTIONS),
                [_piece(e) for e in _SV_ENDINGS],
                [_piece(t) for t in _SV_TITLES],
            ),
        }
        self._rare = _piece(f"It arrived by {RARE_WORD}, believe it or not.")
        self._customers = {c: _piece(c) for c in _CUSTOMERS if c}
        self._tags = tag_pool()
        self._tag_stems = {slug: self._tag_terms(slug) for slug in self._tags}
        self._tag_parts = {slug: self._tag_parts(slug) for slug in self._tags}
        weights = [1 / (rank**1.1) for rank in range(1, len(self._tags) + 1)]
        self._cumulative = list(itertools.accumulate(weights))

    def reseed(self, seed: int) -> None:
        self._rng.seed(seed)

    @staticmethod
    def _tag_terms(slug: str) -> tuple[str, ...]:
        return tuple(
            s
            for term in tags.search_terms(slug)
            for w in search_text.words(term)
            for s in search_text.terms(w)
        )

    @staticmethod
    def _tag_parts(slug: str) -> tuple[str, ...]:
        return tuple(
            p
            for term in tags.search_terms(slug)
            for w in search_text.words(term)
            for p in search_text.parts(w)
        )

    def _pick_tags(self) -> tuple[str, ...]:
        count = self._rng.choice((1, 1, 2, 2, 3))
        picked = self._rng.choices(self._tags, cum_weights=self._cumulative, k=count)
        return tuple(dict.fromkeys(picked))

    def story(self, index: int) -> GeneratedStory:
        rng = self._rng
        sentences, endings, titles = self._languages["sv" if rng.random() < 0.4 else "en"]
        title = rng.choice(titles)
        body = [rng.choice(sentences) for _ in range(rng.randint(1, 3))]
        body.append(rng.choice(endings))
        if index % RARE_EVERY == 7:
            body.append(self._rare)
        customer_name = rng.choice(_CUSTOMERS)
        customer = self._customers[customer_name] if customer_name else None
        slugs = self._pick_tags()
        tag_stems = [self._tag_stems[slug] for slug in slugs]
        pieces = [title, *body, *([customer] if customer else [])]
        body_terms = _ordered_unique(
            [title.stems, *(p.stems for p in body), customer.stems if customer else (), *tag_stems]
        )
        in_body = set(body_terms.split())
        parts = [p.parts for p in pieces] + [self._tag_parts[slug] for slug in slugs]
        return GeneratedStory(
            title=title.text,
            text=" ".join(p.text for p in body),
            customer=customer_name,
            tags=slugs,
            anonymous=rng.random() < 0.1,
            consent=rng.random() < 0.5,
            search_body=body_terms,
            search_strong=_ordered_unique([title.stems, *tag_stems]),
            search_parts=" ".join(
                t for t in dict.fromkeys(itertools.chain.from_iterable(parts)) if t not in in_body
            ),
        )

    def stories(self, count: int) -> Iterator[GeneratedStory]:
        for index in range(count):
            yield self.story(index)


def created_at(index: int, total: int, now: dt.datetime) -> dt.datetime:
    """Spread over the last two years, oldest first, so numbers grow with time."""
    span = dt.timedelta(days=730)
    return now - span + span * (index + 1) / max(total, 1)
