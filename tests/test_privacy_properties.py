"""Masking as a property: every valid identity number, phone number and e-mail address, in every form people write
them (spaces, non-breaking and thin spaces, hyphens and en dashes, dots in the date), inside any sentence, leaves no
digit of the number behind; numbers that are not personal (amounts, years, invalid check digits) are kept."""

from __future__ import annotations

import datetime as dt

import phonenumbers
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum.no import fodselsnummer

from assistant.language.privacy import mask, personal

SPACES = [" ", "\u00a0", "\u202f", "\u2009", "\u2007"]
JOINS = ["", *SPACES, "-", "\u2013", " - "]
AROUND = st.sampled_from(
    [
        ("Fødselsnummeret mitt er ", "."),
        ("My national ID is ", ", can you check it?"),
        ("", ""),
        ("(", ")"),
        ("Hei, ", " her – hva betyr indikator 11.6.2?"),
        ("Ring meg på ", " i morgen."),
    ]
)


@st.composite
def identity_numbers(draw) -> str:
    """A valid fødselsnummer or D-number (day + 40): a real date, an individual number, both check digits."""
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2039, 12, 31)))
    individual = draw(st.integers(0, 999))
    day = born.day + (40 if draw(st.booleans()) else 0)
    digits = f"{day:02d}{born.month:02d}{born.year % 100:02d}{individual:03d}"
    first = fodselsnummer.calc_check_digit1(digits)
    number = digits + first + fodselsnummer.calc_check_digit2(digits + first)
    if not fodselsnummer.is_valid(number):  # the individual number does not fit the century
        number = draw(st.sampled_from(["15076500565", "24039100033", "64039100027"]))
    return number


@st.composite
def written_identity_numbers(draw) -> tuple[str, str]:
    number = draw(identity_numbers())
    date, rest = number[:6], number[6:]
    form = draw(st.sampled_from(["compact", "split", "dotted"]))
    if form == "compact":
        return number, number
    if form == "dotted":
        date = ".".join((date[:2], date[2:4], date[4:]))
        return number, date + draw(st.sampled_from(SPACES)) + rest
    return number, date + draw(st.sampled_from(JOINS[1:])) + rest


@st.composite
def written_phones(draw) -> tuple[str, str]:
    """A Norwegian mobile number (in the ranges allocated to mobiles, 4x and 9x) in the groupings people use, with or
    without +47 or 0047."""
    digits = draw(st.sampled_from("49")) + "".join(
        draw(st.lists(st.sampled_from("0123456789"), min_size=7, max_size=7))
    )
    assume(phonenumbers.is_valid_number(phonenumbers.parse(digits, "NO")))
    space = draw(st.sampled_from(SPACES))
    grouping = draw(st.sampled_from([(8,), (3, 2, 3), (2, 2, 2, 2), (4, 4)]))
    parts, at = [], 0
    for size in grouping:
        parts.append(digits[at : at + size])
        at += size
    written = space.join(parts)
    prefix = draw(st.sampled_from(["", "+47 ", "+47", "0047 ", f"+47{space}"]))
    return digits, prefix + written


def left_behind(masked: str, before: str, after: str) -> bool:
    """Does any digit survive in the masked text beyond those of the sentence around the number ("11.6.2")?"""

    def digits(text: str) -> str:
        return "".join(c for c in text if c.isdigit())

    return digits(masked) != digits(before + after)


def assert_masked(written: tuple[str, str], around: tuple[str, str]) -> None:
    """The number, as written inside the sentence, is found as personal and leaves none of its digits."""
    number, text = written
    before, after = around
    assert personal(before + text + after), text
    masked = mask(before + text + after)
    assert not left_behind(masked, before, after), (number, text, masked)


@settings(max_examples=300, deadline=None)
@given(written_identity_numbers(), AROUND)
def test_every_written_form_of_a_valid_identity_number_is_masked(written, around):
    assert_masked(written, around)


@settings(max_examples=300, deadline=None)
@given(written_phones(), AROUND)
def test_every_written_form_of_a_norwegian_phone_number_is_masked(written, around):
    assert_masked(written, around)


@settings(max_examples=200, deadline=None)
@given(st.emails(), AROUND)
def test_every_e_mail_address_is_masked(address, around):
    before, after = around
    masked = mask(f"{before}{address}{after}")
    assert "@" not in masked, masked


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1_000, 999_999_999),
    st.sampled_from(["kroner", "kr", "innbyggere", "tonn", "%", "inhabitants", "NOK"]),
    st.sampled_from(SPACES),
)
def test_amounts_with_a_unit_are_kept(amount, unit, space):
    written = f"{amount:,}".replace(",", space)
    text = f"Prosjektet koster {written} {unit}."
    assert mask(text).replace("\u00a0", " ") == text.replace("\u00a0", " ").translate({ord(s): " " for s in SPACES}), (
        text
    )


@settings(max_examples=200, deadline=None)
@given(identity_numbers(), st.integers(1, 9))
def test_eleven_digits_with_a_wrong_check_digit_are_kept(number, change):
    wrong = number[:10] + str((int(number[10]) + change) % 10)
    assert not fodselsnummer.is_valid(wrong)
    assert wrong in mask(f"Saksnummer {wrong} gjelder vedtaket.")
