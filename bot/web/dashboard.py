"""The dashboard at /dashboard: participation over time, coverage by domain and role, the
leaders-by-weeks grid, barriers and highlights, filtered by team, role and dates, with the
filtered records as CSV. Plain HTML and inline SVG, no script, laid out by the Jinja2
templates in bot/web/templates from the figures bot/web/sections.py works out."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core.catalog import Catalog
from bot.platforms import registry
from bot.reports.export import write_csv
from bot.reports.figures import build_report
from bot.reports.records import record_rows
from bot.reports.scope import Period, Scope
from bot.services import SERVICES_KEY, Services
from bot.store.models import Person, Team, Workspace
from bot.web.access import (
    COOKIE,
    SESSION_LIFETIME,
    Refused,
    Viewer,
    exchange_link,
    is_loopback,
    session_viewer,
)
from bot.web.guard import address_problem
from bot.web.pages import html_page
from bot.web.sections import sections

T = TypeVar("T")
DEFAULT_WEEKS = 12
MAX_WEEKS = 106  # about two years
SHOWN_NOTES = 50
REPORTS = "reports"  # the team filter's value for the people who report to the viewer
HEADERS = {
    # Private figures: never cached, never framed, nothing loaded from elsewhere.
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


class BadFilter(Exception):
    """A filter that can't be read; its message says how to write it."""


@dataclass(frozen=True)
class Filters:
    team_id: int | None
    role: str | None
    start: date
    end: date
    page: int
    reports: bool = False  # the people who report to the viewer, rather than a team

    def query(self, *, page: int = 1) -> str:
        """These filters as a query string, on page `page` of the grid."""
        values = {
            "team": REPORTS if self.reports else str(self.team_id or ""),
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
    member: bool  # not an admin: the teams on offer are theirs
    reports: tuple[int, ...]  # the leaders under the viewer, offered as a choice of their own


class Option(NamedTuple):
    value: str
    label: str
    selected: bool


def _read_filters(
    query: Mapping[str, str],
    catalog: Catalog,
    team: Team | None,
    zone: ZoneInfo,
    now: datetime,
    *,
    reports: bool,
    earliest: datetime | None = None,
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
            else _default_start(end, earliest.astimezone(zone).date() if earliest else None)
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
    return Filters(team.id if team else None, role, start, end, int(page), reports)


def _default_start(end: date, earliest: date | None) -> date:
    """The last DEFAULT_WEEKS weeks to `end`, or fewer: from the week the workspace met its
    first person (before it there can be nothing to show), but never after `end`."""
    start = end - timedelta(weeks=DEFAULT_WEEKS - 1)
    if earliest is not None:
        start = max(start, earliest - timedelta(days=earliest.weekday()))
    return min(start, end)


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
    if wanted == REPORTS and not viewer.report_ids:
        raise Refused(
            "Nobody reports to you",
            "Choose one of the teams in the list; an admin sets reporting lines.",
        )
    # Someone with reports and no team sees their people; with both, their teams first.
    reports = wanted == REPORTS or (not wanted and not teams and bool(viewer.report_ids))
    if wanted and not reports and not wanted.isdigit():
        raise BadFilter("Choose the team from the list.")
    chosen = next((team for team in teams if str(team.id) == wanted), None)
    if wanted and not reports and chosen is None:
        raise Refused("That team isn't on your dashboard", "Choose one of the teams in the list.")
    if chosen is None and not reports and viewer.team_ids is not None and len(teams) == 1:
        chosen = teams[0]  # a member of one team sees it in the team's own weeks
    zone = ZoneInfo(chosen.timezone if chosen else viewer.zone)
    earliest = (
        None
        if query.get("from")
        else session.scalar(
            select(func.min(Person.created_at)).where(Person.workspace_id == viewer.workspace_id)
        )
    )
    filters = _read_filters(query, catalog, chosen, zone, now, reports=reports, earliest=earliest)
    if reports:
        scope = Scope(
            workspace_id=viewer.workspace_id, role=filters.role, person_ids=viewer.report_ids
        )
        label = "The people who report to you"
    else:
        team_ids = (chosen.id,) if chosen else viewer.team_ids
        scope = Scope(workspace_id=viewer.workspace_id, team_ids=team_ids, role=filters.role)
        if chosen:
            label = f"Team {chosen.name}"
        elif viewer.team_ids is None:
            label = "Every team and leader"
        else:
            label = "Your teams: " + ", ".join(team.name for team in teams)
    period = Period(filters.start, filters.end, zone)
    return View(
        filters,
        teams,
        scope,
        period,
        label,
        member=not viewer.is_admin,
        reports=viewer.report_ids,
    )


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
    role = f", {view.filters.role}s" if view.filters.role else ""
    return html_page(
        "dashboard.html",
        title="Follow-Through dashboard",
        place=workspace.name if workspace and workspace.name else "your workspace",
        label=view.label + role,
        period=view.period,
        viewer=viewer.name,
        filters=view.filters,
        teams=_team_options(view),
        roles=_role_options(catalog, view.filters.role),
        empty=not any(
            w.prompts_sent or w.done or w.partly or w.not_this_week for w in report.grid.weeks
        ),
        **sections(
            report, catalog, page=view.filters.page, query=lambda n: view.filters.query(page=n)
        )._asdict(),
    )


def _team_options(view: View) -> list[Option]:
    options = [
        Option(str(team.id), team.name, team.id == view.filters.team_id) for team in view.teams
    ]
    if view.teams or not view.member:
        options.insert(0, Option("", "All my teams" if view.member else "All teams", False))
    if view.reports:
        options.append(Option(REPORTS, "People who report to me", view.filters.reports))
    return options


def _role_options(catalog: Catalog, chosen: str | None) -> list[Option]:
    return [Option("", "All roles", selected=False)] + [
        Option(role, f"{role.capitalize()}s", role == chosen) for role in catalog.roles
    ]


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


def _refusal(status: type[web.HTTPException], title: str, advice: str) -> web.HTTPException:
    """A page that says why the request was turned away and what to do instead."""
    page = html_page("refused.html", title=title, advice=advice)
    return status(text=page, content_type="text/html", headers=HEADERS)


def _services(request: web.Request) -> Services:
    return request.app[SERVICES_KEY]


async def _as_viewer(request: web.Request, work: Callable[[Session, Viewer, datetime], T]) -> T:
    """Run `work` (in a worker thread, in one transaction) for whoever the request comes
    from, at the service clock's moment; a refusal or a filter that can't be read becomes
    its page."""
    services = _services(request)
    cookie = request.cookies.get(COOKIE)
    local = _loopback_trust(request, services)
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


def _loopback_trust(request: web.Request, services: Services) -> tuple[str, str, str] | None:
    """The workspace this machine's browser opens without a link, if the request is from
    that browser, on this service's own address (not another site's page in it)."""
    if not is_loopback(request.remote):
        return None
    local = registry.loopback_workspace(services.settings)
    if local is None:
        return None
    problem = address_problem(request, services.settings)
    if problem is not None:
        status, advice = problem
        kind = web.HTTPMisdirectedRequest if status == 421 else web.HTTPForbidden
        raise _refusal(kind, "This isn't this computer's own dashboard page", advice)
    return local


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
