"""Masking e-mail addresses and phone numbers without eating dates, prices or refs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.privacy import Masked, mask

PHONES = [
    "070-555 12 52",
    "0705551252",
    "08-123 456 78",
    "08 123 456 78",
    "(08) 123 456 78",
    "070.555.12.52",
    "+46 70 555 12 52",
    "+46705551252",
    "+46 (0)70-555 12 52",
    "0046 70 555 12 52",
    "+1 (555) 123-4567",
    "+44 20 7946 0958",
]


@pytest.mark.parametrize("number", PHONES)
def test_masks_phone_numbers(number: str) -> None:
    result = mask(f"Ring {number} om du vill tacka.")
    assert result == Masked("Ring [phone] om du vill tacka.", emails=0, phones=1)
    assert result.changed


@pytest.mark.parametrize("number", PHONES)
def test_masks_phone_numbers_at_the_edges(number: str) -> None:
    assert mask(number).text == "[phone]"
    assert mask(f"({number})").text == "([phone])"
    assert mask(f"tel: {number}.").text == "tel: [phone]."


@pytest.mark.parametrize(
    "text",
    [
        "We met on 2024-05-12 at 09:00.",
        "Öppet 09:00-17:00 och 09.00-17.00 på lördagar.",
        "Leveransen kom 05.12.2024, inte 2024-12-05.",
        "Back in 2019 and again in 2024.",
        "Det kostade 1 250 kr, sen 12 500 kr.",
        "It cost $1,250.00 or 1.250,00 €.",
        "See story #12 and ticket #0705551252.",
        "Short numbers: 0, 07, 112, 1177, 90 000.",
        "Order 123456789 and invoice 5551234567.",
        "Satisfaction rose 15 % to 98%.",
        "A ratio of 0.12345678 is tiny.",
        "Version v1.2.0123456789 shipped.",
        "Too many digits: 0123 4567 8901 2345 6789.",
        "Too few: 070-55 12.",
    ],
)
def test_leaves_other_numbers_alone(text: str) -> None:
    result = mask(text)
    assert result == Masked(text, emails=0, phones=0)
    assert not result.changed


@pytest.mark.parametrize(
    "address",
    [
        "anna@example.com",
        "anna.berg+service@exempel.se",
        "ÅSA@företaget.se",
        "support@mail.example.co.uk",
        "0705551252@sms.example.se",
    ],
)
def test_masks_email_addresses(address: str) -> None:
    result = mask(f"Mejla {address}, tack.")
    assert result == Masked("Mejla [e-mail], tack.", emails=1, phones=0)


@pytest.mark.parametrize(
    "text",
    ["Thanks @anna!", "user@localhost is no address", "a@b.c", "@@", "x@.se", "e-mail me"],
)
def test_leaves_non_addresses_alone(text: str) -> None:
    assert mask(text) == Masked(text)


def test_counts_every_occurrence() -> None:
    text = "Ring 070-555 12 52 eller 08-123 456 78, mejla a@b.se eller c@d.se."
    result = mask(text)
    assert result.text == "Ring [phone] eller [phone], mejla [e-mail] eller [e-mail]."
    assert (result.emails, result.phones) == (2, 2)


def test_unchanged_text_is_not_changed() -> None:
    result = mask("Personalen var fantastisk.")
    assert result.text == "Personalen var fantastisk."
    assert not result.changed


def test_changed_follows_the_counts() -> None:
    assert Masked("x", emails=1).changed
    assert Masked("x", phones=1).changed
    assert not Masked("x").changed


@given(st.text(alphabet="0123456789 +-.()@abc:#\n", max_size=60))
def test_masking_twice_changes_nothing_more(text: str) -> None:
    once = mask(text)
    twice = mask(once.text)
    assert twice == Masked(once.text)


@given(st.text(alphabet="123456789 -.:%kr", max_size=60))
def test_numbers_without_a_leading_zero_or_plus_are_never_phones(text: str) -> None:
    assert mask(text).phones == 0
