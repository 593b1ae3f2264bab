"""Grouping the barriers leaders raise ("what got in the way") into themes an implementation
team can act on, with the same words counted once."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

OTHER = "Other"
# Word beginnings that mark a theme; a barrier goes to the theme with the most matches (the
# first listed on a tie), or to Other. The words come from what child-welfare leaders name
# (the prompt's own hint: "Court, coverage, a crisis…").
THEMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Time and workload", ("time", "busy", "workload", "caseload", "deadline", "backlog")),
    (
        "Staffing and coverage",
        ("coverage", "covering", "short-staff", "understaff", "vacanc", "turnover", "sick"),
    ),
    ("Court and legal", ("court", "hearing", "legal", "attorney", "judge", "testi")),
    ("Crises and emergencies", ("crisis", "crises", "emergenc", "urgent", "removal")),
    ("Meetings and scheduling", ("meeting", "schedul", "calendar", "travel", "training")),
)
_WORD = re.compile(r"[a-z][a-z'-]*")


@dataclass(frozen=True)
class BarrierText:
    text: str
    count: int


@dataclass(frozen=True)
class BarrierGroup:
    theme: str
    count: int
    texts: tuple[BarrierText, ...]


def theme_of(barrier: str) -> str:
    words = _WORD.findall(barrier.lower())
    best, best_hits = OTHER, 0
    for theme, stems in THEMES:
        hits = sum(1 for word in words if word.startswith(stems))
        if hits > best_hits:
            best, best_hits = theme, hits
    return best


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def group_barriers(barriers: Iterable[tuple[str | None, int]]) -> tuple[BarrierGroup, ...]:
    """Themes by how often they come up (Other last) from (barrier, times raised) pairs;
    within a theme the same words (ignoring case and punctuation) are counted together, most
    frequent first, as first written."""
    counts: Counter[str] = Counter()
    first_written: dict[str, str] = {}
    for barrier, times in barriers:
        text = " ".join((barrier or "").split())
        key = _fold(text)
        if not key:
            continue
        counts[key] += times
        first_written.setdefault(key, text)
    themes: dict[str, list[BarrierText]] = {}
    for key, count in sorted(counts.items(), key=lambda kv: (-kv[1], first_written[kv[0]])):
        text = first_written[key]
        themes.setdefault(theme_of(text), []).append(BarrierText(text, count))
    groups = [
        BarrierGroup(theme, sum(t.count for t in texts), tuple(texts))
        for theme, texts in themes.items()
    ]
    return tuple(sorted(groups, key=lambda g: (g.theme == OTHER, -g.count, g.theme)))
