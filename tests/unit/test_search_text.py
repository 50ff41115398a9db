"""Words, stems, search documents and queries."""

from __future__ import annotations

import threading

from hypothesis import example, given
from hypothesis import strategies as st

from bot import search_text
from bot.ports import SearchDoc, SearchQuery
from bot.search_text import document, query, stems, words


def test_words_split_and_fold() -> None:
    text = "Hej! Det här är #12, e-post: x_y@exempel.se (TACK)."
    assert words(text) == [
        "hej",
        "det",
        "här",
        "är",
        "12",
        "e",
        "post",
        "x",
        "y",
        "exempel",
        "se",
        "tack",
    ]


def test_words_normalise_unicode() -> None:
    assert words("ＴＡＣＫ ｓå") == ["tack", "så"]  # full-width forms, NFKC
    assert words("Straße") == ["strasse"]  # case folding
    assert words("İstanbul") == ["istanbul"]  # no stray combining dot splitting the word
    assert words("Tilla\u0308gg") == ["tillägg"]  # decomposed ä is composed, not a separator


def test_words_of_nothing() -> None:
    assert words("") == []
    assert words(" \t\n—!?#@") == []


@given(st.text())
@example("a_b-c'd\"e*f(g)h:i^j~k")
@example("ǅ İ ﷺ ½ ²")
def test_words_are_only_letters_and_digits(text: str) -> None:
    found = words(text)
    for word in found:
        assert word
        assert all(c.isalnum() for c in word), word
        assert "_" not in word
    # Joining and splitting again is stable: nothing the FTS layer sees can re-split.
    assert words(" ".join(found)) == found


@given(st.text())
def test_stems_are_only_letters_and_digits(text: str) -> None:
    for word in words(text):
        found = stems(word)
        assert 1 <= len(found) <= 2
        assert len(set(found)) == len(found)
        assert all(stem and all(c.isalnum() for c in stem) for stem in found)


def test_stems_in_both_languages() -> None:
    assert stems("lyssnade") == ("lyssn", "lyssnad")  # Swedish first, then English
    assert stems("listened") == ("listened", "listen")
    assert stems("förseningen") == ("försening", "förseningen")
    assert stems("kaffe") == ("kaff",)  # both agree: one stem
    assert stems("") == ()


def test_document_body_and_strong() -> None:
    doc = document(
        title="Ringde före",
        text="Butiken ringde om förseningen.",
        customer="Cykelbutiken",
        tag_terms=["phone", "Phone", "Telefon"],
    )
    body = doc.body.split()
    strong = doc.strong.split()
    assert len(body) == len(set(body))  # de-duplicated
    # Dictionary forms: "ringde" -> "ringa", "Butiken" -> "butik", "phone" stays "phone".
    assert {"ringa", "försening", "butik", "cykelbutik", "telefon", "phone"} <= set(body)
    assert "försening" not in strong  # only in the text
    assert "cykelbutik" not in strong  # only the customer
    assert {"ringa", "före", "telefon", "phone"} <= set(strong)
    assert set(strong) <= set(body)
    # "Cykelbutiken" is cykel + butik; "butik" is already a word of the story, so it is
    # not repeated among the parts.
    assert "cykel" in doc.parts.split() and "butik" not in doc.parts.split()


def test_document_is_deterministic_in_first_seen_order() -> None:
    doc = document("Xq a", "a zz", None, ["qd"])
    assert doc == SearchDoc(body="xq a zz qd", strong="xq a qd")
    assert document("Xq a", "a zz", None, ["qd"]) == doc


def test_document_without_customer_or_tags() -> None:
    assert document("Tack", "Tack så mycket", "", []) == SearchDoc(
        body="tack så mycket", strong="tack"
    )


def test_query_groups_one_per_distinct_word() -> None:
    assert query("Lyssnade, lyssnade!") == SearchQuery(groups=(("lyssna",),), in_parts=(True,))
    # Words both dictionaries know get both forms; unknown words their Snowball stems.
    assert query("kaffe listened zqxw") == SearchQuery(
        groups=(("kaffe",), ("listen",), ("zqxw",)), in_parts=(True, True, True)
    )
    # Under four letters a word matches whole words only, never a compound part.
    assert query("fel kaffe").in_parts == (False, True)


def test_query_caps_groups() -> None:
    many = " ".join(f"ord{i}" for i in range(15))
    groups = query(many).groups
    assert len(groups) == search_text.QUERY_GROUPS_MAX == 10
    assert groups[0] == ("ord0",)
    assert groups[-1] == ("ord9",)


def test_empty_query() -> None:
    assert query("") == SearchQuery(groups=(), in_parts=())
    assert query("?! -- #") == SearchQuery(groups=(), in_parts=())


def test_inflected_query_finds_the_story() -> None:
    # The contract storage relies on: a group matches when any of its stems is in the body.
    body = set(
        document("", "De ringer alltid tillbaka när något är försenat.", None, []).body.split()
    )
    for search in ("ringde", "ringa", "försenade", "tillbaka"):
        for group in query(search).groups:
            assert set(group) & body, search
    assert not all(set(group) & body for group in query("ringde kaffe").groups)


def test_stemmers_are_per_thread() -> None:
    expected = [stems(w) for w in words("lyssnade ringde förseningen listened delayed")]
    seen: list[object] = []
    results: list[list[tuple[str, ...]]] = []
    lock = threading.Lock()

    def work() -> None:
        out = [stems(w) for w in words("lyssnade ringde förseningen listened delayed") * 200]
        with lock:
            seen.append(search_text._stemmer("sv"))
            results.append(out[:5])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4
    assert len({id(stemmer) for stemmer in seen}) == 4
    assert search_text._stemmer("sv") is search_text._stemmer("sv")


def test_stop_words_do_not_narrow_a_search() -> None:
    from bot.search_text import query, terms

    assert query("the delay").groups == (terms("delay"),)
    assert query("om förseningen").groups == (terms("förseningen"),)
    assert query("the").groups == (terms("the"),)  # nothing else to search for


def test_terms_are_lemmas_with_stems_for_unknown_words() -> None:
    assert search_text.terms("leveranser") == search_text.terms("leverans") == ("leverans",)
    assert search_text.terms("bytte") == search_text.terms("byta") == ("byta",)
    assert search_text.terms("hotellets") == ("hotell",)
    assert search_text.terms("delayed") == search_text.terms("delays") == ("delay",)
    assert search_text.terms("zqxwing") == search_text.stems("zqxwing")


def test_compounds_split_into_parts_with_the_linking_s() -> None:
    assert search_text.parts("fakturafelet") == ("faktura", "fel")
    assert search_text.parts("butiksbiträdet") == ("butik", "biträde")
    assert "ersättning" in search_text.parts("ersättningsbussar")
    assert set(search_text.terms("buss")) & set(search_text.parts("ersättningsbussar"))
    assert search_text.parts("rafael") == ()  # not a compound
    assert search_text.parts("kaffe") == ()  # too short to hold two parts


def test_a_word_that_is_itself_a_dictionary_form_keeps_itself() -> None:
    # simplemma files "ursäkt" under the verb "ursäkta" but "ursäkten" under "ursäkt":
    # without the word itself, a search for "ursäkt" would miss "ursäkten".
    assert set(search_text.terms("ursäkt")) & set(search_text.terms("ursäkten"))
    assert search_text.language_terms("zqxwing", "sv") == (search_text.stems("zqxwing")[0],)


def test_splitting_stays_cheap_on_long_hostile_words() -> None:
    # Many known prefixes at every cut: without memoising, the split search is exponential.
    assert search_text.parts("kund" * 10) == search_text.parts("kund" * 10)
    assert search_text.parts("kund" * 11) == ()  # beyond COMPOUND_MAX: not split at all
    doc = search_text.document("", "buss" * 30 + " " + "a" * 500, None, [])
    assert doc.parts == ""
