"""Tag normalising, aliases, names, suggestions and hashtag parsing."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot import tags
from bot.errors import ValidationError
from bot.search_text import words
from bot.taxonomy import TAXONOMY

ROOT = Path(__file__).resolve().parents[2]

# Stored with stories: changing this list breaks existing data, so the test pins it.
STABLE_SLUGS = [
    "accessibility",
    "speed",
    "seen-and-heard",
    "engagement",
    "communication",
    "listening",
    "proactive-information",
    "service-recovery",
    "small-gesture",
    "customer-care",
    "follow-up",
    "phone",
    "in-person",
    "digital",
]


# --- normalise -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "slug"),
    [
        ("speed", "speed"),
        ("#Speed", "speed"),
        ("##speed", "speed"),
        ("  #Good  Service ", "good-service"),
        ("good\tservice\nstory", "good-service-story"),
        ("--a---b--", "a-b"),
        ("# speed", "speed"),
        ("Tillgänglighet", "tillgänglighet"),
        ("ＳＰＥＥＤ", "speed"),  # full-width, folded by NFKC
        ("Straße", "strasse"),  # case folding, not just lower()
        ("follow–up", "follow-up"),  # an en dash from a phone keyboard
        ("2024", "2024"),
        ("x" * 40, "x" * 40),
    ],
)
def test_normalise(raw: str, slug: str) -> None:
    assert tags.normalise(raw) == slug


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "A tag needs at least one letter or digit."),
        ("   ", "A tag needs at least one letter or digit."),
        ("#", "A tag needs at least one letter or digit."),
        ("- -", "A tag needs at least one letter or digit."),
        ("good_service", "A tag can only contain letters, digits and hyphens."),
        ("a.b", "A tag can only contain letters, digits and hyphens."),
        ("wow!", "A tag can only contain letters, digits and hyphens."),
        ("c#", "A tag can only contain letters, digits and hyphens."),
        ("x" * 41, "A tag can be at most {max} characters long."),
        ("#" + "x" * 41, "A tag can be at most {max} characters long."),
    ],
)
def test_normalise_refuses(raw: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        tags.normalise(raw)
    assert caught.value.message == message
    assert caught.value.field == "tags"
    assert caught.value.params["tag"] == raw


def test_too_long_says_the_limit() -> None:
    with pytest.raises(ValidationError) as caught:
        tags.normalise("y" * 41)
    assert caught.value.params["max"] == tags.TAG_MAX == 40


SLUG = re.compile(r"^[\w-]+$")


@given(st.text())
@example("İstanbul")
@example("a_b")
@example("#-#")
@example("ǅ")
def test_normalise_gives_a_clean_slug_or_refuses(raw: str) -> None:
    try:
        slug = tags.normalise(raw)
    except ValidationError as error:
        assert error.field == "tags"
        return
    assert SLUG.match(slug)
    assert "_" not in slug
    assert "--" not in slug
    assert not slug.startswith("-")
    assert not slug.endswith("-")
    assert 0 < len(slug) <= tags.TAG_MAX
    assert tags.normalise(slug) == slug  # stored slugs survive a second pass unchanged


# --- resolve and names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["tillganglighet", "Tillgänglighet", "accessibility", "#Tillgänglighet", "TILLGANGLIGHET"],
)
def test_resolve_maps_both_languages_with_or_without_diacritics(raw: str) -> None:
    assert tags.resolve(raw) == "accessibility"


@pytest.mark.parametrize(
    ("raw", "slug"),
    [
        ("Sedd och hörd", "seen-and-heard"),
        ("sedd-och-hord", "seen-and-heard"),
        ("#Kundvard", "customer-care"),
        ("Felet som blev ett plus", "service-recovery"),
        ("E-mail", "digital"),
        ("på plats", "in-person"),
        ("Follow up", "follow-up"),
        ("followup", "follow-up"),
        ("Good service", "good-service"),  # a free tag keeps its slug
        ("Kaffe", "kaffe"),
        ("blåbär", "blåbär"),  # free tags keep their diacritics
    ],
)
def test_resolve(raw: str, slug: str) -> None:
    assert tags.resolve(raw) == slug


def test_resolve_refuses_like_normalise() -> None:
    with pytest.raises(ValidationError):
        tags.resolve("no_underscores")


def test_every_name_and_alias_resolves_to_its_own_tag() -> None:
    for tag in TAXONOMY:
        for term in (tag.slug, tag.name_en, tag.name_sv, *tag.aliases):
            assert tags.resolve(term) == tag.slug, term
        no_marks = "".join(
            c for c in unicodedata.normalize("NFD", tag.name_sv) if not unicodedata.combining(c)
        )
        assert tags.resolve(no_marks) == tag.slug


def test_builtin_slugs_are_stable_and_valid() -> None:
    assert tags.builtin_slugs() == STABLE_SLUGS
    for slug in STABLE_SLUGS:
        assert tags.normalise(slug) == slug
        assert slug.isascii()


def test_keywords_are_single_words() -> None:
    # suggest() matches word by word; a phrase would silently never match.
    for tag in TAXONOMY:
        for keyword in (*tag.keywords_en, *tag.keywords_sv):
            assert words(keyword) == [keyword.casefold()], (tag.slug, keyword)
        assert tag.keywords_en
        assert tag.keywords_sv


def test_is_builtin() -> None:
    assert tags.is_builtin("speed")
    assert not tags.is_builtin("snabbhet")  # a name, not a slug
    assert not tags.is_builtin("good-service")


def test_display_name() -> None:
    assert tags.display_name("accessibility", "en") == "Accessibility"
    assert tags.display_name("accessibility", "sv") == "Tillgänglighet"
    assert tags.display_name("seen-and-heard", "sv") == "Sedd och hörd"
    assert tags.display_name("good-service", "sv") == "good-service"
    assert tags.display_name("speed", "de") == "Speed"  # unknown language: English


def test_options_sorted_by_name_in_each_language() -> None:
    english = tags.options("en")
    assert [name for _, name in english] == sorted(name for _, name in english)
    assert english[0] == ("accessibility", "Accessibility")
    swedish = tags.options("sv")
    assert swedish[0] == ("digital", "Digitalt")
    assert swedish[-1] == ("follow-up", "Uppföljning")
    assert sorted(slug for slug, _ in swedish) == sorted(STABLE_SLUGS)


def test_swedish_sort_puts_aao_after_z() -> None:
    names = ["Örat", "Zebra", "Ärlig", "Åska", "Apa"]
    ordered = sorted(names, key=lambda name: tags._sort_key(name, "sv"))
    assert ordered == ["Apa", "Zebra", "Åska", "Ärlig", "Örat"]


def test_search_terms() -> None:
    assert tags.search_terms("accessibility") == [
        "accessibility",
        "Accessibility",
        "Tillgänglighet",
    ]
    assert tags.search_terms("kaffe") == ["kaffe"]


# --- suggest ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Förseningen meddelades i god tid.", "proactive-information"),  # keyword "försening"
        ("She listened to every detail.", "listening"),  # keyword "listen"
        ("Hon lyssnade på mig.", "listening"),  # keyword "lyssna"
        ("De ringer upp samma dag.", "phone"),  # keyword "ringa"
        ("He phoned me back.", "phone"),  # keyword "phone"
        ("Chatten svarade på en minut.", "digital"),  # keyword "chatt"
        ("They apologized and sent a replacement.", "service-recovery"),
    ],
)
def test_suggest_matches_inflected_forms(text: str, slug: str) -> None:
    assert slug in tags.suggest(text, limit=len(STABLE_SLUGS))


def test_suggest_ranks_by_distinct_keyword_hits() -> None:
    text = "Paketet blev försenat, men de förvarnade mig i förväg och ringde dessutom."
    assert tags.suggest(text) == ["proactive-information", "phone"]


def test_suggest_counts_each_stem_once() -> None:
    # Three forms of one stem score 1, so the tag with two different hits wins.
    text = "lyssna lyssnade lyssnar; delayed and late"
    assert tags.suggest(text) == ["proactive-information", "listening"]


def test_suggest_ties_keep_taxonomy_order_and_respect_limit() -> None:
    text = "quick phone chat"  # one hit each for speed, phone and digital
    assert tags.suggest(text) == ["speed", "phone", "digital"]
    assert tags.suggest(text, limit=2) == ["speed", "phone"]
    assert tags.suggest(text, limit=0) == []


def test_suggest_english_and_swedish_together() -> None:
    found = tags.suggest("Hon lyssnade and then sent a small gift", limit=5)
    assert found == ["listening", "small-gesture"]


@pytest.mark.parametrize("text", ["", "   ", "!!!", "The weather was nice.", "Jag tog bussen."])
def test_suggest_nothing_without_keywords(text: str) -> None:
    assert tags.suggest(text) == []


def test_suggest_keeps_languages_apart() -> None:
    # The Swedish stemmer turns "listen" into "list"; English "list" must not look like it.
    assert tags.suggest("a list of items") == []
    # Swedish "fast" (although) is deliberately no English speed keyword.
    assert tags.suggest("fast det regnade") == []


def test_keyword_stems_are_computed_lazily() -> None:
    code = "import bot.tags as t; print(t._keyword_stems.cache_info().currsize)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "0"


# --- hashtags --------------------------------------------------------------------------------


def test_parse_hashtags_quick_submit() -> None:
    text, raw = tags.parse_hashtags("the courier called ahead #speed #Tillgänglighet")
    assert text == "the courier called ahead"
    assert raw == ["speed", "Tillgänglighet"]
    assert [tags.resolve(r) for r in raw] == ["speed", "accessibility"]


@pytest.mark.parametrize(
    ("line", "text", "raw"),
    [
        ("ticket #1234 was solved", "ticket #1234 was solved", []),
        ("see story #12 #speed", "see story #12", ["speed"]),
        ("#phone she rang back", "she rang back", ["phone"]),
        ("fixed it #service-recovery!", "fixed it!", ["service-recovery"]),
        ("we love C# here", "we love C# here", []),
        ("posted in <#C0123|general> #digital", "posted in <#C0123|general>", ["digital"]),
        ("#2024-recap was great", "was great", ["2024-recap"]),
        ("line one #speed\nline two", "line one\nline two", ["speed"]),
        ("＃speed works too", "works too", ["speed"]),
        ("# heading stays", "# heading stays", []),
        ("bad #good_tag", "bad", ["good_tag"]),  # kept whole so resolve() can refuse it
        ("no tags at all", "no tags at all", []),
        ("#0000A0#0000A0", "#0000A0#0000A0", []),  # glued: removing one would make a new one
    ],
)
def test_parse_hashtags(line: str, text: str, raw: list[str]) -> None:
    assert tags.parse_hashtags(line) == (text, raw)


def test_parse_hashtags_handles_decomposed_letters() -> None:
    decomposed = unicodedata.normalize("NFD", "tack #Tillgänglighet")
    text, raw = tags.parse_hashtags(decomposed)
    assert text == "tack"
    assert raw == ["Tillgänglighet"]


def test_suggestions_use_dictionary_forms() -> None:
    # Keyword "nådde" and text "når" share the lemma "nå" (stems "nådd" and "når" do not);
    # "föreslår" meets the keyword "föreslog"; "ursäkter" meets "ursäkt".
    from bot.tags import suggest

    assert "accessibility" in suggest("Man når dem alltid")
    assert "customer-care" in suggest("Hon föreslår något")
    assert "service-recovery" in suggest("Vi ber om ursäkter")
    assert suggest("leveranserna var försenade") == suggest("leveransen var försenad")
