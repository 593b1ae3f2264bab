"""Barriers grouped into themes an implementation team can act on."""

from __future__ import annotations

import pytest

from bot.reports.barriers import OTHER, group_barriers, theme_of


@pytest.mark.parametrize(
    ("barrier", "theme"),
    [
        ("In court all week", "Court and legal"),
        ("Two hearings and a deposition", "Court and legal"),
        ("Short-staffed: two vacancies in the unit", "Staffing and coverage"),
        ("Out sick", "Staffing and coverage"),
        ("A removal crisis on Tuesday", "Crises and emergencies"),
        ("Back-to-back meetings", "Meetings and scheduling"),
        ("No time, the caseload is huge", "Time and workload"),
        ("Forgot", OTHER),
        # The theme with the most words wins; on a tie, the one listed first.
        ("Court, then a staff meeting, then another meeting", "Meetings and scheduling"),
        ("Court and an emergency", "Court and legal"),
    ],
)
def test_each_barrier_gets_the_theme_its_words_point_to(barrier: str, theme: str) -> None:
    assert theme_of(barrier) == theme


def test_the_same_words_are_counted_together_and_themes_ordered_by_count() -> None:
    groups = group_barriers(
        [
            ("In court all week", 2),
            ("in court all week!", 1),
            ("Forgot", 4),
            ("Out sick", 1),
            ("Short-staffed", 2),
            ("  ", 3),
            (None, 1),
        ]
    )

    assert [(g.theme, g.count) for g in groups] == [
        ("Court and legal", 3),
        ("Staffing and coverage", 3),
        (OTHER, 4),  # Other comes last, however often
    ]
    court, staffing, _ = groups
    assert [(t.text, t.count) for t in court.texts] == [("In court all week", 3)]
    assert [(t.text, t.count) for t in staffing.texts] == [("Short-staffed", 2), ("Out sick", 1)]
