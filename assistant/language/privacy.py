"""Personal data people type into questions and comments, masked before anything is stored: e-mail addresses,
phone numbers (`phonenumbers`, Norwegian numbers as people write them and any number with a country code), and
Norwegian national identity numbers, D- and H-numbers (`python-stdnum` checks the date and both check digits).
An 11-digit number whose check digits fail is not an identity number and is kept (it may be an amount).

Text is normalised first (compatibility forms, every kind of space and dash made plain), so a number written with
a non-breaking space or an en dash is found like one written with a space or a hyphen."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from stdnum.no import fodselsnummer

EMAIL = "[e-post/e-mail]"
PHONE = "[telefon/phone]"
NATIONAL_ID = "[fødselsnummer/national ID]"

# a local part of any characters an address allows, matched from the start of its run only (linear in a long run)
_LOCAL = r"[\w.!#$%&'*+/=?^`{|}~-]"
_EMAIL = re.compile(rf"(?<!{_LOCAL}){_LOCAL}+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{{2,}}")
# eleven digits, also written as a date and five digits: 15038510190, 150385 10190, 150385-10190, 15.03.85 10190
_ID = re.compile(r"(?<!\d)(?<!\d[.,])(\d{2})([. ]?)(\d{2})\2(\d{2}) ?[ -]? ?(\d{5})(?!\d)(?![.,]\d)")
_SPACES = re.compile(r"[^\S\n]")  # any Unicode space but a line break
_DASHES = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
REGION = "NO"  # numbers without a country code are read as Norwegian
# a number followed by a unit is an amount, not a phone number ("91 000 000 kroner")
_UNIT = re.compile(
    r"\s{0,3}(kr\b|kroner|nok\b|mill|mrd|milliard|euro|eur\b|usd\b|dollar|%|prosent|percent|tonn|tons?\b|"
    r"kwh|gwh|mwh|kg\b|km\b|m2|m²|innbyggere|inhabitants|personer|people)",
    re.IGNORECASE,
)


def normalise(text: str) -> str:
    """Compatibility forms (NFKC), every space and dash made plain."""
    return _DASHES.sub("-", _SPACES.sub(" ", unicodedata.normalize("NFKC", text)))


def is_national_id(number: str) -> bool:
    """A fødselsnummer, D-number (day + 40) or H-number (month + 40): a real date and both check digits."""
    return fodselsnummer.is_valid(number)


def _phones(text: str) -> list[tuple[int, int]]:
    """Where phone numbers are: Norwegian ones as written in Norway, and any with + or 00 and a country code."""
    return [
        (match.start, match.end)
        for match in phonenumbers.PhoneNumberMatcher(text, REGION, leniency=phonenumbers.Leniency.VALID)
        if not _UNIT.match(text, match.end)
    ]


def mask(text: str) -> str:
    """The text with e-mail addresses, phone numbers and identity numbers replaced by a marker."""
    if not text:
        return text
    text = _EMAIL.sub(EMAIL, normalise(text))
    text = _ID.sub(lambda m: NATIONAL_ID if is_national_id("".join(m.group(1, 3, 4, 5))) else m.group(0), text)
    for start, end in reversed(_phones(text)):
        text = text[:start] + PHONE + text[end:]
    return text


def personal(text: str) -> bool:
    """Does the text hold anything `mask` would hide?"""
    return mask(text) != normalise(text)
