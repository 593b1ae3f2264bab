"""The dashboard's sections as data for its templates: the report's figures turned into
tiles, chart bars, grid rows and lines of names. Everything is worked out here; the
templates in bot/web/templates only lay it out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import NamedTuple

from markupsafe import Markup

from bot.core.catalog import Catalog
from bot.reports.barriers import BarrierGroup
from bot.reports.figures import (
    DONE,
    NO_ANSWER,
    NOT_PROMPTED,
    NOT_THIS_WEEK,
    PARTLY,
    Cell,
    Highlights,
    LeaderRow,
    Note,
    Report,
)
from bot.store.models import pronouns_and_title
from bot.web.charts import Bar, bar_chart, participation_chart

PAGE_SIZE = 50  # leaders per page of the grid
SHOWN_STREAKS = 20


class Look(NamedTuple):
    """How one cell of the grid is drawn, and the words a tooltip gives it."""

    css: str
    mark: str
    words: str


CELLS: dict[Cell, Look] = {
    DONE: Look("done", "✓", "done"),
    PARTLY: Look("partly", "◐", "partly"),
    NOT_THIS_WEEK: Look("not", "✗", "not this week"),
    NO_ANSWER: Look("none", "?", "no answer"),
    NOT_PROMPTED: Look("unprompted", "", "not prompted"),
    None: Look("out", "", "not in this view"),
}
LEGEND = [CELLS[state] for state in (DONE, PARTLY, NOT_THIS_WEEK, NO_ANSWER, NOT_PROMPTED)]


class Tile(NamedTuple):
    key: str
    label: str
    value: str


class Chart(NamedTuple):
    key: str
    title: str
    hint: str
    svg: Markup


class GridRow(NamedTuple):
    name: str
    about: str  # "(she/her), Intake Supervisor": what the leader gave ("" when neither)
    role: str | None
    cells: list[tuple[date, Look]]


class Pager(NamedTuple):
    first: int
    last: int
    total: int
    links: list[tuple[str, str]]  # (label, query string)


class Grid(NamedTuple):
    legend: list[Look]
    weeks: tuple[date, ...]
    rows: list[GridRow]
    pager: Pager | None


class People(NamedTuple):
    """A list of leaders shown as one line of words, and how many it names."""

    total: int
    names: str


class NoteGroup(NamedTuple):
    """One leader's notes, newest first."""

    leader: str
    notes: list[Note]


class Sections(NamedTuple):
    """Everything under the page's header and filters, in the names the templates use."""

    tiles: list[Tile]
    charts: list[Chart]
    grid: Grid
    barriers: tuple[BarrierGroup, ...]
    barrier_chart: Markup
    notes: Highlights
    note_groups: list[NoteGroup]
    recognitions: People
    streaks: People
    quiet: People


def sections(
    report: Report, catalog: Catalog, *, page: int, query: Callable[[int], str]
) -> Sections:
    """The report laid out for the page; `page` is the grid's page, `query(n)` the query
    string of page n."""
    return Sections(
        tiles=_tiles(report),
        charts=_charts(report, catalog),
        grid=_grid(report, page, query),
        barriers=report.barriers,
        barrier_chart=bar_chart(
            [_count_bar(group.theme, group.count) for group in report.barriers],
            name="barriers",
            caption="Barriers by theme",
        ),
        notes=report.highlights,
        note_groups=_by_leader(report.highlights.notes),
        recognitions=People(
            _recognized(report), ", ".join(f"{name} ({n})" for name, n in report.recognitions)
        ),
        streaks=People(len(report.streaks), _weeks_each(report.streaks[:SHOWN_STREAKS])),
        quiet=People(len(report.quiet), _weeks_each(report.quiet)),
    )


def _by_leader(notes: tuple[Note, ...]) -> list[NoteGroup]:
    """The notes by leader (told apart by who they are, not their name), the leader with the
    newest note first, as the notes come."""
    groups: dict[int, NoteGroup] = {}
    for note in notes:
        groups.setdefault(note.person_id, NoteGroup(note.leader, [])).notes.append(note)
    return list(groups.values())


def _tiles(report: Report) -> list[Tile]:
    weeks = report.grid.weeks
    sent = sum(w.prompts_sent for w in weeks)
    answered = sum(w.answered for w in weeks)
    rate = f" ({100 * answered / sent:.0f}%)" if sent else ""
    return [
        Tile("leaders", "Leaders", str(len(report.grid.rows))),
        Tile("sent", "Prompts sent", str(sent)),
        Tile("answered", "Answered", f"{answered}{rate}"),
        Tile("recognitions", "Recognitions", str(_recognized(report))),
        Tile("quiet", "Quiet two weeks or more", str(len(report.quiet))),
    ]


def _recognized(report: Report) -> int:
    return sum(count for _, count in report.recognitions)


def _weeks_each(rows: list[tuple[LeaderRow, int]]) -> str:
    return ", ".join(f"{row.name} ({weeks} weeks)" for row, weeks in rows)


def _leaders(count: int) -> str:
    return f"{count} leader" if count == 1 else f"{count} leaders"


def _charts(report: Report, catalog: Catalog) -> list[Chart]:
    return [
        Chart(
            "participation",
            "Participation over time",
            "Prompts sent (light) and answered (dark) each week; the figure under each week "
            "is the share answered.",
            participation_chart(report.grid.weeks),
        ),
        Chart(
            "domains",
            "Coverage by domain",
            "Records done or partly done in each domain, and how many leaders practiced it.",
            bar_chart(_domain_bars(report), name="domains", caption="Records by domain"),
        ),
        Chart(
            "roles",
            "Coverage by role",
            "For each role: the share of prompts answered, records practiced, and how many "
            f"of the {len(catalog.domains)} domains its leaders practiced.",
            bar_chart(_role_bars(report), name="roles", caption="Answers and practice by role"),
        ),
        Chart(
            "lenses",
            "Balance across Lean In, Lift Up, Connect and Culture",
            "Records done or partly done on the behaviors each lens names.",
            bar_chart(
                [_count_bar(lens.name, lens.count) for lens in report.practice.lenses],
                name="lenses",
                caption="Records by lens",
            ),
        ),
    ]


def _domain_bars(report: Report) -> list[Bar]:
    return [
        Bar(
            d.name,
            d.practiced,
            f"{d.practiced} records · {_leaders(d.leaders)}",
            f"{d.name}: {d.done} done, {d.partly} partly, by {_leaders(d.leaders)}",
            {"records": str(d.practiced), "leaders": str(d.leaders)},
        )
        for d in report.practice.domains
    ]


def _role_bars(report: Report) -> list[Bar]:
    return [
        Bar(
            f"{r.role.capitalize()}s ({r.leaders})",
            r.rate or 0,
            (f"{r.rate:.0f}% answered" if r.rate is not None else "no prompts")
            + f" · {r.practiced} practiced · {r.domains} domains",
            f"{r.role}: {r.answered} of {r.prompts_sent} prompts answered",
            {
                "role": r.role,
                "leaders": str(r.leaders),
                "sent": str(r.prompts_sent),
                "answered": str(r.answered),
                "practiced": str(r.practiced),
                "domains": str(r.domains),
            },
        )
        for r in report.roles
    ]


def _count_bar(name: str, count: int) -> Bar:
    """A bar for something that has only a name and a count: a lens, a barrier theme."""
    return Bar(name, count, str(count), f"{name}: {count}", {"count": str(count)})


def _grid(report: Report, page: int, query: Callable[[int], str]) -> Grid:
    rows = report.grid.rows
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(page, pages)
    shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    weeks = tuple(week.start for week in report.grid.period.weeks)  # oldest first
    pager = None
    if pages > 1:
        links = []
        if page > 1:
            links.append(("Previous", query(page - 1)))
        if page < pages:
            links.append(("Next", query(page + 1)))
        first = (page - 1) * PAGE_SIZE + 1
        pager = Pager(first, first + len(shown) - 1, len(rows), links)
    # The latest week first, next to the names: what a reader looks for, and what a phone
    # shows before it scrolls.
    return Grid(LEGEND, weeks[::-1], [_grid_row(row, weeks) for row in shown], pager)


def _grid_row(row: LeaderRow, weeks: tuple[date, ...]) -> GridRow:
    """A leader's row, the latest week first (`weeks` and the row's cells oldest first)."""
    cells = [(week, CELLS[cell]) for cell, week in zip(row.cells, weeks, strict=True)][::-1]
    return GridRow(row.name, pronouns_and_title(row.pronouns, row.title), row.role, cells)
