"""Cadence specs: every form in SPEC.md, 12-hour times, the wording in replies, and errors."""

from __future__ import annotations

from datetime import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.cadence import (
    CADENCE_EXAMPLES,
    ORDINALS,
    WEEKDAYS,
    CadenceSpec,
    CadenceSpecError,
    describe_working_days,
    format_working_days,
    parse_cadence,
    parse_clock,
    parse_weekday,
    parse_working_days,
)


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("weekly mon 09:00", CadenceSpec("weekly", at=time(9, 0), weekday=0)),
        ("biweekly thu 14:00", CadenceSpec("biweekly", at=time(14, 0), weekday=3)),
        (
            "monthly first mon 10:00",
            CadenceSpec("monthly", at=time(10, 0), weekday=0, ordinal="first"),
        ),
        ("weekdays 08:30", CadenceSpec("weekdays", at=time(8, 30))),
        ("off", CadenceSpec("off")),
    ],
)
def test_every_form_in_the_spec(text: str, spec: CadenceSpec) -> None:
    assert parse_cadence(text) == spec
    assert str(spec) == text


def test_the_examples_shown_to_users_all_parse() -> None:
    for example in CADENCE_EXAMPLES:
        assert str(parse_cadence(example)) == example


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Weekly Monday 9am", "weekly mon 09:00"),
        ("WEEKLY MON 09:00", "weekly mon 09:00"),
        ("  weekly   tue   9:05  ", "weekly tue 09:05"),
        ("weekly tues 2:30pm", "weekly tue 14:30"),
        ("weekly wednesday 12pm", "weekly wed 12:00"),
        ("weekly thurs 12am", "weekly thu 00:00"),
        ("biweekly friday 4PM", "biweekly fri 16:00"),
        ("weekly sat 23:59", "weekly sat 23:59"),
        ("weekly sun 0:00", "weekly sun 00:00"),
        ("monthly second wed 11am", "monthly second wed 11:00"),
        ("monthly third thu 9:15am", "monthly third thu 09:15"),
        ("monthly fourth fri 13:00", "monthly fourth fri 13:00"),
        ("monthly last fri 4pm", "monthly last fri 16:00"),
        ("weekdays 7:45am", "weekdays 07:45"),
        ("OFF", "off"),
    ],
)
def test_accepted_spellings_read_back_canonically(text: str, canonical: str) -> None:
    assert str(parse_cadence(text)) == canonical


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("09:00", time(9, 0)),
        ("9:00", time(9, 0)),
        ("14:30", time(14, 30)),
        ("9am", time(9, 0)),
        ("9 am", time(9, 0)),
        ("2:30pm", time(14, 30)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("12:30am", time(0, 30)),
        ("11:59pm", time(23, 59)),
        ("9", None),
        ("24:00", None),
        ("9:60", None),
        ("13pm", None),
        ("0am", None),
        ("9:5", None),
        ("noon", None),
        ("", None),
    ],
)
def test_clock_times_24_and_12_hour(word: str, expected: time | None) -> None:
    assert parse_clock(word) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("mon", 0),
        ("Monday", 0),
        ("tue", 1),
        ("tues", 1),
        ("wed", 2),
        ("thu", 3),
        ("thurs", 3),
        ("fri", 4),
        ("sat", 5),
        ("SUNDAY", 6),
        ("mo", None),
        ("moon", None),
        ("", None),
    ],
)
def test_weekday_names(word: str, expected: int | None) -> None:
    assert parse_weekday(word) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("weekly mon 09:00", "every Monday at 09:00"),
        ("weekly sun 18:30", "every Sunday at 18:30"),
        ("biweekly thu 14:00", "every other Thursday at 14:00"),
        ("monthly first mon 10:00", "the first Monday of each month at 10:00"),
        ("monthly last fri 4pm", "the last Friday of each month at 16:00"),
        ("weekdays 08:30", "every working day at 08:30"),
        ("off", "no prompts"),
    ],
)
def test_describe_in_words(text: str, words: str) -> None:
    assert parse_cadence(text).describe() == words


@pytest.mark.parametrize(
    ("text", "expected", "got"),
    [
        ("", "expected a cadence", None),
        ("   ", "expected a cadence", None),
        ("daily 09:00", "expected weekly, biweekly, monthly, weekdays or off", "'daily'"),
        ("sometimes", "expected weekly, biweekly, monthly, weekdays or off", "'sometimes'"),
        ("off now", "expected nothing after `off`", "'now'"),
        ("weekly", "expected a day of the week (mon … sun) after `weekly`", None),
        ("weekly 09:00", "expected a day of the week (mon … sun) after `weekly`", "'09:00'"),
        ("biweekly xyz 09:00", "expected a day of the week (mon … sun) after `biweekly`", "'xyz'"),
        ("monthly mon 10:00", "first, second, third, fourth or last after `monthly`", "'mon'"),
        ("monthly fifth mon 10:00", "first, second, third, fourth or last", "'fifth'"),
        ("monthly", "first, second, third, fourth or last after `monthly`", None),
        ("monthly first 10:00", "a day of the week (mon … sun) after `monthly`", "'10:00'"),
        ("weekly mon", "expected a time of day like 09:00", None),
        ("weekly mon 9", "expected a time of day like 09:00", "'9'"),
        ("weekly mon 24:00", "expected a time of day like 09:00", "'24:00'"),
        ("weekly mon 13pm", "expected a time of day like 09:00", "'13pm'"),
        ("weekly mon 09:00 extra", "expected a time of day like 09:00", "'09:00 extra'"),
        ("weekdays mon 09:00", "expected a time of day like 09:00", "'mon 09:00'"),
        ("weekdays", "expected a time of day like 09:00", None),
    ],
)
def test_errors_name_what_was_expected_and_give_examples(
    text: str, expected: str, got: str | None
) -> None:
    with pytest.raises(CadenceSpecError) as info:
        parse_cadence(text)
    message = str(info.value)
    assert expected in message
    if got is None:
        assert ", got" not in message
    else:
        assert f", got {got}" in message
    assert "Examples: `weekly mon 09:00`, `biweekly thu 14:00`" in message
    assert "`monthly first mon 10:00`, `weekdays 08:30`, `off`" in message


def test_cadence_spec_error_is_a_value_error() -> None:
    assert issubclass(CadenceSpecError, ValueError)


# --- properties ------------------------------------------------------------------------------

clock_times = st.builds(time, st.integers(0, 23), st.integers(0, 59))
weekdays = st.integers(0, 6)
valid_specs = st.one_of(
    st.just(CadenceSpec("off")),
    st.builds(CadenceSpec, st.just("weekdays"), at=clock_times),
    st.builds(
        CadenceSpec, st.sampled_from(["weekly", "biweekly"]), at=clock_times, weekday=weekdays
    ),
    st.builds(
        CadenceSpec,
        st.just("monthly"),
        at=clock_times,
        weekday=weekdays,
        ordinal=st.sampled_from(ORDINALS),
    ),
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(spec=valid_specs)
def test_canonical_spelling_round_trips(spec: CadenceSpec) -> None:
    assert parse_cadence(str(spec)) == spec
    assert parse_cadence(str(spec).upper()) == spec
    assert spec.describe()


@settings(max_examples=300, deadline=None, derandomize=True)
@given(hour=st.integers(1, 12), minute=st.integers(0, 59), pm=st.booleans())
def test_twelve_hour_times_match_twenty_four_hour_times(hour: int, minute: int, pm: bool) -> None:
    word = f"{hour}:{minute:02d}{'pm' if pm else 'am'}"
    expected = time(hour % 12 + (12 if pm else 0), minute)
    assert parse_clock(word) == expected
    assert parse_cadence(f"weekly {WEEKDAYS[0]} {word}").at == expected


@settings(max_examples=300, deadline=None, derandomize=True)
@given(text=st.text())
def test_any_text_parses_or_raises_cadence_spec_error(text: str) -> None:
    outcome: CadenceSpec | CadenceSpecError
    try:
        outcome = parse_cadence(text)
    except CadenceSpecError as error:
        outcome = error
    if isinstance(outcome, CadenceSpec):
        assert parse_cadence(str(outcome)) == outcome
    else:
        assert "Examples:" in str(outcome)


@pytest.mark.parametrize(
    ("text", "stored", "described"),
    [
        ("mon-fri", "mon,tue,wed,thu,fri", "Monday to Friday"),
        ("Sun-Thu", "mon,tue,wed,thu,sun", "Sunday to Thursday"),
        ("fri-mon", "mon,fri,sat,sun", "Friday to Monday"),
        ("mon tue thursday", "mon,tue,thu", "Monday, Tuesday and Thursday"),
        ("sat,sun", "sat,sun", "Saturday and Sunday"),
        ("wed", "wed", "Wednesday"),
        ("mon-sun", "mon,tue,wed,thu,fri,sat,sun", "every day"),
    ],
)
def test_working_days_read_stored_and_said(text: str, stored: str, described: str) -> None:
    days = parse_working_days(text)
    assert format_working_days(days) == stored
    assert parse_working_days(stored) == days
    assert describe_working_days(days) == described


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("funday", "`funday` is not a day of the week"),
        ("mon-xyz", "`xyz` is not a day of the week"),
        (" , ", "name at least one day"),
    ],
)
def test_working_days_malformed(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_working_days(text)
