"""Who may see the dashboard, and how much: a signed link from the `dashboard` command, used
once within 15 minutes, becomes an 8-hour session cookie; in local mode the machine's own
browser is let in. Admins see their whole workspace, team members their own teams, leaders
with reports the people under them."""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.core import links
from bot.reports.chain import people_under
from bot.store.db import execute_write
from bot.store.models import Person, TeamMembership, UsedDashboardLink
from bot.store.workspaces import get_workspace

LINK_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=8)
# Clocks of the processes that sign and check links may differ by this much.
CLOCK_SKEW = timedelta(minutes=1)
# Used links are remembered for longer than any of them stays valid.
REMEMBER_USED = timedelta(days=1)
COOKIE = "followthrough_dashboard"
NO_ACCESS = (
    "The dashboard is for Follow-Through admins, implementation team members and leaders "
    "with people reporting to them; you are none of these (any more)."
)


class Refused(Exception):
    """A request the dashboard turns away; the message says why and what to do instead."""

    def __init__(self, title: str, advice: str) -> None:
        super().__init__(title)
        self.title = title
        self.advice = advice


def new_link(text: str) -> Refused:
    """A refusal that ends by telling the reader how to get a new link."""
    return Refused(
        text,
        "Ask Follow-Through for a new link: type `dashboard` in your chat with the bot. "
        "Each link works once, for 15 minutes, for the person who asked for it.",
    )


@dataclass(frozen=True)
class Viewer:
    """Whoever is looking at the dashboard. `team_ids` None means the whole workspace (an
    admin); otherwise the teams they may see, and `report_ids` the leaders under them."""

    workspace_id: int
    name: str
    zone: str
    team_ids: tuple[int, ...] | None = None
    report_ids: tuple[int, ...] = ()

    @property
    def is_admin(self) -> bool:
        return self.team_ids is None


def _claims(
    settings: Settings, salt: str, token: str, lifetime: timedelta, *, what: str, now: datetime
) -> tuple[int, int]:
    """(person, workspace) from a signed token; Refused when altered or too old."""
    try:
        person, workspace, signed_at = links.read(settings.secret_key, salt, token)
    except links.BadToken:
        raise new_link(f"This dashboard {what} isn't valid") from None
    age = now - signed_at
    if age < -CLOCK_SKEW:
        raise new_link(f"This dashboard {what} isn't valid")
    if age > lifetime:
        raise new_link(
            "This dashboard link has expired"
            if salt == links.LINK_SALT
            else "Your dashboard session has ended (sessions last 8 hours)"
        )
    return person, workspace


def exchange_link(session: Session, settings: Settings, token: str, *, now: datetime) -> str:
    """Use a dashboard link: check it, record that it is used, and return the value of the
    session cookie it is exchanged for. A link works once."""
    person_id, workspace_id = _claims(
        settings, links.LINK_SALT, token, LINK_LIFETIME, what="link", now=now
    )
    session.execute(
        delete(UsedDashboardLink).where(UsedDashboardLink.used_at < now - REMEMBER_USED)
    )
    if not _first_use(session, hashlib.sha256(token.encode()).hexdigest(), person_id, now):
        raise new_link("This dashboard link has already been used")
    person = session.get(Person, person_id)
    if person is None or person.workspace_id != workspace_id:
        raise new_link("This dashboard link isn't valid")
    viewer_for(session, person)
    return links.sign(
        settings.secret_key,
        links.SESSION_SALT,
        person_id=person_id,
        workspace_id=workspace_id,
        now=now,
    )


def _first_use(session: Session, digest: str, person_id: int, now: datetime) -> bool:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, UsedDashboardLink.__table__)
    statement = (
        insert(table)
        .values(digest=digest, person_id=person_id, used_at=now)
        .on_conflict_do_nothing(index_elements=["digest"])
        .returning(table.c.id)
    )
    return execute_write(session, statement).scalar() is not None


def viewer_for(session: Session, person: Person) -> Viewer:
    """What one person may see: everything in their workspace as an admin, else the teams
    they are in now and the leaders under them now. Refused for anyone else."""
    if person.is_admin:
        return Viewer(workspace_id=person.workspace_id, name=person.name, zone=person.timezone)
    team_ids = tuple(
        session.scalars(
            select(TeamMembership.team_id)
            .where(TeamMembership.person_id == person.id, TeamMembership.ended_at.is_(None))
            .order_by(TeamMembership.team_id)
        )
    )
    report_ids = (
        tuple(report.person_id for report in people_under(session, person.id))
        if person.is_leader
        else ()
    )
    if not team_ids and not report_ids:
        raise Refused("You can't open the dashboard", NO_ACCESS)
    return Viewer(
        workspace_id=person.workspace_id,
        name=person.name,
        zone=person.timezone,
        team_ids=team_ids,
        report_ids=report_ids,
    )


def session_viewer(
    session: Session,
    settings: Settings,
    cookie: str | None,
    *,
    local: tuple[str, str, str] | None,
    now: datetime,
) -> Viewer:
    """The viewer behind a request: its session cookie, or, when `local` names a (platform,
    workspace, name) that lets anyone on this machine act as anyone, the machine's own
    browser as an admin of that workspace. Refused otherwise."""
    if cookie:
        try:
            person_id, workspace_id = _claims(
                settings, links.SESSION_SALT, cookie, SESSION_LIFETIME, what="session", now=now
            )
        except Refused:
            if local is None:
                raise
        else:
            person = session.get(Person, person_id)
            if person is None or person.workspace_id != workspace_id:
                raise Refused("You can't open the dashboard", NO_ACCESS)
            return viewer_for(session, person)
    if local is not None:
        platform, external_id, name = local
        workspace = get_workspace(
            session, platform=platform, external_id=external_id, name=name, now=now
        )
        return Viewer(workspace_id=workspace.id, name="this computer", zone="UTC")
    raise Refused(
        "Open the dashboard from your chat",
        "Type `dashboard` in your chat with Follow-Through: it answers with a private link "
        "that opens the dashboard here for 8 hours.",
    )


def is_loopback(remote: str | None) -> bool:
    """Whether a request comes from this machine (127.0.0.1, ::1)."""
    try:
        address = ipaddress.ip_address(remote or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback
