"""adapters.discord.member_names: names seen lately, for TTL seconds, at most MAX entries."""

from __future__ import annotations

from adapters.discord.member_names import MemberNames


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_name_is_kept_per_server_until_it_expires() -> None:
    clock = Clock()
    names = MemberNames(ttl=60, clock=clock)
    names.remember(1, {"7": "Bo at Billing"})
    assert names.get(1, "7") == "Bo at Billing"
    assert names.get(2, "7") is None  # a nickname belongs to one server
    clock.now = 59
    assert names.get(1, "7") == "Bo at Billing"
    clock.now = 60
    assert names.get(1, "7") is None


def test_the_oldest_names_go_first_past_the_limit() -> None:
    names = MemberNames(max_entries=2, clock=Clock())
    names.remember(1, {"1": "Ann", "2": "Bo"})
    names.remember(1, {"1": "Ann Lind"})  # seen again: now the newest
    names.remember(1, {"3": "Cy"})
    assert (names.get(1, "1"), names.get(1, "2"), names.get(1, "3")) == ("Ann Lind", None, "Cy")


def test_nothing_is_kept_outside_a_server_or_without_a_name() -> None:
    names = MemberNames(clock=Clock())
    names.remember(None, {"1": "Ann"})
    names.remember(1, {"2": ""})
    assert names.get(1, "1") is None and names.get(1, "2") is None
