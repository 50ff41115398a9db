"""The text rules both adapters share: UTF-16 lengths, cutting, and the redelivery filter."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from adapters.redelivery import RecentRequests
from adapters.text import ELLIPSIS, prefix, shorten, units


def test_units_count_like_javascript() -> None:
    assert units("abc") == 3
    assert units("😀") == 2  # outside the Basic Multilingual Plane: a surrogate pair
    assert units("å") == 1


def test_a_pair_is_never_split() -> None:
    assert prefix("a😀b", 2) == "a"
    assert prefix("a😀b", 3) == "a😀"
    assert shorten("😀😀😀", 4) == "😀" + ELLIPSIS


@given(st.text(), st.integers(min_value=0, max_value=50))
def test_shorten_fits_and_marks_the_cut(text: str, limit: int) -> None:
    cut = shorten(text, limit)
    assert units(cut) <= limit
    assert cut == text or cut.endswith(ELLIPSIS) or cut == ""
    assert text.startswith(prefix(text, limit))


def test_a_request_seen_twice_is_a_repeat_until_it_is_old() -> None:
    now = [0.0]
    recent = RecentRequests(ttl=10, max_entries=2, clock=lambda: now[0])
    assert recent.first_time("a")
    assert not recent.first_time("a")
    now[0] = 11
    assert recent.first_time("a")
    assert recent.first_time("b") and recent.first_time("c")
    assert recent.first_time("a")  # the oldest went to make room
