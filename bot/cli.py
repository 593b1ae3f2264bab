"""The `followthrough` command: serve, migrate, catalog, chat, export, and the data care
commands (audit, purge, forget)."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any, NoReturn

import click
from sqlalchemy import func, or_, select

from bot.app import serve
from bot.config import LoggingSettings, Settings, SettingsError
from bot.core.catalog import CatalogError, load_catalog
from bot.core.clock import Clock, SetClock
from bot.core.messages import render_text
from bot.doctor import run_checks
from bot.handlers.context import Context, PlatformUser
from bot.handlers.dispatch import enter, handle_text
from bot.handlers.roster import RosterResult, import_roster, read_roster
from bot.logs import configure_logging
from bot.platforms import registry
from bot.platforms.local.demo import (
    ADMIN,
    DEMO_DATABASE_FILE,
    LEADERS,
    TEAM,
    create_demo,
    demo_people,
    has_demo,
    open_demo,
)
from bot.platforms.local.directory import (
    LocalDirectory,
    from_local,
    local_user,
    local_workspace,
)
from bot.reports.audit import audit_entries
from bot.reports.export import export_rows, write_csv, write_jsonl
from bot.services import Services, build_services
from bot.store.db import migrate
from bot.store.models import FORGOTTEN_PREFIX, Person, Workspace
from bot.store.retention import FORGOTTEN_KINDS, forget, holdings, plural, purge, start_of


class Commands(click.Group):
    """The command group: settings that can't be read end any command with one line that
    names them, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SettingsError as error:
            raise click.ClickException(f"Settings can't be read: {error}") from None


@click.group(cls=Commands)
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
def main(verbose: bool) -> None:
    """Follow-Through: help leaders follow through on leadership-behavior commitments."""
    configure_logging(verbose=verbose, log_format=LoggingSettings().log_format)


@main.command("serve")
def serve_command() -> None:
    """Run the service (the local chat when no Slack or Teams credentials are set)."""
    serve(Settings())


def _services(settings: Settings, clock: Clock | None = None) -> Services:
    """The services for a one-off command, its database connections closed when the command
    ends; a SQLite database is migrated on the spot (PostgreSQL deliberately, with
    `followthrough migrate`, or by `serve`)."""
    services = build_services(settings, clock=clock)
    click.get_current_context().call_on_close(services.engine.dispose)
    if services.engine.dialect.name == "sqlite":
        migrate(services.engine)
    return services


@main.command("demo")
@click.option(
    "--into",
    is_flag=True,
    help="Put the sample agency into DATABASE_URL's database instead of its own file "
    f"({DEMO_DATABASE_FILE}); asks first when that database holds anyone.",
)
@click.option("--yes", is_flag=True, help="With --into: do not ask.")
def demo_command(into: bool, yes: bool) -> None:
    """Serve the local chat with a sample agency: eight weeks of history, a prompt waiting
    for every leader and this week's digest in the team channel. It lives in its own
    database file unless --into says otherwise."""
    if yes and not into:
        raise click.UsageError("--yes goes with --into: the demo's own database needs no yes.")
    settings = Settings() if into else Settings(database_url=f"sqlite:///{DEMO_DATABASE_FILE}")
    services = build_services(settings)
    migrate(services.engine)
    where = services.engine.url.render_as_string()
    with services.sessions() as session:
        there = has_demo(session)
        others = session.scalar(select(func.count()).select_from(Person)) or 0
    if into and others and not there and not yes:  # asked outside any transaction
        click.confirm(
            f"{where} already holds {plural(others, 'person', 'people')}. Add the sample "
            "agency (8 people, their history) to it?",
            abort=True,
        )
    if there:
        click.echo(f"The sample agency is already in {where}.")
    else:
        with services.sessions.begin() as session:
            made = create_demo(session, services.catalog, now=services.clock.now())
            open_demo(session, services, now=services.clock.now())
            click.echo(
                f"Created a sample agency in {where}: {len(LEADERS)} leaders and an "
                f"implementation lead, {plural(made, 'record')}, a prompt waiting for every "
                "leader and this week's digest in #cpm-implementation."
            )
    click.echo(f"\nOpen http://{settings.host}:{settings.port}/local and pick someone to be:")
    for line in demo_people():
        click.echo(f"  {line}")
    admin = ADMIN[0]
    url = "" if into else f"DATABASE_URL={settings.database_url} "
    click.echo(
        f"\nFrom another terminal, as the admin: {url}followthrough chat --as {admin} "
        f"'digest preview \"{TEAM}\"'"
    )
    services.engine.dispose()
    serve(settings)


@main.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date."""
    services = build_services(Settings())
    click.get_current_context().call_on_close(services.engine.dispose)
    migrate(services.engine)
    click.echo(f"Database at {services.engine.url.render_as_string()} is up to date.")


@main.group("catalog")
def catalog_group() -> None:
    """Show or check a behavior catalog."""


@catalog_group.command("show")
@click.option("--role", type=click.Choice(["supervisor", "manager", "director"]))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def catalog_show(role: str | None, fmt: str) -> None:
    """Print the catalog in use (CATALOG_PATH, or the Core Practice Model)."""
    catalog = _load_or_exit(Settings().catalog_path)
    if fmt == "json":
        data = catalog.model_dump(mode="json")
        if role:
            for domain in data["domains"]:
                for behavior in domain["behaviors"]:
                    for item in behavior["items"]:
                        item["role_items"] = [r for r in item["role_items"] if r["role"] == role]
        data["counts"] = catalog.counts()
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for domain in catalog.domains:
        click.echo(f"{domain.number}. {domain.title}")
        for behavior in domain.behaviors:
            click.echo(f"  {behavior.id}. {behavior.title}")
            for item in behavior.items:
                click.echo(f"    {item.id} {item.text}")
                for role_item in item.role_items:
                    if role is None or role_item.role == role:
                        click.echo(f"      {role_item.id} [{role_item.role}] {role_item.text}")
    counts = catalog.counts()
    shown = (
        sum(1 for e in catalog.entries.values() if e.role_item and e.role_item.role == role)
        if role
        else counts["role_items"]
    )
    which = f" for {role}s" if role else ""
    click.echo(
        f"\n{counts['domains']} domains, {counts['behaviors']} behaviors, "
        f"{counts['items']} items, {shown} role items{which}"
    )


@catalog_group.command("validate")
@click.argument("file", type=click.Path(path_type=Path))
def catalog_validate(file: Path) -> None:
    """Check that FILE is a valid catalog."""
    catalog = _load_or_exit(file)
    counts = catalog.counts()
    click.echo(
        f"{file}: valid. {counts['domains']} domains, {counts['behaviors']} behaviors, "
        f"{counts['items']} items, {counts['role_items']} role items."
    )


def _load_or_exit(path: Path | None) -> Any:
    try:
        return load_catalog(path)
    except CatalogError as error:
        click.echo(str(error), err=True)
        sys.exit(1)


AT_HELP = "Act as if it were this moment (ISO-8601, default now; UTC if no offset)."


@main.command("chat")
@click.option("--as", "as_user", required=True, help="The user id or email to act as.")
@click.option("--at", "at", help=AT_HELP)
@click.argument("words", nargs=-1, required=True)
def chat(as_user: str, at: str | None, words: tuple[str, ...]) -> None:
    """Run one chat command as a person and print the reply (exit 1 when refused)."""
    _say_as(as_user, " ".join(words), SetClock(_instant(at)) if at else None)


def _say_as(as_user: str, text: str, clock: Clock | None = None) -> NoReturn:
    """Say `text` to the bot as this person, print the reply (and any file), and exit 0, or
    1 when it was refused: `chat` and the admin shortcuts (`digest preview`, …) alike."""
    settings = Settings()
    services = _services(settings, clock)
    now = services.clock.now()
    with services.sessions() as session:
        reply = handle_text(from_local(text), _as_person(session, services, as_user, now))
        session.commit()
    click.echo(render_text(reply))
    if reply.attachment is not None:
        click.echo(reply.attachment.data.decode("utf-8"), nl=False)
    sys.exit(0 if reply.ok else 1)


def _as_person(session: Any, services: Services, as_user: str, now: datetime) -> Context:
    """The terminal as this person: someone already known on any platform, else a person of
    the local chat."""
    workspace, user = _find_chatter(session, as_user, now)
    return enter(
        session,
        settings=services.settings,
        catalog=services.catalog,
        workspace=workspace,
        user=user,
        directory=LocalDirectory(),
        now=now,
    )


def _find_chatter(session: Any, as_user: str, now: datetime) -> tuple[Workspace, PlatformUser]:
    """Someone already known on any platform, else a person of the local chat."""
    key = as_user.strip().lower()
    known = session.execute(
        select(Person, Workspace)
        .join(Workspace, Person.workspace_id == Workspace.id)
        .where(or_(Person.platform_user_id == as_user.strip(), Person.email == key))
    ).all()
    if len(known) > 1:
        click.echo(f"{as_user} is known in several workspaces; use their user id.", err=True)
        sys.exit(2)
    if known:
        person, workspace = known[0]
        return workspace, PlatformUser(
            user_id=person.platform_user_id,
            display_name=person.display_name,
            email=person.email,
        )
    workspace = local_workspace(session, now)
    return workspace, local_user(as_user)


AS_ADMIN = "The admin doing it (default: the first of FOLLOWTHROUGH_ADMINS)."


@main.group("roster")
def roster_group() -> None:
    """Enroll leaders in bulk."""


@roster_group.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@click.option(
    "--as", "as_user", help="The admin doing it (default: the first FOLLOWTHROUGH_ADMINS)."
)
@click.option(
    "--sync",
    is_flag=True,
    help="Also stop prompting enrolled leaders the file leaves out (asks first).",
)
@click.option("--dry-run", is_flag=True, help="Say what would change, and change nothing.")
@click.option("--yes", is_flag=True, help="With --sync, don't ask before removing anyone.")
def roster_import(file: IO[str], as_user: str | None, sync: bool, dry_run: bool, yes: bool) -> None:
    """Enroll or update the leaders in FILE.csv, all or nothing. Columns: email and role,
    and any of team, timezone, name, pronouns, title, manager (an email) and commitments
    (behavior ids, like `4.a.vi; 6.a`, assigned by the admin)."""
    settings = Settings()
    admin = as_user or next(iter(sorted(settings.bootstrap_admins)), None)
    if not admin:
        raise click.UsageError("Name the admin with --as, or set FOLLOWTHROUGH_ADMINS.")
    rows, problems = read_roster(file.read())
    services = _services(settings)
    now = services.clock.now()
    result = None
    if not problems:
        with services.sessions() as session:
            ctx = _as_person(session, services, admin, now)
            if not ctx.caller.is_admin:
                problems = [f"{admin} is not an admin"]
            else:
                result = import_roster(ctx, rows, sync=sync)
                problems = result.grouped_problems()
            keep = not problems and not dry_run and result is not None
            if keep and result is not None and result.removed and not yes:
                keep = click.confirm(
                    f"Stop prompting {plural(len(result.removed), 'enrolled leader')} the file "
                    f"leaves out ({', '.join(result.removed)})? Their records are kept.",
                    default=False,
                )
                if not keep:
                    problems = ["you chose not to remove anyone"]
            if keep:
                session.commit()
            else:
                session.rollback()
    if problems:
        click.echo("Nothing was imported:", err=True)
        for problem in problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    assert result is not None
    click.echo(_roster_changes(result, sync=sync, dry_run=dry_run))
    if dry_run:
        click.echo("Nothing was changed (--dry-run).")


def _roster_changes(result: RosterResult, *, sync: bool, dry_run: bool) -> str:
    """`Enrolled 2 leaders and updated 1.`; a dry run names them: `Would enroll 2 leaders
    (a@…, b@…) and stop prompting 1 (c@…).`"""
    changes = [("enroll", "enrolled", result.enrolled), ("update", "updated", result.updated)]
    if sync:
        changes.append(("stop prompting", "stopped prompting", result.removed))
    parts: list[str] = []
    for plan, did, people in changes:
        if not people:
            continue
        count = plural(len(people), "leader") if not parts else str(len(people))
        names = f" ({', '.join(people)})" if dry_run else ""
        parts.append(f"{plan if dry_run else did} {count}{names}")
    if not parts:
        return "Would change nothing." if dry_run else "Nothing to change."
    sentence = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Would {sentence}." if dry_run else sentence[0].upper() + sentence[1:] + "."


@main.group("digest")
def digest_group() -> None:
    """Preview or send an implementation team's digest."""


@digest_group.command("preview")
@click.argument("team")
@click.option("--as", "as_user", help=AS_ADMIN)
def digest_preview_command(team: str, as_user: str | None) -> None:
    """Print this week's digest for TEAM."""
    _admin_says(as_user, f'digest preview "{team}"')


@digest_group.command("send")
@click.argument("team")
@click.option("--as", "as_user", help=AS_ADMIN)
def digest_send_command(team: str, as_user: str | None) -> None:
    """Queue this week's digest for TEAM; the next scheduling pass posts it."""
    _admin_says(as_user, f'digest send "{team}"')


def _admin_says(as_user: str | None, command: str) -> NoReturn:
    admin = as_user or next(iter(sorted(Settings().bootstrap_admins)), None)
    if not admin:
        raise click.UsageError("Name the admin with --as, or set FOLLOWTHROUGH_ADMINS.")
    _say_as(admin, command)


@main.command("doctor")
def doctor_command() -> None:
    """Check settings, database, catalog, and platform tokens and scopes."""
    checks = run_checks(Settings())
    for check in checks:
        mark = "ok " if check.ok else "FAIL"
        click.echo(f"[{mark}] {check.what}" + (f": {check.detail}" if check.detail else ""))
    sys.exit(0 if all(check.ok for check in checks) else 1)


@main.command("tick")
@click.option(
    "--at",
    "at",
    help="Run the pass as if it were this moment (ISO-8601, default now; UTC if no offset). "
    "A pass for a given moment leaves out the RETENTION_DAYS purge.",
)
def tick_command(at: str | None) -> None:
    """Run one scheduling pass: plan the prompts due (catching up after downtime), send them."""
    services = _services(Settings(), SetClock(_instant(at)) if at else None)
    now = services.clock.now()
    result = asyncio.run(services.scheduling().tick(now, retention=at is None))
    planned, delivered = result.planned, result.delivered
    click.echo(
        f"Pass at {now.isoformat()}: planned {planned.pending} "
        f"(missed {planned.missed}, skipped {planned.skipped}); sent {delivered.sent}, "
        f"recovered {delivered.recovered}, retrying {delivered.retried}, "
        f"failed {delivered.failed}, reminded {delivered.reminded}, expired {delivered.expired}; "
        f"team digests {delivered.digests}, managers' barrier summaries {delivered.summaries}."
    )
    if result.purged is not None:
        click.echo(
            f"Purged what is older than {result.purged.before.isoformat()} (RETENTION_DAYS): "
            + ", ".join(result.purged.lines())
            + "."
        )


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an ISO-8601 time", param_hint="--at") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@main.command("export")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="From this date.")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv")
@click.option(
    "--out",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="Write to FILE instead of standard output.",
)
def export_command(since: Any, fmt: str, out: IO[str]) -> None:
    """Every accountability record, as CSV or JSON lines."""
    services = _services(Settings())
    since_day: date | None = since.date() if since else None
    with services.sessions() as session:
        rows = export_rows(session, services.catalog, since=since_day)
        count = (write_csv if fmt == "csv" else write_jsonl)(rows, out)
    if out is not sys.stdout:
        click.echo(f"{count} records written.", err=True)


def _day(text: str, option: str) -> date:
    """A YYYY-MM-DD date given on the command line, or a clear refusal."""
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text.strip()):
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            raise click.BadParameter(f"{text!r} is not a real date.", param_hint=option) from None
    raise click.BadParameter(f"{text!r} is not a date: use YYYY-MM-DD.", param_hint=option)


@main.command("audit")
@click.option("--since", "since", help="From this date on (YYYY-MM-DD, UTC).")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text")
def audit_command(since: str | None, fmt: str) -> None:
    """Every workspace's audit trail, oldest first: who changed what and when (UTC)."""
    start = start_of(_day(since, "--since")) if since else None
    services = _services(Settings())
    with services.sessions() as session:
        entries = audit_entries(session, since=start, newest_first=False)
    for entry in entries:
        if fmt == "jsonl":
            click.echo(json.dumps(entry.to_json(), ensure_ascii=False))
        else:
            click.echo(
                f"{entry.at.astimezone(UTC):%Y-%m-%d %H:%M} UTC  [{entry.workspace}] "
                f"{entry.actor} {entry.summary}"
            )
    if fmt == "text" and not entries:
        click.echo("No changes recorded" + (f" since {since}." if since else "."))


PURGE_HELP = """Delete what is older than DATE (YYYY-MM-DD, midnight UTC), in every workspace, in
one transaction: accountability records (with their notes and barriers), prompts, team digests
whose week ended before DATE, local chat messages and seen platform events.

Prompts still waiting to go out, snoozed or awaiting an answer are kept whatever their age:
they expire within days, and the next purge takes them. People, teams, commitments and
cadences are kept (`followthrough forget` removes a person), and so is the audit trail, which
holds no notes: each workspace that lost anything gets an audit event with the counts."""


@main.command("purge", help=PURGE_HELP)
@click.option("--before", "before", required=True, help="Delete what is older than this date.")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
def purge_command(before: str, dry_run: bool) -> None:
    day = _day(before, "--before")
    services = _services(Settings())
    now = services.clock.now()
    if day > now.astimezone(UTC).date():
        raise click.BadParameter(
            f"{day.isoformat()} is in the future: purge deletes only what is older than a day "
            "that has come.",
            param_hint="--before",
        )
    with services.sessions.begin() as session:
        result = purge(
            session, before=day, now=now, by="an operator (followthrough purge)", dry_run=dry_run
        )
    verb = "Would delete" if dry_run else "Deleted"
    click.echo(f"{verb} what is older than {day.isoformat()} (UTC), in all workspaces:")
    for line in result.lines():
        click.echo(f"  {line}")
    if dry_run:
        click.echo("Nothing was deleted (--dry-run).")


@main.command("forget")
@click.argument("user")
@click.option(
    "--workspace",
    "workspace_name",
    help="The workspace (its name or platform id), when the person is known in several.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def forget_command(user: str, workspace_name: str | None, yes: bool) -> None:
    """Forget a person, by platform user id or email: delete their records, notes, prompts,
    commitments, team memberships and transcripts, and take their name, email and ids out of
    everything kept, the audit trail included (which then says only that someone was
    forgotten). Cannot be undone."""
    services = _services(Settings())
    now = services.clock.now()
    with services.sessions.begin() as session:
        person, workspace = _find_person(session, user, workspace_name)
        held = holdings(session, person)
        if not yes:
            click.echo(
                f"This forgets {person.name} ({person.email or person.platform_user_id}) in "
                f"{workspace.name or workspace.external_id}, for good, and deletes their "
                + ", ".join(kind.count(held[kind.key]) for kind in FORGOTTEN_KINDS)
                + "."
            )
            click.confirm("Forget them?", abort=True)
        result = forget(session, person, now=now, by="an operator (followthrough forget)")
    click.echo("Forgotten. Deleted:")
    for line in result.lines():
        click.echo(f"  {line}")


def _find_person(session: Any, user: str, workspace_name: str | None) -> tuple[Person, Workspace]:
    """The one person a platform user id or an email names (in the workspace given), or an
    exit with a message that says what to do."""
    query = (
        select(Person, Workspace)
        .join(Workspace, Person.workspace_id == Workspace.id)
        .where(
            or_(Person.platform_user_id == user.strip(), Person.email == user.strip().lower()),
            ~Person.platform_user_id.startswith(FORGOTTEN_PREFIX),
        )
    )
    if workspace_name:
        query = query.where(
            or_(Workspace.name == workspace_name, Workspace.external_id == workspace_name)
        )
    found = session.execute(query).tuples().all()
    where = f" in workspace {workspace_name}" if workspace_name else ""
    if not found:
        click.echo(
            f"No one with the user id or email {user} is known{where}; nothing was changed.",
            err=True,
        )
        sys.exit(1)
    if len(found) > 1:
        places = ", ".join(
            sorted(f"{w.name or w.external_id} ({w.platform} {w.external_id})" for _, w in found)
        )
        click.echo(
            f"{user} is known in {plural(len(found), 'workspace')}: {places}. Name one with "
            "--workspace; nothing was changed.",
            err=True,
        )
        sys.exit(2)
    person, workspace = found[0]
    return person, workspace


for platform in registry.PLATFORMS:
    for command in platform.commands:
        main.add_command(command)

if __name__ == "__main__":
    main()
