"""Masking contact details in stories before they are stored or shown.

Stories are shared with a whole community and may be featured in public channels, so the
customer's (or anyone's) e-mail address and phone number are replaced with placeholders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EMAIL_PLACEHOLDER = "[e-mail]"
PHONE_PLACEHOLDER = "[phone]"

# local@domain.tld; \w keeps international addresses ("åsa@exempel.se") and domains.
# The look-behind repeats the local-part characters so a match only starts where a run of
# them does (no quadratic rescans of long runs).
_LOCAL = r"\w.!#$%&'*+/=?^`{|}~-"
_EMAIL = re.compile(rf"(?<![{_LOCAL}])[{_LOCAL}]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{{2,}}(?![\w-])")

# A phone number starts with "+" or a "0" followed by a digit (Swedish "070", "08",
# international "0046"), then digit groups joined by single separators: space, "-", "." or
# parentheses ("+1 (555) 123-4567", "+46 (0)70 ..."). It counts when it has 8-15 digits
# (15 is the E.164 maximum). Dates, times, years, prices and order numbers do not start
# with "+" or "0" or have too few digits; the few that do are excluded by shape below.
_PHONE = re.compile(
    r"(?<![\w#+\-./])"  # not inside a word, a ref like "#012", a decimal or another number
    r"(?:\+|\((?=0[0-9]{1,3}\))|(?=0[0-9]))"  # "(08) 123 ..." but not "(070-555 12 52)"
    r"[0-9]+(?:(?:[ .\-]?\(|\)[ .\-]?|[ .\-])[0-9]+)*"
    r"(?![0-9])"
)
_PHONE_DIGITS = range(8, 16)
# Leading-zero shapes that are not phone numbers: dates "05.12.2024", hours "09.00-17.00".
_NOT_PHONE = re.compile(
    r"[0-9]{1,2}([.-])[0-9]{1,2}\1[0-9]{4}"
    r"|[0-9]{1,2}\.[0-9]{2}-[0-9]{1,2}\.[0-9]{2}"
)


@dataclass(frozen=True, slots=True)
class Masked:
    text: str
    emails: int = 0
    phones: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.emails or self.phones)


def mask(text: str) -> Masked:
    """Replace e-mail addresses with "[e-mail]" and phone numbers with "[phone]".

    Repeated until nothing changes, so that masking what was stored changes nothing (an
    edit saved unchanged stays unchanged): a placeholder can start a new match ("a@e.om%@o.co"
    leaves "%@o.co" on the first pass). Each pass that masks consumes an "@" or digits,
    which placeholders do not contain, so this ends.
    """
    emails = phones = 0
    while True:
        once = _mask_once(text)
        if not once.changed:
            return Masked(text, emails, phones)
        text, emails, phones = once.text, emails + once.emails, phones + once.phones


def _mask_once(text: str) -> Masked:
    emails = phones = 0

    def email(_: re.Match[str]) -> str:
        nonlocal emails
        emails += 1
        return EMAIL_PLACEHOLDER

    def phone(match: re.Match[str]) -> str:
        nonlocal phones
        number = match[0]
        digits = sum(c.isdigit() for c in number)
        if digits not in _PHONE_DIGITS or _NOT_PHONE.fullmatch(number):
            return number
        phones += 1
        return PHONE_PLACEHOLDER

    # E-mail first: an address may contain a run of digits that looks like a number.
    masked = _EMAIL.sub(email, text)
    masked = _PHONE.sub(phone, masked)
    return Masked(masked, emails, phones)
