"""The dashboard's web routes on a real web app and database (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set): who gets in (a link used once within 15 minutes, then an 8-hour
cookie; localhost in local mode), what each viewer sees, the charts' numbers, the CSV."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select, update

from bot.config import Settings
from bot.core import links
from bot.core.catalog import load_catalog
from bot.core.clock import SetClock
from bot.platforms import registry
from bot.reports.figures import Note
from bot.services import SERVICES_KEY, Services
from bot.store.db import create_db_engine, migrate, session_factory
from bot.store.models import Person, Record, Team, TeamMembership, UsedDashboardLink
from bot.web.access import COOKIE, is_loopback
from bot.web.dashboard import add_dashboard_routes
from bot.web.sections import _by_leader
from tests.reports.agency import Agency, build_agency

Client = TestClient[web.Request, web.Application]
SECRET = "dashboard-test-secret"
FIRST_MONDAY = date(2026, 11, 2)
# The dashboard's clock: the Monday after the agency's four weeks, at noon.
AFTER_FOUR_WEEKS = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
FOUR_WEEKS = "from=2026-11-02&to=2026-11-29"
# The run mode is each test's choice, whatever the shell exports.
pytestmark = pytest.mark.usefixtures("no_platform_credentials")


class Dashboard:
    """The dashboard's web app on a database holding the agency of tests/reports/agency.py."""

    def __init__(self, client: Client, services: Services, agency: Agency, clock: SetClock) -> None:
        self.client = client
        self.services = services
        self.agency = agency
        self.clock = clock

    def link(self, person_id: int) -> str:
        token = links.sign(
            SECRET,
            links.LINK_SALT,
            person_id=person_id,
            workspace_id=self.agency.workspace_id,
            now=self.clock.now(),
        )
        return f"/dashboard?token={token}"

    async def sign_in(self, person_id: int) -> None:
        response = await self.client.get(self.link(person_id), allow_redirects=False)
        assert response.status == 303, await page_text(response)

    async def page(self, query: str = FOUR_WEEKS) -> str:
        response = await self.client.get(f"/dashboard?{query}")
        assert response.status == 200, await page_text(response)
        return await page_text(response)

    async def records(self, query: str = FOUR_WEEKS) -> list[dict[str, str]]:
        response = await self.client.get(f"/dashboard/records.csv?{query}")
        assert response.status == 200, await page_text(response)
        return list(csv.DictReader(io.StringIO(await page_text(response))))

    def used_links(self) -> int:
        with self.services.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(UsedDashboardLink)) or 0)


OpenDashboard = Callable[..., Awaitable[Dashboard]]


@pytest.fixture
async def open_dashboard(
    aiohttp_client: Callable[..., Awaitable[Client]], fresh_url: str
) -> AsyncIterator[OpenDashboard]:
    made: list[Services] = []

    async def open_dashboard(
        *, local: bool = False, remote: str | None = None, platform: str = "fake"
    ) -> Dashboard:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=fresh_url,
            secret_key=SECRET,
            microsoft_app_id="" if local else "test-app-id",
        )
        engine = create_db_engine(fresh_url)
        migrate(engine)
        clock = SetClock(AFTER_FOUR_WEEKS)
        services = Services(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            catalog=load_catalog(),
            clock=clock,
        )
        made.append(services)
        with services.sessions.begin() as session:
            agency = build_agency(session, FIRST_MONDAY, platform=platform, external_id=platform)

        @web.middleware
        async def from_elsewhere(
            request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
        ) -> web.StreamResponse:
            return await handler(request.clone(remote=remote) if remote else request)

        app = web.Application(middlewares=[from_elsewhere])
        app[SERVICES_KEY] = services
        add_dashboard_routes(app)
        return Dashboard(await aiohttp_client(app), services, agency, clock)

    yield open_dashboard
    for services in made:
        services.engine.dispose()


@pytest.fixture
async def dashboard(open_dashboard: OpenDashboard) -> Dashboard:
    return await open_dashboard()


async def page_text(response: Any) -> str:
    """The page as a reader sees it (entities such as &#x27; turned back into characters)."""
    return html.unescape(await response.text())


def refused(page: str, status_text: str) -> bool:
    return status_text in page and "<h1>" in page


# The link: once, within 15 minutes, then an 8-hour cookie


async def test_a_link_becomes_a_session_cookie_and_opens_the_dashboard(
    dashboard: Dashboard,
) -> None:
    response = await dashboard.client.get(
        dashboard.link(dashboard.agency.avery), allow_redirects=False
    )

    assert response.status == 303
    assert response.headers["Location"] == "/dashboard"
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/dashboard"
    assert cookie["max-age"] == str(8 * 3600)
    assert "token" not in response.headers["Location"]
    page = await dashboard.page()
    assert "Follow-Through dashboard" in page
    assert "Every team and leader" in page
    assert dashboard.used_links() == 1


async def test_a_link_works_once(dashboard: Dashboard) -> None:
    link = dashboard.link(dashboard.agency.avery)
    await dashboard.client.get(link, allow_redirects=False)

    again = await dashboard.client.get(link, allow_redirects=False)

    assert again.status == 403
    assert refused(await page_text(again), "This dashboard link has already been used")
    assert "type `dashboard`" in await page_text(again)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(
            lambda token: token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB"), id="signature"
        ),
        pytest.param(lambda token: "x" + token[1:], id="payload"),
        pytest.param(lambda token: token[: len(token) // 2], id="cut-short"),
        pytest.param(lambda token: "not-a-token", id="garbage"),
    ],
)
async def test_a_tampered_link_is_refused(dashboard: Dashboard, tamper: Any) -> None:
    token = dashboard.link(dashboard.agency.avery).split("token=", 1)[1]

    response = await dashboard.client.get(f"/dashboard?token={tamper(token)}")

    assert response.status == 403
    assert refused(await page_text(response), "This dashboard link isn't valid")
    assert dashboard.used_links() == 0


async def test_a_link_for_another_workspace_or_signed_with_another_key_is_refused(
    dashboard: Dashboard,
) -> None:
    now = dashboard.clock.now()
    elsewhere = links.sign(
        SECRET, links.LINK_SALT, person_id=dashboard.agency.avery, workspace_id=999, now=now
    )
    other_key = links.sign(
        "another-secret",
        links.LINK_SALT,
        person_id=dashboard.agency.avery,
        workspace_id=dashboard.agency.workspace_id,
        now=now,
    )

    for token in (elsewhere, other_key):
        response = await dashboard.client.get(f"/dashboard?token={token}")
        assert response.status == 403
        assert "This dashboard link isn't valid" in await page_text(response)


async def test_a_link_expires_after_15_minutes(dashboard: Dashboard) -> None:
    link = dashboard.link(dashboard.agency.avery)
    dashboard.clock.set(AFTER_FOUR_WEEKS + timedelta(minutes=16))

    response = await dashboard.client.get(link, allow_redirects=False)

    assert response.status == 403
    assert refused(await page_text(response), "This dashboard link has expired")
    assert dashboard.used_links() == 0


async def test_a_link_still_works_at_14_minutes(dashboard: Dashboard) -> None:
    link = dashboard.link(dashboard.agency.avery)
    dashboard.clock.set(AFTER_FOUR_WEEKS + timedelta(minutes=14))

    response = await dashboard.client.get(link, allow_redirects=False)

    assert response.status == 303


async def test_the_session_ends_after_8_hours(dashboard: Dashboard) -> None:
    await dashboard.sign_in(dashboard.agency.avery)
    dashboard.clock.set(AFTER_FOUR_WEEKS + timedelta(hours=7, minutes=59))
    assert (await dashboard.client.get("/dashboard")).status == 200

    dashboard.clock.set(AFTER_FOUR_WEEKS + timedelta(hours=8, minutes=1))
    response = await dashboard.client.get("/dashboard")

    assert response.status == 403
    assert refused(await page_text(response), "Your dashboard session has ended")


async def test_a_tampered_cookie_is_refused(dashboard: Dashboard) -> None:
    await dashboard.sign_in(dashboard.agency.avery)
    value = dashboard.client.session.cookie_jar.filter_cookies(
        dashboard.client.make_url("/dashboard")
    )[COOKIE].value
    forged = links.sign(
        "guessed", links.SESSION_SALT, person_id=1, workspace_id=1, now=dashboard.clock.now()
    )

    for cookie in (value[:-2] + "zz", forged, dashboard.link(1).split("token=")[1]):
        dashboard.client.session.cookie_jar.clear()
        response = await dashboard.client.get("/dashboard", cookies={COOKIE: cookie})
        assert response.status == 403, cookie
        assert "isn't valid" in await page_text(response)


async def test_without_a_link_or_a_cookie_the_dashboard_is_closed(dashboard: Dashboard) -> None:
    for path in ("/dashboard", "/dashboard/records.csv"):
        response = await dashboard.client.get(path)
        assert response.status == 403
        assert refused(await page_text(response), "Open the dashboard from your chat")


async def test_someone_neither_admin_nor_team_member_is_refused(dashboard: Dashboard) -> None:
    with dashboard.services.sessions.begin() as session:
        outsider = Person(
            workspace_id=dashboard.agency.workspace_id,
            platform_user_id="U-OUT",
            display_name="Zed",
            created_at=dashboard.clock.now(),
        )
        session.add(outsider)
        session.flush()
        outsider_id = outsider.id

    response = await dashboard.client.get(dashboard.link(outsider_id))

    assert response.status == 403
    assert refused(await page_text(response), "You can't open the dashboard")


async def test_leaving_the_team_ends_access_at_once(dashboard: Dashboard) -> None:
    await dashboard.sign_in(dashboard.agency.eve)
    assert "Team North" in await dashboard.page()
    with dashboard.services.sessions.begin() as session:
        session.execute(
            update(TeamMembership)
            .where(TeamMembership.person_id == dashboard.agency.eve)
            .values(ended_at=dashboard.clock.now())
        )

    response = await dashboard.client.get("/dashboard")

    assert response.status == 403
    assert "You can't open the dashboard" in await page_text(response)


# Local mode: this computer's browser is let in; nobody else


async def test_in_local_mode_localhost_needs_no_link(open_dashboard: OpenDashboard) -> None:
    dashboard = await open_dashboard(local=True, platform="local")

    page = await dashboard.page()

    assert "Shown to this computer" in page
    assert 'data-leader="Ana Alvarez"' in page


async def test_in_local_mode_another_machine_still_needs_a_link(
    open_dashboard: OpenDashboard,
) -> None:
    dashboard = await open_dashboard(local=True, platform="local", remote="203.0.113.9")

    assert (await dashboard.client.get("/dashboard")).status == 403
    await dashboard.sign_in(dashboard.agency.avery)
    assert (await dashboard.client.get("/dashboard")).status == 200


async def test_with_a_chat_platform_configured_localhost_needs_a_link_too(
    dashboard: Dashboard,
) -> None:
    assert registry.loopback_workspace(dashboard.services.settings) is None
    assert (await dashboard.client.get("/dashboard")).status == 403


async def test_even_in_local_mode_a_bad_link_is_refused(open_dashboard: OpenDashboard) -> None:
    dashboard = await open_dashboard(local=True, platform="local")

    response = await dashboard.client.get("/dashboard?token=nonsense")

    assert response.status == 403


@pytest.mark.parametrize(
    "host",
    [
        pytest.param("attacker.example", id="another name"),
        pytest.param("attacker.example:3978", id="another name with a port"),
        pytest.param("127.0.0.1.attacker.example", id="a name starting with 127.0.0.1"),
    ],
)
@pytest.mark.parametrize("path", ["/dashboard", f"/dashboard/records.csv?{FOUR_WEEKS}"])
async def test_in_local_mode_a_page_naming_another_host_is_not_this_computer(
    open_dashboard: OpenDashboard, host: str, path: str
) -> None:
    """DNS rebinding: another site's name re-pointed at 127.0.0.1 reaches the dashboard from
    this computer, but with that name in Host; it is not let in as this computer."""
    dashboard = await open_dashboard(local=True, platform="local")

    response = await dashboard.client.get(path, headers={"Host": host})

    assert response.status == 421
    page = await page_text(response)
    assert refused(page, "This isn't this computer's own dashboard page")
    assert "127.0.0.1" in page
    assert "Ana Alvarez" not in page
    assert response.headers["X-Frame-Options"] == "DENY"


async def test_in_local_mode_a_request_from_another_site_is_not_this_computer(
    open_dashboard: OpenDashboard,
) -> None:
    dashboard = await open_dashboard(local=True, platform="local")

    response = await dashboard.client.get(
        "/dashboard", headers={"Origin": "https://attacker.example"}
    )

    assert response.status == 403
    assert "Ana Alvarez" not in await page_text(response)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:3978", "[::1]:3978"])
async def test_in_local_mode_this_computers_names_are_let_in(
    open_dashboard: OpenDashboard, host: str
) -> None:
    dashboard = await open_dashboard(local=True, platform="local")

    response = await dashboard.client.get(f"/dashboard?{FOUR_WEEKS}", headers={"Host": host})

    assert response.status == 200
    assert "Shown to this computer" in await page_text(response)


async def test_with_a_link_another_host_name_is_no_matter(dashboard: Dashboard) -> None:
    """Only the trust in this computer looks at Host; a session is its own proof."""
    await dashboard.sign_in(dashboard.agency.avery)

    response = await dashboard.client.get(
        f"/dashboard?{FOUR_WEEKS}", headers={"Host": "ft.agency.gov"}
    )

    assert response.status == 200


async def test_the_dashboard_and_its_refusals_may_not_be_framed(
    open_dashboard: OpenDashboard,
) -> None:
    dashboard = await open_dashboard(local=True, platform="local", remote="203.0.113.9")
    refusal = await dashboard.client.get("/dashboard")
    await dashboard.sign_in(dashboard.agency.avery)
    page = await dashboard.client.get(f"/dashboard?{FOUR_WEEKS}")

    assert [refusal.status, page.status] == [403, 200]
    for response in (refusal, page):
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("remote", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("10.0.0.1", False),
        ("203.0.113.9", False),
        ("::ffff:10.0.0.1", False),
        ("", False),
        (None, False),
        ("localhost", False),
    ],
)
def test_what_counts_as_this_computer(remote: str | None, loopback: bool) -> None:
    assert is_loopback(remote) is loopback


# What each viewer sees


async def test_an_admin_sees_every_team_and_every_note(dashboard: Dashboard) -> None:
    await dashboard.sign_in(dashboard.agency.avery)

    page = await dashboard.page()
    rows = await dashboard.records()

    assert re.findall(r'<option value="\d+"[^>]*>(\w+)</option>', page) == ["North", "South"]
    assert set(re.findall(r'data-leader="([^"]+)"', page)) == {
        "Ana Alvarez",
        "Ben Brooks",
        "Cal Chen",
        "Dee Diaz",
    }
    assert len(rows) == 10
    assert "Held a huddle with the North unit" in {r["note"] for r in rows}
    assert '<label>Team <select name="team">' in page


async def test_the_grid_shows_the_pronouns_and_title_a_leader_gave(dashboard: Dashboard) -> None:
    with dashboard.services.sessions.begin() as session:
        session.execute(
            update(Person)
            .where(Person.id == dashboard.agency.ana)
            .values(pronouns="she/her", title="Intake Supervisor")
        )
    await dashboard.sign_in(dashboard.agency.avery)

    page = await dashboard.page()

    ana = re.search(r'<tr data-leader="Ana Alvarez"><th scope="row">(.*?)</th>', page)
    assert ana is not None
    assert ana.group(1) == (
        'Ana Alvarez <span class="about">(she/her), Intake Supervisor ·</span> '
        '<span class="role">supervisor</span>'
    )
    ben = re.search(r'<tr data-leader="Ben Brooks"><th scope="row">(.*?)</th>', page)
    assert ben is not None
    assert "about" not in ben.group(1)


async def test_a_team_member_sees_only_their_team(dashboard: Dashboard) -> None:
    await dashboard.sign_in(dashboard.agency.eve)

    page = await dashboard.page()
    rows = await dashboard.records()

    assert "Team North" in page
    assert re.findall(r'<option value="\d+"[^>]*>(\w+)</option>', page) == ["North"]
    assert "South huddle went well" not in page
    assert {r["team"] for r in rows} == {"North"}
    # Cal's records from his South weeks are South's.
    assert [r["recorded_at"][:10] for r in rows if r["leader"] == "Cal Chen"] == [
        "2026-11-12",
        "2026-11-23",
    ]
    # Notes a leader kept to themselves stay out of a team member's CSV.
    assert {r["note"] for r in rows if r["leader"] == "Cal Chen"} == {""}


async def test_a_team_member_cannot_ask_for_another_team(dashboard: Dashboard) -> None:
    await dashboard.sign_in(dashboard.agency.eve)

    for path in ("/dashboard", "/dashboard/records.csv"):
        response = await dashboard.client.get(f"{path}?team={dashboard.agency.south}")
        assert response.status == 403
        assert "That team isn't on your dashboard" in await page_text(response)


def report_to(dashboard: Dashboard, manager: int | None, *people: int) -> None:
    with dashboard.services.sessions.begin() as session:
        session.execute(update(Person).where(Person.id.in_(people)).values(manager_id=manager))


def add_director(dashboard: Dashboard) -> int:
    """Zed, a director in no team, to whom Ben reports; Ana and Cal report to Ben."""
    with dashboard.services.sessions.begin() as session:
        zed = Person(
            workspace_id=dashboard.agency.workspace_id,
            platform_user_id="zed@agency.org",
            display_name="Zed Zapata",
            role="director",
            is_leader=True,
            timezone="UTC",
            created_at=dashboard.clock.now() - timedelta(weeks=8),
        )
        session.add(zed)
        session.flush()
        zed_id = zed.id
    report_to(dashboard, zed_id, dashboard.agency.ben)
    report_to(dashboard, dashboard.agency.ben, dashboard.agency.ana, dashboard.agency.cal)
    return zed_id


async def test_a_leader_with_reports_sees_the_people_under_them(dashboard: Dashboard) -> None:
    zed = add_director(dashboard)
    await dashboard.sign_in(zed)

    page = await dashboard.page()
    rows = await dashboard.records()

    assert "The people who report to you" in page
    assert '<option value="reports" selected>People who report to me</option>' in page
    assert "Dee Diaz" not in page
    assert {r["leader"] for r in rows} == {"Ana Alvarez", "Ben Brooks", "Cal Chen"}
    # Notes a leader kept to themselves stay out of their manager's CSV, as a team member's.
    assert {r["note"] for r in rows if r["leader"] == "Cal Chen"} == {"", "South huddle went well"}
    assert "In court all week" in {r["barrier"] for r in rows}
    assert "records.csv?team=reports" in page


async def test_a_team_member_with_reports_chooses_between_them(dashboard: Dashboard) -> None:
    report_to(dashboard, dashboard.agency.dee, dashboard.agency.ben)
    await dashboard.sign_in(dashboard.agency.dee)

    assert "Team North" in await dashboard.page()
    page = await dashboard.page(f"team=reports&{FOUR_WEEKS}")
    rows = await dashboard.records(f"team=reports&{FOUR_WEEKS}")

    assert "The people who report to you" in page
    assert {r["leader"] for r in rows} == {"Ben Brooks"}
    assert '<label>Show <select name="team">' in page  # a team, or the people under them


async def test_someone_with_no_reports_cannot_ask_for_them(dashboard: Dashboard) -> None:
    await dashboard.sign_in(dashboard.agency.eve)

    response = await dashboard.client.get("/dashboard?team=reports")

    assert response.status == 403
    assert "Nobody reports to you" in await page_text(response)


async def test_losing_ones_reports_ends_access_at_once(dashboard: Dashboard) -> None:
    zed = add_director(dashboard)
    await dashboard.sign_in(zed)
    assert "The people who report to you" in await dashboard.page()
    report_to(dashboard, None, dashboard.agency.ben)

    response = await dashboard.client.get("/dashboard")

    assert response.status == 403
    assert "You can't open the dashboard" in await page_text(response)


async def test_names_and_notes_are_shown_as_text_never_as_markup(dashboard: Dashboard) -> None:
    script = "<script>alert(1)</script>"
    image = '<img src=x onerror="alert(2)">'
    with dashboard.services.sessions.begin() as session:
        session.execute(
            update(Person).where(Person.id == dashboard.agency.ana).values(display_name=script)
        )
        session.execute(
            update(Team).where(Team.id == dashboard.agency.north).values(name=f"<b>{script}</b>")
        )
        session.add(
            Record(
                person_id=dashboard.agency.ana,
                behavior_id="6.a",
                outcome="not_this_week",
                note=image,
                barrier=f"Court {image}",
                shared=True,
                source="log",
                created_at=AFTER_FOUR_WEEKS - timedelta(days=5),  # the fourth week's Wednesday
            )
        )
    await dashboard.sign_in(dashboard.agency.avery)

    response = await dashboard.client.get(f"/dashboard?team={dashboard.agency.north}&{FOUR_WEEKS}")
    raw = await response.text()

    assert response.status == 200
    assert "<script" not in raw
    assert "<img" not in raw
    assert "<b>" not in raw
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert f'<tr data-leader="{escaped}"><th scope="row">{escaped} ' in raw
    assert f"selected>&lt;b&gt;{escaped}&lt;/b&gt;</option>" in raw
    assert "<q>&lt;img src=x onerror=" in raw
    # A reader sees exactly what was typed.
    page = html.unescape(raw)
    assert f"Team <b>{script}</b>" in page
    assert f"<li>Court {image}</li>" in page


# The charts' numbers


def chart_items(page: str, chart: str, kind: str) -> list[dict[str, str]]:
    section = page.split(f'id="{chart}-chart"', 1)[1].split("</svg>", 1)[0]
    return [
        dict(re.findall(r'data-([\w-]+)="([^"]*)"', attributes))
        for attributes in re.findall(rf'<g class="{kind}"([^>]*)>', section)
    ]


async def test_the_charts_show_the_teams_figures(dashboard: Dashboard) -> None:
    await dashboard.sign_in(dashboard.agency.avery)

    page = await dashboard.page(f"team={dashboard.agency.north}&{FOUR_WEEKS}")

    weeks = chart_items(page, "participation", "week")
    assert [(w["week"], w["sent"], w["answered"], w["rate"]) for w in weeks] == [
        ("2026-11-02", "3", "3", "100"),
        ("2026-11-09", "2", "1", "50"),
        ("2026-11-16", "3", "0", "0"),
        ("2026-11-23", "4", "3", "75"),
    ]
    assert ">3/3<" in page
    assert ">0/3<" in page
    domains = {
        d["label"]: (d["records"], d["leaders"]) for d in chart_items(page, "domains", "bar")
    }
    assert domains["Engagement"] == ("5", "2")
    assert domains["Accountability"] == ("2", "1")
    assert "5 records · 2 leaders" in page
    roles = {
        r["role"]: (r["sent"], r["answered"], r["practiced"])
        for r in chart_items(page, "roles", "bar")
    }
    assert roles == {
        "supervisor": ("6", "4", "5"),
        "manager": ("4", "1", "0"),
        "director": ("2", "2", "2"),
    }
    lenses = {lens["label"]: lens["count"] for lens in chart_items(page, "lenses", "bar")}
    assert lenses == {"Lean In": "2", "Lift Up": "5", "Connect": "4", "Culture": "0"}
    barriers = {b["label"]: b["count"] for b in chart_items(page, "barriers", "bar")}
    assert barriers == {"Court and legal": "1"}
    ben = re.search(r'<tr data-leader="Ben Brooks">(.*?)</tr>', page)
    assert ben is not None
    cells = re.findall(r'class="cell (\w+)"', ben.group(1))
    assert cells == ["none", "none", "none", "not"]  # the latest week first
    assert 'id="summary-sent"><span>Prompts sent</span><strong>12</strong>' in page


async def test_filters_by_role_and_dates(dashboard: Dashboard) -> None:
    await dashboard.sign_in(dashboard.agency.avery)

    page = await dashboard.page("role=manager&from=2026-11-09&to=2026-11-22")
    rows = await dashboard.records("role=manager&from=2026-11-09&to=2026-11-22")

    assert set(re.findall(r'data-leader="([^"]+)"', page)) == {"Ben Brooks"}
    assert [w["week"] for w in chart_items(page, "participation", "week")] == [
        "2026-11-09",
        "2026-11-16",
    ]
    assert rows == []  # Ben answered nothing in those weeks
    assert '<option value="manager" selected>' in page
    assert 'value="2026-11-09"' in page


async def test_the_weeks_shown_at_first_start_when_the_first_person_arrived(
    dashboard: Dashboard,
) -> None:
    """Not twelve weeks with eight empty ones: the agency met its people the week of 26 Oct
    (the clock is 30 Nov), so the page opens on that week; a `to` before it stays valid."""
    await dashboard.sign_in(dashboard.agency.avery)

    weeks = [w["week"] for w in chart_items(await dashboard.page(""), "participation", "week")]
    assert weeks == [
        "2026-10-26",
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
        "2026-11-23",
        "2026-11-30",
    ]

    early = await dashboard.page("to=2026-10-01")  # before anyone: empty, not an error
    assert 'name="from" value="2026-10-01"' in early
    assert "Nothing to show for these weeks" in early


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("from=yesterday", "Write dates as year-month-day"),
        ("from=2026-11-20&to=2026-11-01", "The start date is after the end date"),
        ("from=2020-01-01&to=2026-11-01", "Choose at most 106 weeks"),
        ("role=wizard", "Choose a role from the list"),
        ("team=north", "Choose the team from the list"),
        ("page=0", "Pages are numbered from 1"),
    ],
)
async def test_a_filter_that_does_not_read_right_is_400(
    dashboard: Dashboard, query: str, problem: str
) -> None:
    await dashboard.sign_in(dashboard.agency.avery)

    response = await dashboard.client.get(f"/dashboard?{query}")

    assert response.status == 400
    assert problem in await page_text(response)


async def test_the_csv_download(dashboard: Dashboard) -> None:
    await dashboard.sign_in(dashboard.agency.avery)

    response = await dashboard.client.get(
        f"/dashboard/records.csv?team={dashboard.agency.south}&{FOUR_WEEKS}"
    )

    assert response.status == 200
    assert response.content_type == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="followthrough-records-2026-11-02-to-2026-11-29.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(await page_text(response))))
    assert [(r["leader"], r["team"], r["outcome"], r["shared"]) for r in rows] == [
        ("Cal Chen", "South", "done", "no"),
        ("Cal Chen", "South", "done", "yes"),
    ]


async def test_the_csv_download_turns_formulas_into_text(dashboard: Dashboard) -> None:
    formula = '=HYPERLINK("http://evil.example","x")'
    with dashboard.services.sessions.begin() as session:
        session.execute(
            update(Person).where(Person.id == dashboard.agency.ana).values(display_name="@SUM(1)")
        )
        session.add(
            Record(
                person_id=dashboard.agency.ana,
                behavior_id="6.a",
                outcome="not_this_week",
                note=formula,
                barrier="+1+cmd|' /C calc'!A0",
                shared=True,
                source="log",
                created_at=AFTER_FOUR_WEEKS - timedelta(days=5),  # the fourth week's Wednesday
            )
        )
    await dashboard.sign_in(dashboard.agency.avery)

    rows = await dashboard.records(f"team={dashboard.agency.north}&{FOUR_WEEKS}")

    (row,) = [r for r in rows if r["outcome"] == "not_this_week" and r["source"] == "log"]
    assert (row["leader"], row["note"], row["barrier"]) == (
        "'@SUM(1)",
        f"'{formula}",
        "'+1+cmd|' /C calc'!A0",
    )


async def test_the_page_loads_nothing_from_elsewhere_and_is_not_cached(
    dashboard: Dashboard,
) -> None:
    await dashboard.sign_in(dashboard.agency.avery)

    response = await dashboard.client.get(f"/dashboard?{FOUR_WEEKS}")
    page = await page_text(response)

    assert "<svg" in page
    assert "<script" not in page
    linked = re.findall(r"""(?:src|href|action)\s*=\s*["']?([^"'\s>]+)""", page, re.IGNORECASE)
    assert not [url for url in linked if re.match(r"(?i)(https?:)?//", url)]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


async def test_the_grid_is_paged_by_fifty_leaders(dashboard: Dashboard) -> None:
    with dashboard.services.sessions.begin() as session:
        for n in range(60):
            session.add(
                Person(
                    workspace_id=dashboard.agency.workspace_id,
                    platform_user_id=f"U-{n:02d}",
                    display_name=f"Extra {n:02d}",
                    role="supervisor",
                    is_leader=True,
                    created_at=dashboard.clock.now() - timedelta(days=60),
                )
            )
    await dashboard.sign_in(dashboard.agency.avery)

    first = await dashboard.page()
    second = await dashboard.page(f"{FOUR_WEEKS}&page=2")

    assert len(re.findall(r"<tr data-leader=", first)) == 50
    assert len(re.findall(r"<tr data-leader=", second)) == 14
    assert "Leaders 1 to 50 of 64" in first
    assert "Leaders 51 to 64 of 64" in second


def test_notes_are_grouped_by_leader_newest_first_and_namesakes_apart() -> None:
    at = AFTER_FOUR_WEEKS

    def note(person_id: int, leader: str, text: str, days_ago: int) -> Note:
        when = at - timedelta(days=days_ago)
        return Note(person_id, leader, "6.a", "Recognize", text, when, "shared")

    notes = (
        note(2, "Sam Lee", "newest", 1),
        note(1, "Ana Alvarez", "second", 2),
        note(3, "Sam Lee", "a namesake's", 3),
        note(2, "Sam Lee", "older", 4),
    )

    groups = _by_leader(notes)

    assert [(g.leader, [n.note for n in g.notes]) for g in groups] == [
        ("Sam Lee", ["newest", "older"]),
        ("Ana Alvarez", ["second"]),
        ("Sam Lee", ["a namesake's"]),
    ]
