"""The dashboard at /dashboard: participation over time, coverage by domain and role, the
leaders-by-weeks grid, barriers and highlights, filtered by team, role and dates, with the
filtered records as CSV. Plain HTML and inline SVG, no script."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape
from typing import TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.catalog import Catalog
from bot.handlers.export import write_csv
from bot.platforms import registry
from bot.reports.figures import (
    DONE,
    NO_ANSWER,
    NOT_PROMPTED,
    NOT_THIS_WEEK,
    PARTLY,
    Cell,
    LeaderRow,
    Report,
    build_report,
)
from bot.reports.records import record_rows
from bot.reports.scope import Period, Scope, Week
from bot.services import SERVICES_KEY, Services
from bot.store.models import Team, Workspace
from bot.web.access import (
    COOKIE,
    SESSION_LIFETIME,
    Refused,
    Viewer,
    exchange_link,
    is_loopback,
    session_viewer,
)
from bot.web.charts import Bar, bar_chart, participation_chart

T = TypeVar("T")
PAGE_SIZE = 50  # leaders per page of the grid
DEFAULT_WEEKS = 12
MAX_WEEKS = 106  # about two years
SHOWN_NOTES = 50
HEADERS = {
    # Private figures: never cached, never framed, nothing loaded from elsewhere.
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
CELLS: dict[Cell, tuple[str, str, str]] = {
    # state: (css class, mark, words)
    DONE: ("done", "✓", "done"),
    PARTLY: ("partly", "◐", "partly"),
    NOT_THIS_WEEK: ("not", "✗", "not this week"),
    NO_ANSWER: ("none", "?", "no answer"),
    NOT_PROMPTED: ("unprompted", "", "not prompted"),
    None: ("out", "", "not in this view"),
}
LEGEND: tuple[Cell, ...] = (DONE, PARTLY, NOT_THIS_WEEK, NO_ANSWER, NOT_PROMPTED)


class BadFilter(Exception):
    """A filter that can't be read; its message says how to write it."""


@dataclass(frozen=True)
class Filters:
    team_id: int | None
    role: str | None
    start: date
    end: date
    page: int

    def query(self, *, page: int = 1) -> str:
        """These filters as a query string, on page `page` of the grid."""
        values = {
            "team": str(self.team_id or ""),
            "role": self.role or "",
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "page": str(page) if page > 1 else "",
        }
        return urlencode({key: value for key, value in values.items() if value})


@dataclass(frozen=True)
class View:
    """What one request shows: the filters read, the teams on offer, and the report's scope."""

    filters: Filters
    teams: list[Team]
    scope: Scope
    period: Period
    label: str
    member: bool  # a team member (not an admin): the teams on offer are theirs


def _read_filters(
    query: Mapping[str, str], catalog: Catalog, team: Team | None, zone: ZoneInfo, now: datetime
) -> Filters:
    role = query.get("role", "").strip() or None
    if role is not None and role not in catalog.roles:
        raise BadFilter(f"Choose a role from the list: {', '.join(catalog.roles)}.")
    today = now.astimezone(zone).date()
    try:
        end = date.fromisoformat(query["to"]) if query.get("to") else today
        start = (
            date.fromisoformat(query["from"])
            if query.get("from")
            else end - timedelta(weeks=DEFAULT_WEEKS - 1)
        )
    except ValueError:
        raise BadFilter("Write dates as year-month-day, like 2026-11-23.") from None
    if start > end:
        raise BadFilter("The start date is after the end date.")
    if (end - start).days > MAX_WEEKS * 7:
        raise BadFilter(f"Choose at most {MAX_WEEKS} weeks.")
    page = query.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        raise BadFilter("Pages are numbered from 1.")
    return Filters(team.id if team else None, role, start, end, int(page))


def _view(
    session: Session, catalog: Catalog, viewer: Viewer, query: Mapping[str, str], now: datetime
) -> View:
    teams = list(
        session.scalars(
            select(Team).where(Team.workspace_id == viewer.workspace_id).order_by(Team.name)
        )
    )
    if viewer.team_ids is not None:
        teams = [team for team in teams if team.id in viewer.team_ids]
    wanted = query.get("team", "").strip()
    if wanted and not wanted.isdigit():
        raise BadFilter("Choose the team from the list.")
    chosen = next((team for team in teams if str(team.id) == wanted), None)
    if wanted and chosen is None:
        raise Refused("That team isn't on your dashboard", "Choose one of the teams in the list.")
    if chosen is None and viewer.team_ids is not None and len(teams) == 1:
        chosen = teams[0]  # a member of one team sees it in the team's own weeks
    zone = ZoneInfo(chosen.timezone if chosen else viewer.zone)
    filters = _read_filters(query, catalog, chosen, zone, now)
    team_ids = (chosen.id,) if chosen else viewer.team_ids
    scope = Scope(workspace_id=viewer.workspace_id, team_ids=team_ids, role=filters.role)
    if chosen:
        label = f"Team {chosen.name}"
    elif viewer.team_ids is None:
        label = "Every team and leader"
    else:
        label = "Your teams: " + ", ".join(team.name for team in teams)
    period = Period(filters.start, filters.end, zone)
    return View(filters, teams, scope, period, label, member=not viewer.is_admin)


def render_page(
    session: Session,
    catalog: Catalog,
    viewer: Viewer,
    query: Mapping[str, str],
    *,
    now: datetime,
) -> str:
    """The whole dashboard page for one viewer and one set of filters."""
    view = _view(session, catalog, viewer, query, now)
    report = build_report(
        session, catalog, view.scope, view.period, now=now, notes_limit=SHOWN_NOTES
    )
    workspace = session.get(Workspace, viewer.workspace_id)
    place = workspace.name if workspace and workspace.name else "your workspace"
    role = f", {view.filters.role}s" if view.filters.role else ""
    period = view.period
    sections = [
        _summary(report),
        _section(
            "participation",
            "Participation over time",
            "Prompts sent (light) and answered (dark) each week; the figure under each week "
            "is the share answered.",
            participation_chart(report.grid.weeks),
        ),
        _section(
            "domains",
            "Coverage by domain",
            "Records done or partly done in each domain, and how many leaders practiced it.",
            bar_chart(
                [
                    Bar(
                        d.name,
                        d.practiced,
                        f"{d.practiced} records · {_leaders(d.leaders)}",
                        f"{d.name}: {d.done} done, {d.partly} partly, by {_leaders(d.leaders)}",
                        {"records": str(d.practiced), "leaders": str(d.leaders)},
                    )
                    for d in report.practice.domains
                ],
                name="domains",
                caption="Records by domain",
            ),
        ),
        _section(
            "roles",
            "Coverage by role",
            "For each role: the share of prompts answered, records practiced, and how many "
            f"of the {len(catalog.domains)} domains its leaders practiced.",
            bar_chart(
                [
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
                ],
                name="roles",
                caption="Answers and practice by role",
            ),
        ),
        _section(
            "lenses",
            "Balance across Lean In, Lift Up, Connect and Culture",
            "Records done or partly done on the behaviors each lens names.",
            bar_chart(
                [
                    Bar(
                        lens.name,
                        lens.count,
                        str(lens.count),
                        f"{lens.name}: {lens.count}",
                        {"count": str(lens.count)},
                    )
                    for lens in report.practice.lenses
                ],
                name="lenses",
                caption="Records by lens",
            ),
        ),
        _grid(report, view),
        _barriers(report),
        _highlights(report),
    ]
    return _page(
        "Follow-Through dashboard",
        f"""<header><h1>Follow-Through dashboard</h1>
<p class="scope">{escape(place)} · {escape(view.label)}{escape(role)} · weeks of
{period.start:%d %b %Y} to {period.weeks[-1].start:%d %b %Y}, Monday to Sunday in
{escape(period.zone.key)}. Shown to {escape(viewer.name)}.</p></header>
{_filter_form(view, catalog)}
{"".join(sections)}""",
    )


def _leaders(count: int) -> str:
    return f"{count} leader" if count == 1 else f"{count} leaders"


def _summary(report: Report) -> str:
    weeks = report.grid.weeks
    sent = sum(w.prompts_sent for w in weeks)
    answered = sum(w.answered for w in weeks)
    rate = f" ({100 * answered / sent:.0f}%)" if sent else ""
    tiles = [
        ("leaders", "Leaders", str(len(report.grid.rows))),
        ("sent", "Prompts sent", str(sent)),
        ("answered", "Answered", f"{answered}{rate}"),
        ("recognitions", "Recognitions", str(sum(n for _, n in report.recognitions))),
        ("quiet", "Quiet two weeks or more", str(len(report.quiet))),
    ]
    return (
        '<section id="summary" class="tiles">'
        + "".join(
            f'<div class="tile" id="summary-{key}"><span>{label}</span>'
            f"<strong>{value}</strong></div>"
            for key, label, value in tiles
        )
        + "</section>"
    )


def _section(key: str, title: str, explanation: str, body: str) -> str:
    return (
        f'<section id="{key}"><h2>{escape(title)}</h2>'
        f'<p class="hint">{escape(explanation)}</p>{body}</section>'
    )


def _grid(report: Report, view: View) -> str:
    rows = report.grid.rows
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(view.filters.page, pages)
    shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    weeks = report.grid.period.weeks
    head = "".join(f'<th scope="col" title="Week of {w.start}">{w.start:%b %d}</th>' for w in weeks)
    body = "".join(_grid_row(row, weeks) for row in shown)
    legend = "".join(
        f'<span class="cell {css}">{mark}</span> {words}'
        for css, mark, words in (CELLS[state] for state in LEGEND)
    )
    pager = ""
    if pages > 1:
        links = []
        if page > 1:
            links.append(f'<a href="?{escape(view.filters.query(page=page - 1))}">Previous</a>')
        if page < pages:
            links.append(f'<a href="?{escape(view.filters.query(page=page + 1))}">Next</a>')
        first = (page - 1) * PAGE_SIZE + 1
        pager = (
            f'<p class="pager">Leaders {first} to {first + len(shown) - 1} of {len(rows)} · '
            + " · ".join(links)
            + "</p>"
        )
    table = (
        f'<div class="scroll"><table class="grid"><thead><tr><th scope="col">Leader</th>'
        f"{head}</tr></thead><tbody>{body}</tbody></table></div>"
        if rows
        else '<p class="empty">No leaders in this view.</p>'
    )
    return _section(
        "grid",
        "Leaders and weeks",
        "What each leader answered each week: the best answer of the week counts.",
        f'<p class="legend">{legend}</p>{table}{pager}',
    )


def _grid_row(row: LeaderRow, weeks: tuple[Week, ...]) -> str:
    cells = []
    for cell, week in zip(row.cells, weeks, strict=True):
        css, mark, words = CELLS[cell]
        cells.append(
            f'<td class="cell {css}" title="{escape(row.name)}, week of {week.start}: {words}">'
            f"{mark}</td>"
        )
    role = f' <span class="role">{escape(row.role)}</span>' if row.role else ""
    return (
        f'<tr data-leader="{escape(row.name)}"><th scope="row">{escape(row.name)}{role}</th>'
        f"{''.join(cells)}</tr>"
    )


def _barriers(report: Report) -> str:
    if not report.barriers:
        body = '<p class="empty">No barriers raised in these weeks.</p>'
    else:
        chart = bar_chart(
            [
                Bar(
                    g.theme, g.count, str(g.count), f"{g.theme}: {g.count}", {"count": str(g.count)}
                )
                for g in report.barriers
            ],
            name="barriers",
            caption="Barriers by theme",
        )
        lists = "".join(
            f"<h3>{escape(g.theme)} ({g.count})</h3><ul>"
            + "".join(
                f"<li>{escape(t.text)}"
                + (f" <em>({t.count} times)</em>" if t.count > 1 else "")
                + "</li>"
                for t in g.texts
            )
            + "</ul>"
            for g in report.barriers
        )
        body = chart + lists
    return _section(
        "barriers",
        "Barriers",
        "What got in the way, in the leaders' words, grouped by theme (who raised them is "
        "not shown).",
        body,
    )


def _highlights(report: Report) -> str:
    notes = report.highlights
    items = "".join(
        f'<li data-kind="{n.kind}"><strong>{escape(n.leader)}</strong> on '
        f"{escape(n.behavior_id)} {escape(n.title)}"
        + (" (update to the implementation team)" if n.kind == "update" else "")
        + f", {n.at:%d %b}: <q>{escape(n.note)}</q></li>"
        for n in notes.notes
    )
    more = (
        f'<p class="hint">The latest {len(notes.notes)} of {notes.total}; the CSV has them all.</p>'
        if notes.total > len(notes.notes)
        else ""
    )
    shared = (
        f'<ul id="notes">{items}</ul>{more}'
        if items
        else '<p class="empty" id="notes">No shared notes in these weeks.</p>'
    )
    recognitions = ", ".join(f"{escape(name)} ({count})" for name, count in report.recognitions)
    streaks = ", ".join(f"{escape(row.name)} ({weeks} weeks)" for row, weeks in report.streaks[:20])
    quiet = ", ".join(f"{escape(row.name)} ({weeks} weeks)" for row, weeks in report.quiet)
    return _section(
        "highlights",
        "Highlights",
        "Notes leaders shared with the implementation team, recognitions of staff, streaks, "
        "and who has gone quiet.",
        f"<h3>Shared notes and updates ({notes.total})</h3>{shared}"
        f"<h3>Recognitions ({sum(n for _, n in report.recognitions)})</h3>"
        f'<p id="recognitions">{recognitions or "None in these weeks."}</p>'
        f"<h3>Streaks ({len(report.streaks)})</h3>"
        f'<p id="streaks">{streaks or "No one has practiced two weeks in a row."}</p>'
        f"<h3>No answer for two weeks or more ({len(report.quiet)})</h3>"
        f'<p id="quiet">{quiet or "No one."}</p>',
    )


def _filter_form(view: View, catalog: Catalog) -> str:
    filters = view.filters
    everyone = "All my teams" if view.member else "All teams"
    teams = f'<option value="">{everyone}</option>' + "".join(
        f'<option value="{t.id}"{" selected" if t.id == filters.team_id else ""}>'
        f"{escape(t.name)}</option>"
        for t in view.teams
    )
    roles = '<option value="">All roles</option>' + "".join(
        f'<option value="{r}"{" selected" if r == filters.role else ""}>{r.capitalize()}s</option>'
        for r in catalog.roles
    )
    return f"""<form class="filters" method="get" action="/dashboard">
<label>Team <select name="team">{teams}</select></label>
<label>Role <select name="role">{roles}</select></label>
<label>From <input type="date" name="from" value="{filters.start}"></label>
<label>To <input type="date" name="to" value="{filters.end}"></label>
<button type="submit">Apply</button>
<a class="download" href="/dashboard/records.csv?{escape(filters.query())}" download>
Download these records (CSV)</a>
</form>"""


def records_csv(
    session: Session,
    catalog: Catalog,
    viewer: Viewer,
    query: Mapping[str, str],
    *,
    now: datetime,
) -> tuple[str, bytes]:
    """The filtered records as CSV (a file name and its bytes). Team members get notes only
    where they reach the implementation team; admins get every note."""
    view = _view(session, catalog, viewer, query, now)
    buffer = io.StringIO()
    write_csv(
        record_rows(
            session,
            catalog,
            view.scope,
            period=view.period,
            notes="all" if viewer.is_admin else "team",
        ),
        buffer,
    )
    name = f"followthrough-records-{view.period.start}-to-{view.period.end}.csv"
    return name, buffer.getvalue().encode("utf-8")


def _page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{STYLE}</style></head>
<body>{body}</body></html>"""


def _refusal(status: type[web.HTTPException], title: str, advice: str) -> web.HTTPException:
    """A page that says why the request was turned away and what to do instead."""
    page = f'<main class="refused"><h1>{escape(title)}</h1><p>{escape(advice)}</p></main>'
    return status(text=_page(title, page), content_type="text/html", headers=HEADERS)


def _services(request: web.Request) -> Services:
    return request.app[SERVICES_KEY]


async def _as_viewer(request: web.Request, work: Callable[[Session, Viewer, datetime], T]) -> T:
    """Run `work` (in a worker thread, in one transaction) for whoever the request comes
    from, at the service clock's moment; a refusal or a filter that can't be read becomes
    its page."""
    services = _services(request)
    cookie = request.cookies.get(COOKIE)
    local = registry.loopback_trusted(services.settings) and is_loopback(request.remote)
    now = services.clock.now()

    def run() -> T:
        with services.sessions.begin() as session:
            viewer = session_viewer(session, services.settings, cookie, local=local, now=now)
            return work(session, viewer, now)

    try:
        return await asyncio.to_thread(run)
    except Refused as refused:
        raise _refusal(web.HTTPForbidden, refused.title, refused.advice) from None
    except BadFilter as problem:
        raise _refusal(web.HTTPBadRequest, "That filter doesn't read right", str(problem)) from None


async def dashboard(request: web.Request) -> web.Response:
    services = _services(request)
    token = request.query.get("token")
    if token is not None:
        return await _exchange(services, token)
    page = await _as_viewer(
        request,
        lambda session, viewer, now: render_page(
            session, services.catalog, viewer, request.query, now=now
        ),
    )
    return web.Response(text=page, content_type="text/html", headers=HEADERS)


async def _exchange(services: Services, token: str) -> web.Response:
    """A link from the `dashboard` command: on to the dashboard, with a session cookie."""

    def use() -> str:
        with services.sessions.begin() as session:
            return exchange_link(session, services.settings, token, now=services.clock.now())

    try:
        cookie = await asyncio.to_thread(use)
    except Refused as refused:
        raise _refusal(web.HTTPForbidden, refused.title, refused.advice) from None
    response = web.Response(status=303, headers={**HEADERS, "Location": "/dashboard"})
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/dashboard",
        httponly=True,
        samesite="Lax",
        secure=services.settings.base_url.startswith("https://"),
    )
    return response


async def download(request: web.Request) -> web.Response:
    services = _services(request)
    name, data = await _as_viewer(
        request,
        lambda session, viewer, now: records_csv(
            session, services.catalog, viewer, request.query, now=now
        ),
    )
    return web.Response(
        body=data,
        content_type="text/csv",
        charset="utf-8",
        headers={**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
    )


def add_dashboard_routes(app: web.Application) -> None:
    app.router.add_get("/dashboard", dashboard)
    app.router.add_get("/dashboard/records.csv", download)


STYLE = """
:root { --ink: #1d2433; --muted: #5b6475; --line: #d9dee7; --done: #1b7f5b;
  --partly: #7fc3a5; --not: #d9822b; --none: #c4453c; --unprompted: #eef1f5; --sent: #b8c7e0;
  --answered: #2f5aa8; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink);
  margin: 0 auto; max-width: 1100px; padding: 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .25rem; }
h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
.scope, .hint, .legend, .pager { color: var(--muted); margin: .25rem 0 .75rem; }
.filters { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; padding: .75rem;
  border: 1px solid var(--line); border-radius: 6px; }
.filters label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
.filters select, .filters input, .filters button { font: inherit; padding: .3rem .4rem; }
.download { margin-left: auto; }
.tiles { display: flex; flex-wrap: wrap; gap: .75rem; margin-top: 1rem; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .9rem; min-width: 9rem; }
.tile span { display: block; color: var(--muted); font-size: .85rem; }
.tile strong { font-size: 1.35rem; }
.chart { width: 100%; height: auto; font-size: 12px; }
.chart .bar rect { fill: var(--answered); }
.chart rect.sent { fill: var(--sent); }
.chart rect.answered { fill: var(--answered); }
.chart .axis { stroke: var(--line); }
.chart .tick, .chart .rate { fill: var(--muted); font-size: 11px; }
.chart .value { fill: var(--ink); }
.scroll { overflow-x: auto; }
table.grid { border-collapse: collapse; font-size: 12px; }
table.grid th { text-align: left; font-weight: normal; padding: 2px 6px; white-space: nowrap; }
table.grid thead th { color: var(--muted); writing-mode: vertical-rl; transform: rotate(180deg); }
table.grid .role { color: var(--muted); font-size: 11px; }
.cell { display: inline-block; width: 18px; height: 18px; text-align: center; line-height: 18px;
  border: 1px solid #fff; color: #fff; font-size: 11px; }
td.cell { display: table-cell; }
.cell.done { background: var(--done); }
.cell.partly { background: var(--partly); }
.cell.not { background: var(--not); }
.cell.none { background: var(--none); }
.cell.unprompted { background: var(--unprompted); }
.cell.out { background: #fff; }
.legend .cell { margin: 0 .2rem 0 .8rem; }
.empty { color: var(--muted); font-style: italic; }
.refused { max-width: 40rem; margin: 4rem auto; }
"""
