"""Personal data people type into questions and comments, masked before anything is stored: e-mail addresses,
phone numbers, and Norwegian national identity numbers (fødselsnummer) and D-numbers with valid check digits.
An 11-digit number whose check digits fail is not an identity number and is kept (it may be an amount)."""

from __future__ import annotations

import re

EMAIL = "[e-post/e-mail]"
PHONE = "[telefon/phone]"
NATIONAL_ID = "[fødselsnummer/national ID]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}")
# eleven digits, optionally written as six and five ("010190 12345")
_ID = re.compile(r"(?<![\d-])(\d{6})[ .]?(\d{5})(?![\d-])")
# Norwegian numbers as people write them (+47/0047, then 8 digits as 8, 3-2-3 or 2-2-2-2), and other countries'
# numbers that start with + and a country code
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)47[ -]?)?"
    r"(?:[2-9]\d{7}|[2-9]\d{2}[ -]\d{2}[ -]\d{3}|[2-9]\d[ -]\d{2}[ -]\d{2}[ -]\d{2})(?!\d)"
    r"|(?<![\w+])\+(?!47)\d{1,3}[ -]?\d(?:[ -]?\d){5,12}(?!\d)"
)
_WEIGHTS_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_WEIGHTS_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _check_digit(digits: list[int], weights: tuple[int, ...]) -> int | None:
    digit = 11 - sum(d * w for d, w in zip(digits, weights, strict=False)) % 11
    return 0 if digit == 11 else None if digit == 10 else digit


def is_national_id(number: str) -> bool:
    """A fødselsnummer or D-number (day + 40), also H-numbers (month + 40): a real date and both check digits."""
    if not re.fullmatch(r"\d{11}", number):
        return False
    digits = [int(c) for c in number]
    day, month = int(number[:2]), int(number[2:4])
    day = day - 40 if day > 40 else day
    month = month - 40 if month > 40 else month
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return False
    first = _check_digit(digits[:9], _WEIGHTS_1)
    second = None if first is None else _check_digit([*digits[:9], first], _WEIGHTS_2)
    return first == digits[9] and second == digits[10]


def mask(text: str) -> str:
    """The text with e-mail addresses, phone numbers and identity numbers replaced by a marker."""
    if not text:
        return text
    text = _EMAIL.sub(EMAIL, text)
    text = _ID.sub(lambda m: NATIONAL_ID if is_national_id(m.group(1) + m.group(2)) else m.group(0), text)
    return _PHONE.sub(PHONE, text)


def personal(text: str) -> bool:
    """Does the text hold anything `mask` would hide?"""
    return mask(text) != text
