"""Dates as people wrote them: refused when ambiguous, reported when impossible under the
declared order, never guessed into the future."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.imports.values import ValueProblem
from vigil.imports.values.dates import MIN_YEAR, ParsedDate, date_from_parts, parse_date

TODAY = date.today()


def day(year: int, month: int, dom: int) -> ParsedDate:
    return ParsedDate(date(year, month, dom), "day")


def problem(result: object, words: str) -> bool:
    return isinstance(result, ValueProblem) and words in result.message


def test_an_ambiguous_day_month_date_is_refused_unless_the_order_is_declared() -> None:
    assert problem(parse_date("03/04/2019", order=None), "declare the date order")
    assert parse_date("03/04/2019", order="DMY") == day(2019, 4, 3)
    assert parse_date("03/04/2019", order="MDY") == day(2019, 3, 4)
    assert parse_date("04/04/2019", order=None) == day(2019, 4, 4)  # both readings agree


def test_a_date_with_one_possible_reading_needs_no_declared_order() -> None:
    assert parse_date("25/04/2019", order=None) == day(2019, 4, 25)
    assert parse_date("04/25/2019", order=None) == day(2019, 4, 25)


def test_a_date_impossible_under_the_declared_order_is_reported_not_swapped() -> None:
    assert problem(parse_date("13/25/2019", order="MDY"), "impossible with dates declared MDY")
    assert problem(parse_date("04/25/2019", order="DMY"), "no month 25")
    assert problem(parse_date("31/02/2019", order="DMY"), "has no day 31")
    assert problem(parse_date("03/04/2019", order="YMD"), "declared year-first")


@pytest.mark.parametrize(
    "value",
    ["2019-04-03", "2019/04/03", "2019.4.3", "20190403", "2019-04-03T10:30:00", "2019-04-03 00:00"],
)
@pytest.mark.parametrize("order", [None, "DMY", "MDY", "YMD"])
def test_iso_dates_are_always_read(value: str, order: str | None) -> None:
    assert parse_date(value, order=order) == day(2019, 4, 3)


def test_a_year_or_a_month_keeps_its_precision() -> None:
    assert parse_date("2019") == ParsedDate(date(2019, 1, 1), "year")
    assert parse_date("04/2019") == ParsedDate(date(2019, 4, 1), "month")
    assert parse_date("2019-04") == ParsedDate(date(2019, 4, 1), "month")
    assert parse_date("abril de 2019") == ParsedDate(date(2019, 4, 1), "month")
    assert problem(parse_date("13/2019"), "no month 13")


@pytest.mark.parametrize(
    "value",
    [
        "3 de abril de 2019",
        "April 3, 2019",
        "3rd of April 2019",
        "3 avril 2019",
        "3-Apr-19",
        "03 ABR 2019",
        "3 de abr. de 2019",
        "Avr 3 2019",
    ],
)
def test_month_names_in_the_projects_languages_settle_the_order(value: str) -> None:
    assert parse_date(value) == day(2019, 4, 3)


def test_two_digit_years_are_the_latest_year_not_after_the_pivot() -> None:
    assert parse_date("03/04/19", order="DMY", pivot_year=2026) == day(2019, 4, 3)
    assert parse_date("03/04/26", order="DMY", pivot_year=2026) == day(2026, 4, 3)
    assert parse_date("03/04/27", order="DMY", pivot_year=2026) == day(1927, 4, 3)
    assert parse_date("03/04/00", order="DMY", pivot_year=2026) == day(2000, 4, 3)
    assert parse_date("19/04/03", order="YMD", pivot_year=2026) == day(2019, 4, 3)
    assert date_from_parts("98", "12", "1", pivot_year=2026) == day(1998, 12, 1)


def test_a_two_digit_year_is_never_in_the_future_by_default() -> None:
    next_year = f"{(TODAY.year + 1) % 100:02}"
    parsed = parse_date(f"01/01/{next_year}", order="DMY")
    assert isinstance(parsed, ParsedDate)
    assert parsed.date.year == TODAY.year + 1 - 100


def test_dates_in_the_future_or_before_the_minimum_year_are_problems() -> None:
    tomorrow = TODAY + timedelta(days=1)
    assert problem(parse_date(tomorrow.isoformat()), "is in the future")
    assert parse_date(TODAY.isoformat()) == ParsedDate(TODAY, "day")
    assert problem(parse_date(f"{MIN_YEAR - 1}"), "probably a typo in the year")
    assert parse_date(f"{MIN_YEAR}") == ParsedDate(date(MIN_YEAR, 1, 1), "year")


@pytest.mark.parametrize("value", ["", "   ", "hello", "43556", "3 April", "April", "1/2/3/4"])
def test_what_is_not_a_date_is_a_problem_not_a_crash(value: str) -> None:
    assert isinstance(parse_date(value, order="DMY"), ValueProblem)


def test_a_declared_format_wins_and_gives_its_precision() -> None:
    assert parse_date("2019|04|03", fmt="%Y|%m|%d") == day(2019, 4, 3)
    assert parse_date("04.2019", fmt="%m.%Y") == ParsedDate(date(2019, 4, 1), "month")
    assert parse_date("2019", fmt="%Y") == ParsedDate(date(2019, 1, 1), "year")
    assert problem(parse_date("03/04/2019", fmt="%Y-%m-%d"), "does not match the declared")


def test_separate_columns_give_the_precision_they_hold() -> None:
    assert date_from_parts("2019", "4", "3") == day(2019, 4, 3)
    assert date_from_parts(2019, 4.0, None) == ParsedDate(date(2019, 4, 1), "month")
    assert date_from_parts("2019.0", "abril", "") == ParsedDate(date(2019, 4, 1), "month")
    assert date_from_parts("2019", "", "") == ParsedDate(date(2019, 1, 1), "year")
    assert problem(date_from_parts("", "4", "3"), "has no year")
    assert problem(date_from_parts("2019", "", "3"), "a day but no month")
    assert problem(date_from_parts("2019", "Brumaire", "3"), "is not a month")
    assert problem(date_from_parts("2019", "2", "30"), "has no day 30")
    assert problem(date_from_parts("20x9", "2", "3"), "is not a year")


DATES = st.dates(min_value=date(MIN_YEAR, 1, 1), max_value=TODAY)
SEPARATORS = st.sampled_from(["/", "-", ".", " "])


@given(when=DATES, order=st.sampled_from(["DMY", "MDY", "YMD"]), sep=SEPARATORS)
def test_any_date_written_in_the_declared_order_reads_back(
    when: date, order: str, sep: str
) -> None:
    parts = {"D": f"{when.day:02}", "M": f"{when.month:02}", "Y": f"{when.year:04}"}
    written = sep.join(parts[letter] for letter in order)
    assert parse_date(written, order=order) == ParsedDate(when, "day")


@given(when=DATES, order=st.sampled_from(["DMY", "MDY"]), sep=SEPARATORS)
def test_any_date_with_a_two_digit_year_reads_back_within_a_century(
    when: date, order: str, sep: str
) -> None:
    parts = {"D": str(when.day), "M": str(when.month), "Y": f"{when.year % 100:02}"}
    written = sep.join(parts[letter] for letter in order)
    parsed = parse_date(written, order=order, pivot_year=TODAY.year)
    if when.year > TODAY.year - 100:
        assert parsed == ParsedDate(when, "day")
    else:  # a century earlier cannot be told from two digits: read as the later one
        assert isinstance(parsed, ValueProblem) or parsed.date.year == when.year + 100


@given(when=DATES, language=st.sampled_from(["en", "es", "fr", "pt"]))
def test_any_date_written_with_a_month_name_reads_back(when: date, language: str) -> None:
    from babel.dates import format_date

    written = format_date(when, "long", locale=language)
    assert parse_date(written) == ParsedDate(when, "day")
