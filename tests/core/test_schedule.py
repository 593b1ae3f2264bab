"""When prompts fall due (bot/core/schedule.py): a leader's cadence in their own zone, across
daylight saving, moved off weekends, holidays and quiet hours, never skipped and never doubled.

Every expected instant below is worked out by hand from the zone's UTC offset and written as a
literal, so a test reads as the specification of that case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.cadence import ORDINALS, WEEKDAYS, CadenceSpec, parse_cadence, parse_working_days
from bot.core.schedule import (
    BIWEEKLY_EPOCH,
    Calendar,
    Occurrence,
    fires_on,
    nth_weekday,
    occurrences,
    wall_clock_to_utc,
)

LA = ZoneInfo("America/Los_Angeles")  # PST -8, PDT -7; 2026-03-08 02:00->03:00, 11-01 02:00->01:00
LONDON = ZoneInfo("Europe/London")  # GMT 0, BST +1; 2026-03-29 01:00->02:00, 10-25 02:00->01:00
KOLKATA = ZoneInfo("Asia/Kolkata")  # +5:30 all year
NAIROBI = ZoneInfo("Africa/Nairobi")  # +3 all year
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # +10:30 / +11, a 30-minute change at 02:00
ST_JOHNS = ZoneInfo("America/St_Johns")  # -3:30 / -2:30
CHATHAM = ZoneInfo("Pacific/Chatham")  # +12:45 / +13:45, changes at 02:45 standard time
UTC_ZONE = ZoneInfo("UTC")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def occ(nominal: datetime, due: datetime | None = None) -> Occurrence:
    """An occurrence; `due` defaults to `nominal` (nothing moved it)."""
    return Occurrence(nominal=nominal, due=nominal if due is None else due)


def plan(
    cadence: str,
    zone: ZoneInfo,
    after: datetime,
    until: datetime,
    *,
    holidays: tuple[date, ...] = (),
    quiet: tuple[time, time] | None = None,
    working_days: str = "mon-fri",
) -> list[Occurrence]:
    cal = Calendar(
        zone=zone,
        holidays=frozenset(holidays),
        quiet=quiet,
        working_days=parse_working_days(working_days),
    )
    return occurrences(parse_cadence(cadence), cal, after=after, until=until)


# --- wall_clock_to_utc: the instant a leader's wall-clock time happens ---------------------


@pytest.mark.parametrize(
    ("day", "at", "zone", "expected"),
    [
        # Ordinary days: the zone's offset on that date.
        (date(2026, 1, 14), time(9, 0), LA, utc(2026, 1, 14, 17)),
        (date(2026, 7, 14), time(9, 0), LA, utc(2026, 7, 14, 16)),
        (date(2026, 1, 14), time(9, 0), LONDON, utc(2026, 1, 14, 9)),
        (date(2026, 7, 14), time(9, 0), LONDON, utc(2026, 7, 14, 8)),
        (date(2026, 3, 8), time(9, 0), KOLKATA, utc(2026, 3, 8, 3, 30)),
        (date(2026, 3, 8), time(9, 0), NAIROBI, utc(2026, 3, 8, 6)),
        (date(2026, 3, 8), time(0, 15), KOLKATA, utc(2026, 3, 7, 18, 45)),  # previous UTC day
        # LA spring forward, Sunday 2026-03-08: 02:00-02:59 does not exist.
        (date(2026, 3, 8), time(1, 59), LA, utc(2026, 3, 8, 9, 59)),  # still PST
        (date(2026, 3, 8), time(2, 0), LA, utc(2026, 3, 8, 10)),  # -> 03:00 PDT
        (date(2026, 3, 8), time(2, 30), LA, utc(2026, 3, 8, 10)),  # -> 03:00 PDT
        (date(2026, 3, 8), time(2, 59), LA, utc(2026, 3, 8, 10)),  # -> 03:00 PDT
        (date(2026, 3, 8), time(3, 0), LA, utc(2026, 3, 8, 10)),
        (date(2026, 3, 8), time(9, 0), LA, utc(2026, 3, 8, 16)),
        # LA fall back, Sunday 2026-11-01: 01:00-01:59 happens twice; the first (PDT) counts.
        (date(2026, 11, 1), time(0, 59), LA, utc(2026, 11, 1, 7, 59)),
        (date(2026, 11, 1), time(1, 0), LA, utc(2026, 11, 1, 8)),
        (date(2026, 11, 1), time(1, 30), LA, utc(2026, 11, 1, 8, 30)),
        (date(2026, 11, 1), time(1, 59), LA, utc(2026, 11, 1, 8, 59)),
        (date(2026, 11, 1), time(2, 0), LA, utc(2026, 11, 1, 10)),  # PST
        (date(2026, 11, 1), time(9, 0), LA, utc(2026, 11, 1, 17)),
        # London spring forward, Sunday 2026-03-29: 01:00-01:59 does not exist.
        (date(2026, 3, 29), time(0, 59), LONDON, utc(2026, 3, 29, 0, 59)),
        (date(2026, 3, 29), time(1, 30), LONDON, utc(2026, 3, 29, 1)),  # -> 02:00 BST
        (date(2026, 3, 29), time(2, 30), LONDON, utc(2026, 3, 29, 1, 30)),
        # London fall back, Sunday 2026-10-25: 01:00-01:59 happens twice; BST counts.
        (date(2026, 10, 25), time(1, 30), LONDON, utc(2026, 10, 25, 0, 30)),
        (date(2026, 10, 25), time(2, 30), LONDON, utc(2026, 10, 25, 2, 30)),
        # Lord Howe: a 30-minute change. 2026-10-04 02:00->02:30 (+11), 2026-04-05 02:00->01:30.
        (date(2026, 10, 4), time(2, 15), LORD_HOWE, utc(2026, 10, 3, 15, 30)),  # -> 02:30 +11
        (date(2026, 10, 4), time(2, 30), LORD_HOWE, utc(2026, 10, 3, 15, 30)),
        (date(2026, 10, 4), time(1, 59), LORD_HOWE, utc(2026, 10, 3, 15, 29)),  # +10:30
        (date(2026, 4, 5), time(1, 45), LORD_HOWE, utc(2026, 4, 4, 14, 45)),  # first, +11
        (date(2026, 4, 5), time(2, 0), LORD_HOWE, utc(2026, 4, 4, 15, 30)),  # +10:30
        # St John's: half-hour zone. 2026-03-08 02:00->03:00, 2026-11-01 02:00->01:00.
        (date(2026, 3, 8), time(2, 30), ST_JOHNS, utc(2026, 3, 8, 5, 30)),  # -> 03:00 -2:30
        (date(2026, 11, 1), time(1, 30), ST_JOHNS, utc(2026, 11, 1, 4)),  # first, -2:30
        # Chatham: 2026-09-27 02:45->03:45 (+13:45), 2026-04-05 03:45->02:45 (+12:45).
        (date(2026, 9, 27), time(3, 0), CHATHAM, utc(2026, 9, 26, 14)),  # -> 03:45 +13:45
        (date(2026, 4, 5), time(3, 0), CHATHAM, utc(2026, 4, 4, 13, 15)),  # first, +13:45
        (date(2026, 4, 5), time(3, 45), CHATHAM, utc(2026, 4, 4, 15)),  # +12:45
    ],
)
def test_wall_clock_to_utc(day: date, at: time, zone: ZoneInfo, expected: datetime) -> None:
    assert wall_clock_to_utc(day, at, zone) == expected


def test_a_time_in_the_skipped_hour_moves_to_the_first_valid_minute_after_the_gap() -> None:
    instant = wall_clock_to_utc(date(2026, 3, 8), time(2, 30), LA)
    assert instant == utc(2026, 3, 8, 10)
    local = instant.astimezone(LA)
    assert (local.date(), local.time()) == (date(2026, 3, 8), time(3, 0))


def test_a_time_in_the_repeated_hour_happens_once_at_its_first_occurrence() -> None:
    # 01:30 happens at 08:30 UTC (PDT) and again at 09:30 UTC (PST); only the first counts.
    assert wall_clock_to_utc(date(2026, 11, 1), time(1, 30), LA) == utc(2026, 11, 1, 8, 30)


def test_wall_clock_to_utc_returns_aware_utc_instants() -> None:
    instant = wall_clock_to_utc(date(2026, 3, 8), time(2, 30), LA)
    assert instant.utcoffset() == timedelta(0)


# --- fires_on and nth_weekday -------------------------------------------------------------


def test_weekdays_fire_monday_to_friday_only() -> None:
    spec = parse_cadence("weekdays 09:00")
    week = [date(2026, 1, 12) + timedelta(days=n) for n in range(7)]  # Mon 12 .. Sun 18
    assert [fires_on(spec, day) for day in week] == [True] * 5 + [False] * 2


def test_weekly_fires_only_on_its_weekday() -> None:
    spec = parse_cadence("weekly wed 09:00")
    week = [date(2026, 1, 12) + timedelta(days=n) for n in range(7)]
    assert [fires_on(spec, day) for day in week] == [False, False, True, False, False, False, False]


def test_fires_on_is_before_any_move_so_a_holiday_still_fires() -> None:
    # Holidays are the calendar's business; the cadence itself fires on Thursday 2026-01-15.
    assert fires_on(parse_cadence("weekly thu 09:00"), date(2026, 1, 15))


@pytest.mark.parametrize(
    ("day", "fires"),
    [
        (BIWEEKLY_EPOCH, True),  # Monday 2024-01-01, week 0
        (date(2024, 1, 8), False),  # week 1
        (date(2024, 1, 15), True),  # week 2
        (date(2023, 12, 25), False),  # week -1, before the epoch
        (date(2023, 12, 18), True),  # week -2
        (date(2025, 12, 29), True),  # 728 days = week 104
        (date(2026, 1, 5), False),  # week 105
        (date(2026, 1, 12), True),  # week 106
    ],
)
def test_biweekly_parity_counts_weeks_from_monday_2024_01_01(day: date, fires: bool) -> None:
    assert fires_on(parse_cadence("biweekly mon 09:00"), day) is fires


def test_biweekly_on_another_weekday_uses_the_parity_of_its_monday_week() -> None:
    spec = parse_cadence("biweekly thu 14:00")
    assert fires_on(spec, date(2026, 1, 1))  # week of Monday 2025-12-29: even
    assert not fires_on(spec, date(2026, 1, 8))
    assert fires_on(spec, date(2026, 1, 15))
    assert not fires_on(spec, date(2026, 1, 14))  # a Wednesday in an even week


@pytest.mark.parametrize(
    ("year", "month", "weekday", "ordinal", "expected"),
    [
        (2026, 1, 0, "first", date(2026, 1, 5)),
        (2026, 2, 0, "first", date(2026, 2, 2)),
        (2026, 3, 0, "first", date(2026, 3, 2)),
        (2026, 3, 0, "fourth", date(2026, 3, 23)),
        (2026, 3, 0, "last", date(2026, 3, 30)),  # March 2026 has five Mondays
        (2026, 2, 0, "fourth", date(2026, 2, 23)),
        (2026, 2, 0, "last", date(2026, 2, 23)),  # four Mondays: fourth == last
        (2026, 1, 1, "second", date(2026, 1, 13)),
        (2026, 1, 2, "third", date(2026, 1, 21)),
        (2026, 1, 3, "first", date(2026, 1, 1)),  # the 1st itself
        (2026, 1, 4, "last", date(2026, 1, 30)),
        (2026, 2, 4, "last", date(2026, 2, 27)),
        (2024, 2, 3, "last", date(2024, 2, 29)),  # leap day
    ],
)
def test_nth_weekday(year: int, month: int, weekday: int, ordinal: str, expected: date) -> None:
    assert nth_weekday(year, month, weekday, ordinal) == expected


def test_monthly_fires_only_on_its_nth_weekday() -> None:
    spec = parse_cadence("monthly second tue 10:00")
    assert fires_on(spec, date(2026, 1, 13))
    assert not fires_on(spec, date(2026, 1, 6))  # first Tuesday
    assert not fires_on(spec, date(2026, 1, 20))  # third Tuesday
    assert not fires_on(spec, date(2026, 1, 14))  # second Wednesday


# --- Calendar -------------------------------------------------------------------------------


def test_calendar_working_days() -> None:
    cal = Calendar(zone=LONDON, holidays=frozenset({date(2026, 1, 15)}))
    assert cal.is_working_day(date(2026, 1, 14))  # Wednesday
    assert not cal.is_working_day(date(2026, 1, 15))  # holiday Thursday
    assert not cal.is_working_day(date(2026, 1, 17))  # Saturday
    assert not cal.is_working_day(date(2026, 1, 18))  # Sunday


def test_quiet_hours_include_the_start_and_exclude_the_end() -> None:
    cal = Calendar(zone=LONDON, quiet=(time(8, 0), time(10, 0)))
    assert not cal.in_quiet_hours(time(7, 59))
    assert cal.in_quiet_hours(time(8, 0))
    assert cal.in_quiet_hours(time(9, 59))
    assert not cal.in_quiet_hours(time(10, 0))


def test_quiet_hours_may_cross_midnight() -> None:
    cal = Calendar(zone=LONDON, quiet=(time(18, 0), time(8, 0)))
    assert not cal.in_quiet_hours(time(17, 59))
    assert cal.in_quiet_hours(time(18, 0))
    assert cal.in_quiet_hours(time(23, 59))
    assert cal.in_quiet_hours(time(0, 0))
    assert cal.in_quiet_hours(time(7, 59))
    assert not cal.in_quiet_hours(time(8, 0))
    assert not cal.in_quiet_hours(time(12, 0))


def test_no_quiet_hours_means_never_quiet() -> None:
    assert not Calendar(zone=LONDON).in_quiet_hours(time(3, 0))


# --- Daylight saving: no skipped and no doubled prompt ------------------------------------


@pytest.mark.parametrize(
    ("zone", "after", "until", "expected"),
    [
        pytest.param(
            LA,
            utc(2026, 3, 5),
            utc(2026, 3, 11),
            [utc(2026, 3, 5, 17), utc(2026, 3, 6, 17), utc(2026, 3, 9, 16), utc(2026, 3, 10, 16)],
            id="los-angeles-spring-forward",
        ),
        pytest.param(
            LA,
            utc(2026, 10, 29),
            utc(2026, 11, 4),
            [
                utc(2026, 10, 29, 16),
                utc(2026, 10, 30, 16),
                utc(2026, 11, 2, 17),
                utc(2026, 11, 3, 17),
            ],
            id="los-angeles-fall-back",
        ),
        pytest.param(
            LONDON,
            utc(2026, 3, 26),
            utc(2026, 4, 1),
            [utc(2026, 3, 26, 9), utc(2026, 3, 27, 9), utc(2026, 3, 30, 8), utc(2026, 3, 31, 8)],
            id="london-spring-forward",
        ),
        pytest.param(
            LONDON,
            utc(2026, 10, 22),
            utc(2026, 10, 28),
            [
                utc(2026, 10, 22, 8),
                utc(2026, 10, 23, 8),
                utc(2026, 10, 26, 9),
                utc(2026, 10, 27, 9),
            ],
            id="london-fall-back",
        ),
        pytest.param(
            KOLKATA,
            utc(2026, 3, 5),
            utc(2026, 3, 11),
            [
                utc(2026, 3, 5, 3, 30),
                utc(2026, 3, 6, 3, 30),
                utc(2026, 3, 9, 3, 30),
                utc(2026, 3, 10, 3, 30),
            ],
            id="kolkata-no-dst",
        ),
        pytest.param(
            NAIROBI,
            utc(2026, 10, 29),
            utc(2026, 11, 4),
            [utc(2026, 10, 29, 6), utc(2026, 10, 30, 6), utc(2026, 11, 2, 6), utc(2026, 11, 3, 6)],
            id="nairobi-no-dst",
        ),
    ],
)
def test_weekdays_0900_across_a_dst_week(
    zone: ZoneInfo, after: datetime, until: datetime, expected: list[datetime]
) -> None:
    found = plan("weekdays 09:00", zone, after, until)
    assert found == [occ(instant) for instant in expected]
    # The leader's wall clock reads 09:00 on a weekday on both sides of the change.
    for o in found:
        local = o.due.astimezone(zone)
        assert local.time() == time(9, 0)
        assert local.weekday() < 5


def test_weekly_sunday_in_the_skipped_hour_la() -> None:
    # "weekly sun 02:30" in LA around spring forward (Sunday 2026-03-08). The nominal firing
    # on the change day happens at 03:00 PDT, the first valid minute after the gap; every
    # Sunday firing then moves to Monday 02:30 (weekends are skipped). One per week, no gap.
    found = plan("weekly sun 02:30", LA, utc(2026, 2, 28), utc(2026, 3, 17))
    assert found == [
        occ(utc(2026, 3, 1, 10, 30), due=utc(2026, 3, 2, 10, 30)),  # PST both days
        occ(utc(2026, 3, 8, 10), due=utc(2026, 3, 9, 9, 30)),  # 03:00 PDT -> Mon 02:30 PDT
        occ(utc(2026, 3, 15, 9, 30), due=utc(2026, 3, 16, 9, 30)),  # PDT both days
    ]


def test_weekly_sunday_in_the_repeated_hour_la() -> None:
    # "weekly sun 01:30" in LA around fall back (Sunday 2026-11-01): 01:30 happens twice that
    # morning and is taken once, at 08:30 UTC (PDT). Then moved to Monday 01:30.
    found = plan("weekly sun 01:30", LA, utc(2026, 10, 24), utc(2026, 11, 10))
    assert found == [
        occ(utc(2026, 10, 25, 8, 30), due=utc(2026, 10, 26, 8, 30)),  # PDT
        occ(utc(2026, 11, 1, 8, 30), due=utc(2026, 11, 2, 9, 30)),  # first 01:30 -> Mon PST
        occ(utc(2026, 11, 8, 9, 30), due=utc(2026, 11, 9, 9, 30)),  # PST
    ]


def test_weekly_sunday_in_the_skipped_hour_london() -> None:
    # London springs forward 01:00 -> 02:00 on Sunday 2026-03-29.
    found = plan("weekly sun 01:30", LONDON, utc(2026, 3, 21), utc(2026, 4, 7))
    assert found == [
        occ(utc(2026, 3, 22, 1, 30), due=utc(2026, 3, 23, 1, 30)),  # GMT
        occ(utc(2026, 3, 29, 1), due=utc(2026, 3, 30, 0, 30)),  # 02:00 BST -> Mon 01:30 BST
        occ(utc(2026, 4, 5, 0, 30), due=utc(2026, 4, 6, 0, 30)),  # BST
    ]


def test_weekly_sunday_in_the_repeated_hour_london() -> None:
    # London falls back 02:00 -> 01:00 on Sunday 2026-10-25; 01:30 is taken once, in BST.
    found = plan("weekly sun 01:30", LONDON, utc(2026, 10, 17), utc(2026, 11, 3))
    assert found == [
        occ(utc(2026, 10, 18, 0, 30), due=utc(2026, 10, 19, 0, 30)),  # BST
        occ(utc(2026, 10, 25, 0, 30), due=utc(2026, 10, 26, 1, 30)),  # first 01:30 -> Mon GMT
        occ(utc(2026, 11, 1, 1, 30), due=utc(2026, 11, 2, 1, 30)),  # GMT
    ]


def test_weekly_sunday_in_a_zone_without_dst() -> None:
    # Kolkata 02:30 is 21:00 UTC the day before, every week of the year.
    found = plan("weekly sun 02:30", KOLKATA, utc(2026, 2, 28), utc(2026, 3, 17))
    assert found == [
        occ(utc(2026, 2, 28, 21), due=utc(2026, 3, 1, 21)),
        occ(utc(2026, 3, 7, 21), due=utc(2026, 3, 8, 21)),
        occ(utc(2026, 3, 14, 21), due=utc(2026, 3, 15, 21)),
    ]


def test_every_minute_of_the_skipped_hour_lands_on_the_first_valid_minute() -> None:
    # Sunday dates always move to Monday in occurrences(), so the gap itself is checked through
    # wall_clock_to_utc: every wall-clock minute 02:00-02:59 on 2026-03-08 is 03:00 PDT.
    gap = {wall_clock_to_utc(date(2026, 3, 8), time(2, m), LA) for m in range(60)}
    assert gap == {utc(2026, 3, 8, 10)}


# --- Leaders in several zones ---------------------------------------------------------------


def test_leaders_in_three_zones_due_in_the_same_utc_minute() -> None:
    # Wednesday 2026-01-14 (winter): LA 01:00 PST, London 09:00 GMT and Kolkata 14:30 IST are
    # all 09:00 UTC.
    after, until = utc(2026, 1, 14, 8, 59), utc(2026, 1, 14, 9, 0)
    assert plan("weekly wed 01:00", LA, after, until) == [occ(utc(2026, 1, 14, 9))]
    assert plan("weekdays 09:00", LONDON, after, until) == [occ(utc(2026, 1, 14, 9))]
    assert plan("weekly wed 14:30", KOLKATA, after, until) == [occ(utc(2026, 1, 14, 9))]
    # ...and none of them again in the following minute.
    later = (until, until + timedelta(minutes=1))
    for cadence, zone in [
        ("weekly wed 01:00", LA),
        ("weekdays 09:00", LONDON),
        ("weekly wed 14:30", KOLKATA),
    ]:
        assert plan(cadence, zone, *later) == []


def test_the_same_cadence_in_different_zones_is_due_at_different_instants() -> None:
    after, until = utc(2026, 1, 13, 12), utc(2026, 1, 14, 23, 59)
    assert plan("weekly wed 09:00", KOLKATA, after, until) == [occ(utc(2026, 1, 14, 3, 30))]
    assert plan("weekly wed 09:00", LONDON, after, until) == [occ(utc(2026, 1, 14, 9))]
    assert plan("weekly wed 09:00", LA, after, until) == [occ(utc(2026, 1, 14, 17))]


# --- Weekends and holidays ------------------------------------------------------------------


def test_a_saturday_occurrence_moves_to_monday_at_the_same_local_time() -> None:
    found = plan("weekly sat 10:00", LONDON, utc(2026, 1, 16), utc(2026, 1, 23))
    assert found == [occ(utc(2026, 1, 17, 10), due=utc(2026, 1, 19, 10))]


def test_a_sunday_occurrence_moves_to_monday_at_the_same_local_time() -> None:
    found = plan("weekly sun 10:00", LA, utc(2026, 1, 17), utc(2026, 1, 23))
    assert found == [occ(utc(2026, 1, 18, 18), due=utc(2026, 1, 19, 18))]


# --- an agency's own working days -------------------------------------------------------------


def test_a_sunday_to_thursday_agency_gets_its_weekdays_prompts_sunday_to_thursday() -> None:
    found = plan(
        "weekdays 09:00", NAIROBI, utc(2026, 1, 16), utc(2026, 1, 23), working_days="sun-thu"
    )
    # Sun 18 .. Thu 22 at 09:00 in Nairobi (06:00 UTC); Friday 16's and Saturday 17's none.
    assert [o.due for o in found] == [utc(2026, 1, d, 6) for d in (18, 19, 20, 21, 22)]


def test_a_friday_prompt_in_a_sunday_to_thursday_agency_waits_for_sunday() -> None:
    found = plan(
        "weekly fri 09:00", NAIROBI, utc(2026, 1, 14), utc(2026, 1, 21), working_days="sun-thu"
    )
    assert found == [occ(utc(2026, 1, 16, 6), due=utc(2026, 1, 18, 6))]


def test_a_saturday_prompt_goes_out_where_saturday_is_a_working_day() -> None:
    found = plan("weekly sat 10:00", LA, utc(2026, 1, 16), utc(2026, 1, 23), working_days="mon-sat")
    assert found == [occ(utc(2026, 1, 17, 18))]


def test_a_thursday_holiday_moves_to_friday() -> None:
    found = plan(
        "weekly thu 09:00",
        LONDON,
        utc(2026, 1, 14),
        utc(2026, 1, 21),
        holidays=(date(2026, 1, 15),),
    )
    assert found == [occ(utc(2026, 1, 15, 9), due=utc(2026, 1, 16, 9))]


def test_a_friday_holiday_moves_past_the_weekend_to_monday() -> None:
    found = plan(
        "weekly fri 09:00",
        LONDON,
        utc(2026, 1, 14),
        utc(2026, 1, 21),
        holidays=(date(2026, 1, 16),),
    )
    assert found == [occ(utc(2026, 1, 16, 9), due=utc(2026, 1, 19, 9))]


def test_a_friday_holiday_then_weekend_then_monday_holiday_moves_to_tuesday() -> None:
    found = plan(
        "weekly fri 09:00",
        LONDON,
        utc(2026, 1, 14),
        utc(2026, 1, 21),
        holidays=(date(2026, 1, 16), date(2026, 1, 19)),
    )
    assert found == [occ(utc(2026, 1, 16, 9), due=utc(2026, 1, 20, 9))]


def test_a_holiday_in_the_leaders_zone_not_utc_decides_the_move() -> None:
    # Kolkata Friday 2026-01-16 09:00 is 03:30 UTC; the holiday is Kolkata's Friday.
    found = plan(
        "weekly fri 09:00",
        KOLKATA,
        utc(2026, 1, 14),
        utc(2026, 1, 21),
        holidays=(date(2026, 1, 16),),
    )
    assert found == [occ(utc(2026, 1, 16, 3, 30), due=utc(2026, 1, 19, 3, 30))]


def test_weekdays_on_a_holiday_is_merged_into_the_next_day_not_doubled() -> None:
    # Thursday 2026-01-15 is a holiday: its prompt would move to Friday 09:00, which is the
    # cadence's own next firing, so Friday gets one prompt (nominally Friday's), not two.
    found = plan(
        "weekdays 09:00",
        LONDON,
        utc(2026, 1, 14, 12),
        utc(2026, 1, 17),
        holidays=(date(2026, 1, 15),),
    )
    assert found == [occ(utc(2026, 1, 16, 9))]


def test_weekdays_on_a_friday_holiday_is_merged_into_monday() -> None:
    found = plan(
        "weekdays 09:00",
        LONDON,
        utc(2026, 1, 15, 12),
        utc(2026, 1, 19, 12),
        holidays=(date(2026, 1, 16),),
    )
    assert found == [occ(utc(2026, 1, 19, 9))]


def test_weekdays_over_a_holiday_week_keeps_one_prompt_per_working_day() -> None:
    holidays = (date(2026, 1, 13), date(2026, 1, 14))  # Tuesday and Wednesday
    found = plan("weekdays 09:00", LONDON, utc(2026, 1, 11), utc(2026, 1, 18), holidays=holidays)
    assert found == [
        occ(utc(2026, 1, 12, 9)),
        occ(utc(2026, 1, 15, 9)),
        occ(utc(2026, 1, 16, 9)),
    ]


def test_a_move_landing_exactly_on_the_next_firing_is_merged_into_it() -> None:
    # "weekly mon": a whole week of holidays pushes Monday 2026-01-12 to Monday 2026-01-19
    # 09:00, exactly the next firing; one prompt goes out, keyed by the second Monday.
    holidays = tuple(date(2026, 1, 12) + timedelta(days=n) for n in range(5))
    found = plan(
        "weekly mon 09:00", UTC_ZONE, utc(2026, 1, 11), utc(2026, 1, 25), holidays=holidays
    )
    assert found == [occ(utc(2026, 1, 19, 9))]


def test_a_move_landing_just_before_the_next_firing_is_kept() -> None:
    # Monday 2026-01-12 through Friday 2026-01-16 are holidays, cadence weekly tue: Tuesday
    # 2026-01-13 moves to Monday 2026-01-19, before the next Tuesday firing, so both are sent.
    holidays = tuple(date(2026, 1, 12) + timedelta(days=n) for n in range(5))
    found = plan(
        "weekly tue 09:00", UTC_ZONE, utc(2026, 1, 11), utc(2026, 1, 25), holidays=holidays
    )
    assert found == [
        occ(utc(2026, 1, 13, 9), due=utc(2026, 1, 19, 9)),
        occ(utc(2026, 1, 20, 9)),
    ]


# --- Quiet hours ----------------------------------------------------------------------------


def test_an_occurrence_in_quiet_hours_moves_to_their_end() -> None:
    found = plan(
        "weekly wed 09:00",
        LONDON,
        utc(2026, 1, 13),
        utc(2026, 1, 20),
        quiet=(time(8, 0), time(10, 0)),
    )
    assert found == [occ(utc(2026, 1, 14, 9), due=utc(2026, 1, 14, 10))]


@pytest.mark.parametrize(
    ("cadence", "due"),
    [
        ("weekly wed 07:59", utc(2026, 1, 14, 7, 59)),  # before: untouched
        ("weekly wed 08:00", utc(2026, 1, 14, 10)),  # the start is quiet
        ("weekly wed 10:00", utc(2026, 1, 14, 10)),  # the end is not
    ],
)
def test_quiet_hour_edges(cadence: str, due: datetime) -> None:
    found = plan(cadence, LONDON, utc(2026, 1, 13), utc(2026, 1, 20), quiet=(time(8), time(10)))
    assert [o.due for o in found] == [due]


def test_quiet_hours_crossing_midnight_move_a_late_occurrence_to_the_next_morning() -> None:
    found = plan(
        "weekly tue 23:00",
        LONDON,
        utc(2026, 1, 12),
        utc(2026, 1, 19),
        quiet=(time(22, 0), time(7, 0)),
    )
    assert found == [occ(utc(2026, 1, 13, 23), due=utc(2026, 1, 14, 7))]


def test_quiet_hours_crossing_midnight_move_an_early_occurrence_to_the_same_morning() -> None:
    found = plan(
        "weekly wed 03:00",
        LONDON,
        utc(2026, 1, 12),
        utc(2026, 1, 19),
        quiet=(time(22, 0), time(7, 0)),
    )
    assert found == [occ(utc(2026, 1, 14, 3), due=utc(2026, 1, 14, 7))]


def test_quiet_hours_crossing_midnight_into_a_saturday_move_on_to_monday() -> None:
    # Friday 23:00 -> Saturday 07:00 (end of quiet hours) -> Monday 07:00.
    found = plan(
        "weekly fri 23:00",
        LONDON,
        utc(2026, 1, 14),
        utc(2026, 1, 21),
        quiet=(time(22, 0), time(7, 0)),
    )
    assert found == [occ(utc(2026, 1, 16, 23), due=utc(2026, 1, 19, 7))]


def test_quiet_hours_in_the_leaders_zone_evening_to_morning() -> None:
    # LA quiet 18:00-08:00: Monday 07:00 PST (15:00 UTC) moves to 08:00 PST (16:00 UTC).
    found = plan(
        "weekly mon 07:00",
        LA,
        utc(2026, 1, 11),
        utc(2026, 1, 18),
        quiet=(time(18, 0), time(8, 0)),
    )
    assert found == [occ(utc(2026, 1, 12, 15), due=utc(2026, 1, 12, 16))]


def test_weekdays_late_every_night_with_quiet_hours_crossing_midnight() -> None:
    # Each weekday 23:00 goes out at 07:00 the next morning, and Friday's on Monday morning,
    # before Monday's own 23:00 firing, so none is merged. The window opens on Sunday, so the
    # first one due is the previous Friday's.
    found = plan(
        "weekdays 23:00",
        LONDON,
        utc(2026, 1, 11),
        utc(2026, 1, 19, 12),
        quiet=(time(22, 0), time(7, 0)),
    )
    assert found == [
        occ(utc(2026, 1, 9, 23), due=utc(2026, 1, 12, 7)),
        occ(utc(2026, 1, 12, 23), due=utc(2026, 1, 13, 7)),
        occ(utc(2026, 1, 13, 23), due=utc(2026, 1, 14, 7)),
        occ(utc(2026, 1, 14, 23), due=utc(2026, 1, 15, 7)),
        occ(utc(2026, 1, 15, 23), due=utc(2026, 1, 16, 7)),
        occ(utc(2026, 1, 16, 23), due=utc(2026, 1, 19, 7)),
    ]


def test_quiet_hours_then_a_holiday_then_the_weekend() -> None:
    # Thursday 23:00 -> Friday 07:00, a holiday -> Monday 07:00, past Friday's own firing:
    # merged. Friday 23:00 -> Saturday 07:00 -> Monday 07:00, before Monday's 23:00: kept.
    found = plan(
        "weekdays 23:00",
        LONDON,
        utc(2026, 1, 15, 12),
        utc(2026, 1, 19, 12),
        holidays=(date(2026, 1, 16),),
        quiet=(time(22, 0), time(7, 0)),
    )
    assert found == [occ(utc(2026, 1, 16, 23), due=utc(2026, 1, 19, 7))]


# --- Biweekly and monthly -------------------------------------------------------------------


def test_biweekly_fires_on_even_weeks_only() -> None:
    found = plan("biweekly thu 14:00", UTC_ZONE, utc(2026, 1, 1), utc(2026, 2, 15))
    assert found == [
        occ(utc(2026, 1, 1, 14)),
        occ(utc(2026, 1, 15, 14)),
        occ(utc(2026, 1, 29, 14)),
        occ(utc(2026, 2, 12, 14)),
    ]


@pytest.mark.parametrize(
    ("cadence", "expected"),
    [
        (
            "monthly first mon 10:00",
            [utc(2026, 1, 5, 10), utc(2026, 2, 2, 10), utc(2026, 3, 2, 10)],
        ),
        (
            "monthly second tue 10:00",
            [utc(2026, 1, 13, 10), utc(2026, 2, 10, 10), utc(2026, 3, 10, 10)],
        ),
        (
            "monthly third wed 10:00",
            [utc(2026, 1, 21, 10), utc(2026, 2, 18, 10), utc(2026, 3, 18, 10)],
        ),
        (
            "monthly fourth thu 10:00",
            [utc(2026, 1, 22, 10), utc(2026, 2, 26, 10), utc(2026, 3, 26, 10)],
        ),
        (
            "monthly last fri 10:00",
            [utc(2026, 1, 30, 10), utc(2026, 2, 27, 10), utc(2026, 3, 27, 10)],
        ),
        (
            "monthly last mon 10:00",
            [utc(2026, 1, 26, 10), utc(2026, 2, 23, 10), utc(2026, 3, 30, 10)],
        ),
    ],
)
def test_monthly(cadence: str, expected: list[datetime]) -> None:
    found = plan(cadence, UTC_ZONE, utc(2026, 1, 1), utc(2026, 4, 1))
    assert found == [occ(instant) for instant in expected]


def test_monthly_on_a_holiday_moves_to_the_next_working_day() -> None:
    # Last Monday of March 2026 is the 30th; a holiday there moves it to Tuesday the 31st.
    found = plan(
        "monthly last mon 10:00",
        LONDON,
        utc(2026, 3, 1),
        utc(2026, 4, 15),
        holidays=(date(2026, 3, 30),),
    )
    assert found == [occ(utc(2026, 3, 30, 9), due=utc(2026, 3, 31, 9))]  # BST


def test_monthly_first_saturday_moves_to_monday() -> None:
    # First Saturday of February 2026 is the 7th -> Monday the 9th.
    found = plan("monthly first sat 10:00", UTC_ZONE, utc(2026, 2, 1), utc(2026, 2, 28))
    assert found == [occ(utc(2026, 2, 7, 10), due=utc(2026, 2, 9, 10))]


# --- off and the window ---------------------------------------------------------------------


def test_off_yields_nothing() -> None:
    assert plan("off", LONDON, utc(2026, 1, 1), utc(2027, 1, 1)) == []
    assert (
        occurrences(
            CadenceSpec("off"), Calendar(zone=LA), after=utc(2026, 1, 1), until=utc(2026, 12, 31)
        )
        == []
    )


def test_window_excludes_an_occurrence_exactly_at_after() -> None:
    assert plan("weekly mon 09:00", UTC_ZONE, utc(2026, 1, 12, 9), utc(2026, 1, 18)) == []


def test_window_includes_an_occurrence_exactly_at_until() -> None:
    found = plan("weekly mon 09:00", UTC_ZONE, utc(2026, 1, 11), utc(2026, 1, 12, 9))
    assert found == [occ(utc(2026, 1, 12, 9))]


def test_window_one_minute_wide_around_an_occurrence() -> None:
    found = plan("weekly mon 09:00", UTC_ZONE, utc(2026, 1, 12, 8, 59), utc(2026, 1, 12, 9))
    assert found == [occ(utc(2026, 1, 12, 9))]
    assert plan("weekly mon 09:00", UTC_ZONE, utc(2026, 1, 12, 9), utc(2026, 1, 12, 9, 1)) == []


def test_an_empty_window_yields_nothing() -> None:
    at = utc(2026, 1, 12, 9)
    assert plan("weekly mon 09:00", UTC_ZONE, at, at) == []


def test_the_window_is_about_due_not_nominal() -> None:
    # Saturday 2026-01-17 10:00 is due Monday 2026-01-19 10:00.
    cadence = "weekly sat 10:00"
    assert plan(cadence, LONDON, utc(2026, 1, 17, 9), utc(2026, 1, 18, 23)) == []
    assert plan(cadence, LONDON, utc(2026, 1, 18), utc(2026, 1, 19, 10)) == [
        occ(utc(2026, 1, 17, 10), due=utc(2026, 1, 19, 10))
    ]


def test_ten_weeks_of_weekly_give_ten_distinct_sorted_occurrences_across_dst() -> None:
    found = plan("weekly mon 09:00", LA, utc(2026, 2, 16), utc(2026, 4, 27))
    assert found == [
        occ(utc(2026, 2, 16, 17)),
        occ(utc(2026, 2, 23, 17)),
        occ(utc(2026, 3, 2, 17)),
        occ(utc(2026, 3, 9, 16)),  # PDT from here on
        occ(utc(2026, 3, 16, 16)),
        occ(utc(2026, 3, 23, 16)),
        occ(utc(2026, 3, 30, 16)),
        occ(utc(2026, 4, 6, 16)),
        occ(utc(2026, 4, 13, 16)),
        occ(utc(2026, 4, 20, 16)),
    ]
    assert len({o.nominal for o in found}) == 10
    assert found == sorted(found, key=lambda o: o.nominal)


def test_a_window_given_in_another_zone_is_the_same_instants() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    after = utc(2026, 3, 5).astimezone(tokyo)
    until = utc(2026, 3, 11).astimezone(tokyo)
    assert plan("weekdays 09:00", LA, after, until) == plan(
        "weekdays 09:00", LA, utc(2026, 3, 5), utc(2026, 3, 11)
    )


# --- Properties -----------------------------------------------------------------------------

ZONES = (
    "America/Los_Angeles",
    "Europe/London",
    "Australia/Lord_Howe",  # 30-minute daylight saving
    "Asia/Kolkata",
    "America/St_Johns",
    "Pacific/Chatham",
    "UTC",
)
YEAR_START = utc(2026, 1, 1)
YEAR_END = utc(2027, 1, 1)

clocks = st.builds(time, st.integers(0, 23), st.integers(0, 59))


@st.composite
def cadences(draw: st.DrawFn) -> CadenceSpec:
    """Any valid cadence spec, written as a leader would and parsed."""
    kind = draw(st.sampled_from(["weekly", "biweekly", "monthly", "weekdays", "off"]))
    if kind == "off":
        return parse_cadence("off")
    clock = draw(clocks).strftime("%H:%M")
    if kind == "weekdays":
        return parse_cadence(f"weekdays {clock}")
    day = draw(st.sampled_from(WEEKDAYS))
    if kind == "monthly":
        return parse_cadence(f"monthly {draw(st.sampled_from(ORDINALS))} {day} {clock}")
    return parse_cadence(f"{kind} {day} {clock}")


@dataclass(frozen=True)
class Case:
    """A cadence, a leader's calendar and a window (after, until] with a seam inside it."""

    spec: CadenceSpec
    cal: Calendar
    after: datetime
    seam: datetime
    until: datetime

    def occurrences(self) -> list[Occurrence]:
        return occurrences(self.spec, self.cal, after=self.after, until=self.until)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    # A window within 2026, up to 90 days long, starting at any minute.
    latest_start = int((YEAR_END - YEAR_START - timedelta(days=91)).total_seconds() // 60)
    after = YEAR_START + timedelta(minutes=draw(st.integers(0, latest_start)))
    length = draw(st.integers(0, 90)) * 24 * 60 + draw(st.integers(0, 24 * 60 - 1))
    until = after + timedelta(minutes=length)
    seam = after + timedelta(minutes=draw(st.integers(0, length)))
    # Holidays around the window (so they matter), sometimes in runs that force merges.
    near = st.dates(after.date() - timedelta(days=20), until.date() + timedelta(days=20))
    holidays = set(draw(st.frozensets(near, max_size=12)))
    if draw(st.booleans()):
        start, run = draw(near), draw(st.integers(1, 12))
        holidays |= {start + timedelta(days=n) for n in range(run)}
    quiet = draw(st.none() | st.tuples(clocks, clocks).filter(lambda q: q[0] != q[1]))
    cal = Calendar(
        zone=ZoneInfo(draw(st.sampled_from(ZONES))), holidays=frozenset(holidays), quiet=quiet
    )
    return Case(draw(cadences()), cal, after, seam, until)


PROPERTY = settings(max_examples=200, deadline=None, derandomize=True)


@PROPERTY
@given(case=cases())
def test_nominal_and_due_instants_strictly_increase(case: Case) -> None:
    found = case.occurrences()
    nominals = [o.nominal for o in found]
    dues = [o.due for o in found]
    assert all(a < b for a, b in pairwise(nominals))  # unique, sorted
    assert all(a < b for a, b in pairwise(dues))  # never two prompts at once


@PROPERTY
@given(case=cases())
def test_every_due_lies_in_the_window_and_not_before_its_nominal(case: Case) -> None:
    for o in case.occurrences():
        assert case.after < o.due <= case.until, o
        assert o.due >= o.nominal, o


@PROPERTY
@given(case=cases())
def test_splitting_the_window_loses_and_doubles_nothing(case: Case) -> None:
    first = occurrences(case.spec, case.cal, after=case.after, until=case.seam)
    second = occurrences(case.spec, case.cal, after=case.seam, until=case.until)
    assert first + second == case.occurrences()


@PROPERTY
@given(case=cases())
def test_no_due_on_a_weekend_a_holiday_or_in_quiet_hours(case: Case) -> None:
    for o in case.occurrences():
        local = o.due.astimezone(case.cal.zone)
        assert local.weekday() < 5, o
        assert local.date() not in case.cal.holidays, o
        assert not case.cal.in_quiet_hours(local.time()), o


@PROPERTY
@given(case=cases())
def test_every_occurrence_is_a_firing_of_the_cadence_at_its_local_time(case: Case) -> None:
    spec, cal = case.spec, case.cal
    for o in case.occurrences():
        assert spec.at is not None
        day = o.nominal.astimezone(cal.zone).date()
        assert fires_on(spec, day), o
        assert wall_clock_to_utc(day, spec.at, cal.zone) == o.nominal, o
        # It goes out at the cadence's own wall-clock time, or at the end of quiet hours.
        allowed = {spec.at} | ({cal.quiet[1]} if cal.quiet else set())
        assert o.due.astimezone(cal.zone).time() in allowed, o


@PROPERTY
@given(case=cases())
def test_a_firing_that_needs_no_move_goes_out_exactly_when_named(case: Case) -> None:
    spec, cal = case.spec, case.cal
    found = case.occurrences()
    if spec.at is None:
        assert found == []
        return
    first = case.after.astimezone(cal.zone).date()
    last = case.until.astimezone(cal.zone).date()
    unmoved = set()
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        if fires_on(spec, day) and cal.is_working_day(day) and not cal.in_quiet_hours(spec.at):
            instant = wall_clock_to_utc(day, spec.at, cal.zone)
            if case.after < instant <= case.until:
                unmoved.add(occ(instant))
    assert unmoved <= set(found)
    for o in set(found) - unmoved:  # everything else was moved
        assert o.due > o.nominal, o
