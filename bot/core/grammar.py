"""The one command grammar for every platform: text in, a neutral command (or a clear error) out."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import cache
from typing import get_args
from zoneinfo import available_timezones

from bot.core import commands as c
from bot.core import mentions
from bot.core.cadence import (
    CadenceSpec,
    CadenceSpecError,
    parse_cadence,
    parse_clock,
    parse_weekday,
    parse_working_days,
)
from bot.core.catalog import Catalog

ROLES: tuple[c.Role, ...] = get_args(c.Role)


@dataclass(frozen=True)
class Syntax:
    """One command's name, usage line and one-line summary, as `help` shows them."""

    name: str
    usage: str
    summary: str
    admin: bool = False
    # The same command's admin-only form, when it has one (`commit role:director 4.a.vi`).
    admin_usage: str | None = None
    admin_summary: str = ""


SYNTAX: tuple[Syntax, ...] = (
    Syntax("help", "help [command]", "what you can do here, or how to use one command"),
    Syntax(
        "behaviors",
        "behaviors [domain|role|behavior-id]",
        "browse the leadership behaviors",
    ),
    Syntax(
        "behavior",
        "behavior <behavior-id>",
        "one behavior in full: its items, its impact on staff, its lens",
    ),
    Syntax(
        "home",
        "home",
        "your commitments, streak and recent records on one card",
    ),
    Syntax("commitments", "commitments", "the behaviors you have committed to"),
    Syntax(
        "commit",
        "commit <behavior-id> [goal text]",
        "commit to practicing a behavior",
        admin_usage="commit <user|role:<role>|team:<name>> <behavior-id> [goal]",
        admin_summary="assign a commitment to a leader, every leader of a role, or a team's",
    ),
    Syntax(
        "drop",
        "drop <behavior-id>",
        "stop a commitment",
        admin_usage="drop <user|role:<role>|team:<name>> <behavior-id>",
        admin_summary="end a commitment you assigned them",
    ),
    Syntax("log", "log <behavior-id> <text>", "record something you did, without a prompt"),
    Syntax("history", "history [weeks]", "your recent records (default 4 weeks)"),
    Syntax(
        "reports",
        "reports",
        "the people who report to you: commitments, this week, streaks, barriers",
    ),
    Syntax("pause", "pause <date>", "no prompts until that date (YYYY-MM-DD)"),
    Syntax("resume", "resume", "start prompts again after a pause"),
    Syntax("snooze", "snooze <duration>", "ask again later about your open prompt (2h, 1d)"),
    Syntax(
        "profile",
        "profile name=… pronouns=… title=…",
        "how the bot addresses you (no fields shows your profile)",
    ),
    Syntax("timezone", "timezone <IANA zone>", "your time zone, e.g. America/Los_Angeles"),
    Syntax(
        "leader add",
        "leader add <user> role=<supervisor|manager|director> [team=<name>] [tz=<zone>] "
        "[reports-to=<user>]",
        "enroll a leader",
        admin=True,
    ),
    Syntax("leader remove", "leader remove <user>", "stop prompting a leader", admin=True),
    Syntax(
        "leader list",
        "leader list",
        "everyone enrolled, with role, team and manager",
        admin=True,
    ),
    Syntax(
        "leader role",
        "leader role <user> <supervisor|manager|director>",
        "change a leader's role",
        admin=True,
    ),
    Syntax(
        "leader reports-to",
        "leader reports-to <user> <manager|none>",
        "whom a leader reports to (none: no one)",
        admin=True,
    ),
    Syntax(
        "team add",
        "team add <name> <channel>",
        "an implementation team and its channel",
        admin=True,
    ),
    Syntax("team list", "team list", "implementation teams and their members", admin=True),
    Syntax(
        "team members",
        "team members <name> add|remove <user>…",
        "change (or, alone, list) a team's members",
        admin=True,
    ),
    Syntax("team rename", "team rename <name> <new name>", "rename a team", admin=True),
    Syntax(
        "team channel",
        "team channel <name> <channel>",
        "the channel a team's digest goes to",
        admin=True,
    ),
    Syntax(
        "team timezone",
        "team timezone <name> <IANA zone>",
        "the time zone of a team's weeks and digest schedule",
        admin=True,
    ),
    Syntax(
        "team remove",
        "team remove <name>",
        "remove a team, its members' memberships and its digests (its leaders stay)",
        admin=True,
    ),
    Syntax(
        "cadence set",
        "cadence set <default|role:<role>|team:<name>|behavior:<id>|user> <spec>",
        "when prompts go out, e.g. `cadence set default weekly mon 09:00`",
        admin=True,
    ),
    Syntax("cadence show", "cadence show [scope]", "the cadences in force", admin=True),
    Syntax(
        "cadence clear",
        "cadence clear <default|role:<role>|team:<name>|behavior:<id>|user>",
        "remove a cadence rule: the next one down applies again",
        admin=True,
    ),
    Syntax("reminder", "reminder <hours|off>", "remind once after this many hours", admin=True),
    Syntax("quiet", "quiet <HH:MM-HH:MM|off>", "hours in which no prompt is sent", admin=True),
    Syntax(
        "snooze-length",
        "snooze-length [duration|default]",
        "how long the Snooze button waits (default 4h); alone, shows it",
        admin=True,
    ),
    Syntax(
        "expiry",
        "expiry [duration|default]",
        "how long a prompt stays open after its reminder (or, with reminders off, after it "
        "is sent); alone, shows it",
        admin=True,
    ),
    Syntax(
        "workdays",
        "workdays [mon-fri|sun-thu|mon tue …]",
        "the days prompts go out (others are passed over like holidays); alone, shows them",
        admin=True,
    ),
    Syntax("holiday add", "holiday add <date>", "no prompts on that day", admin=True),
    Syntax("holiday remove", "holiday remove <date>", "take a holiday back", admin=True),
    Syntax("holiday list", "holiday list", "the holidays ahead", admin=True),
    Syntax("digest preview", "digest preview <team>", "see a team's digest yourself", admin=True),
    Syntax("digest send", "digest send <team>", "send a team's digest now", admin=True),
    Syntax(
        "digest schedule",
        "digest schedule <team> <spec>",
        "when a team's digest goes out",
        admin=True,
    ),
    Syntax("export", "export [since YYYY-MM-DD]", "every record as CSV", admin=True),
    Syntax(
        "audit",
        "audit [since YYYY-MM-DD]",
        "who changed what and when, newest first",
        admin=True,
    ),
    Syntax("admin add", "admin add <user>", "make someone an admin", admin=True),
    Syntax("admin remove", "admin remove <user>", "take admin rights away", admin=True),
    Syntax("send-now", "send-now <user> [behavior-id]", "prompt a leader right away", admin=True),
    Syntax(
        "dashboard",
        "dashboard",
        "a private link to the dashboard (admins, implementation teams, managers)",
    ),
)
BY_NAME = {syntax.name: syntax for syntax in SYNTAX}
ASSIGN_USAGE = BY_NAME["commit"].admin_usage or ""
UNASSIGN_USAGE = BY_NAME["drop"].admin_usage or ""
GROUPS = {name.split()[0] for name in BY_NAME if " " in name}


class CommandError(ValueError):
    """A command that cannot be run as typed: what was wrong, the usage, and a suggestion."""

    def __init__(
        self, problem: str, *, usage: str | None = None, suggestions: tuple[str, ...] = ()
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.usage = usage
        self.suggestions = suggestions

    def __str__(self) -> str:
        lines = [self.problem]
        if self.suggestions:
            lines.append("Did you mean " + " or ".join(f"`{s}`" for s in self.suggestions) + "?")
        if self.usage:
            lines.append(f"Usage: `{self.usage}`")
        return "\n".join(lines)


@dataclass(frozen=True)
class ParseContext:
    """What parsing needs besides the text: the catalog and the caller's today."""

    catalog: Catalog
    today: date


_TOKEN = re.compile(rf'[\w-]+[=:](?:"[^"]*"|{mentions.TOKEN})|"[^"]*"|{mentions.TOKEN}|\S+')
_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_INT = re.compile(r"^[0-9]{1,6}$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DURATION_PART = re.compile(
    r"([0-9]{1,4})\s*(minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w)", re.IGNORECASE
)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def tokenize(text: str) -> list[str]:
    """Words, keeping `"quoted phrases"` (also `key="…"`, `team:"…"`) and mentions (also
    `reports-to=@…`, whose names may have spaces) whole."""
    return _TOKEN.findall(text)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].strip()
    return text


def normalize(text: str) -> str:
    """Straighten typographic quotes and odd spaces that chat clients put in."""
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2018", "'")
    text = text.replace("\u2019", "'").replace("\u00a0", " ").replace("\u200b", "")
    return text.strip()


def _split_words(text: str, count: int) -> tuple[list[str], str]:
    """The first `count` words, and the rest of the text as typed."""
    words: list[str] = []
    rest = text.strip()
    for _ in range(count):
        if not rest:
            break
        head, *tail = re.split(r"\s+", rest, maxsplit=1)
        words.append(head)
        rest = tail[0].strip() if tail else ""
    return words, rest


def closest(
    word: str, choices: list[str] | tuple[str, ...], limit: int = 2, cutoff: float = 0.6
) -> tuple[str, ...]:
    return tuple(difflib.get_close_matches(word.lower(), choices, n=limit, cutoff=cutoff))


def parse_user(token: str, ctx: ParseContext, usage: str) -> c.UserRef:
    """A mention or an email."""
    token = token.strip()
    if match := mentions.PERSON.fullmatch(token):
        return c.UserRef("id", match.group(2), match.group(1))
    if _EMAIL.match(token):
        return c.UserRef("email", token.lower())
    raise CommandError(
        f"`{mentions.readable(token)}` is not a person: mention them (@name) or give their "
        "email address.",
        usage=usage,
    )


def parse_channel(token: str, ctx: ParseContext, usage: str) -> c.ChannelRef:
    """A channel mention, a `#name`, or a channel id."""
    token = _unquote(token)
    if match := mentions.CHANNEL.fullmatch(token):
        return c.ChannelRef(match.group(2), match.group(1))
    if match := re.fullmatch(r"#([\w.-]{1,80})", token):
        return c.ChannelRef(match.group(1), match.group(1))
    if re.fullmatch(r"[A-Za-z0-9][\w:@.;=-]{1,200}", token):
        return c.ChannelRef(token)
    raise CommandError(
        f"`{mentions.readable(token)}` is not a channel: name it like #implementation-team.",
        usage=usage,
    )


def parse_role(word: str, usage: str) -> c.Role:
    folded = word.strip().lower().removesuffix("s")
    for role in ROLES:
        if folded == role:
            return role
    raise CommandError(
        f"`{word}` is not a role: use supervisor, manager or director.",
        usage=usage,
        suggestions=closest(folded, ROLES, 1),
    )


@cache
def _zones() -> dict[str, str]:
    return {zone.lower(): zone for zone in available_timezones()}


def parse_zone(word: str, usage: str) -> str:
    zones = _zones()
    key = word.strip().lower()
    if key in {"utc", "gmt", "z"}:
        return "UTC"
    if key in zones:
        return zones[key]
    guesses = difflib.get_close_matches(key, list(zones), n=2, cutoff=0.6)
    raise CommandError(
        f"`{word}` is not a time zone I know: use an IANA name like America/Los_Angeles.",
        usage=usage,
        suggestions=tuple(zones[g] for g in guesses),
    )


def parse_date(word: str, ctx: ParseContext, usage: str, *, future: bool) -> date:
    """`YYYY-MM-DD`, `today`, `tomorrow` or a weekday name (the next one)."""
    text = word.strip().lower()
    day: date | None = None
    if text == "today":
        day = ctx.today
    elif text == "tomorrow":
        day = ctx.today + timedelta(days=1)
    elif (weekday := parse_weekday(text)) is not None:
        day = ctx.today + timedelta(days=(weekday - ctx.today.weekday() - 1) % 7 + 1)
    elif _ISO_DATE.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise CommandError(f"`{word}` is not a real date.", usage=usage) from None
    if day is None:
        raise CommandError(f"`{word}` is not a date: use YYYY-MM-DD.", usage=usage)
    if future and day < ctx.today:
        raise CommandError(f"{day.isoformat()} is in the past.", usage=usage)
    return day


def parse_duration(
    text: str,
    usage: str,
    *,
    shortest: timedelta = timedelta(minutes=1),
    longest: timedelta = timedelta(weeks=2),
    bounds: str = "Snooze for between one minute and two weeks.",
) -> timedelta:
    """`30m`, `2h`, `1d`, `1h30m`, `2 hours`: from `shortest` to `longest` (else `bounds`)."""
    compact = text.strip().lower()
    parts = _DURATION_PART.findall(compact)
    if not compact or not parts or _DURATION_PART.sub("", compact).strip(" ,and"):
        raise CommandError(f"`{text}` is not a duration: try 30m, 2h or 1d.", usage=usage)
    total = timedelta()
    for amount, unit in parts:
        total += timedelta(**{_UNITS[unit[0]]: int(amount)})
    if not shortest <= total <= longest:
        raise CommandError(bounds, usage=usage)
    return total


def parse_behavior_id(word: str, ctx: ParseContext, usage: str) -> str:
    entry = ctx.catalog.find(word)
    if entry is None:
        raise CommandError(
            f"There is no behavior `{word}`. Ids look like 6, 6.b or 6.b.ii (see `behaviors`).",
            usage=usage,
            suggestions=tuple(ctx.catalog.closest_ids(word)),
        )
    return entry.id


def parse_options(tokens: list[str], allowed: Mapping[str, str], usage: str) -> dict[str, str]:
    """`key=value` tokens (values may be quoted); keys through `allowed` (alias -> name)."""
    found: dict[str, str] = {}
    for token in tokens:
        key, sep, value = token.partition("=")
        name = allowed.get(key.lower())
        if not sep:
            raise CommandError(f"I don't understand `{token}` here.", usage=usage)
        if name is None:
            raise CommandError(
                f"`{key}` is not an option here.",
                usage=usage,
                suggestions=tuple(f"{s}=" for s in closest(key, list(allowed), 1)),
            )
        if name in found:
            raise CommandError(f"`{key}` is given twice.", usage=usage)
        found[name] = _unquote(value)
    return found


_PROFILE_KEY = re.compile(r"(?i)(?:^|\s)(name|pronouns|title)\s*=")


def parse_profile(rest: str, usage: str) -> c.Profile:
    if not rest:
        return c.Profile()
    matches = list(_PROFILE_KEY.finditer(rest))
    if not matches or rest[: matches[0].start()].strip():
        raise CommandError(
            "Set fields as name=…, pronouns=… or title=…, e.g. `profile pronouns=she/her`.",
            usage=usage,
        )
    changes: list[tuple[c.ProfileField, str]] = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(rest)
        key: c.ProfileField = match.group(1).lower()  # type: ignore[assignment]
        value = _unquote(rest[match.end() : end])
        if re.search(r"\s\w+=", f" {value}"):
            raise CommandError(
                f"`{value}` holds another field; profile takes name, pronouns and title.",
                usage=usage,
            )
        if any(existing == key for existing, _ in changes):
            raise CommandError(f"`{key}` is given twice.", usage=usage)
        longest = 64 if key == "pronouns" else 100  # as the database holds them
        if len(value) > longest:
            raise CommandError(f"Keep {key} under {longest} characters.", usage=usage)
        changes.append((key, value))
    return c.Profile(tuple(changes))


def parse_scope(token: str, ctx: ParseContext, usage: str) -> c.Scope:
    kind, sep, value = token.partition(":")
    kind = kind.lower()
    if token.lower() == "default":
        return c.Scope("default")
    if sep and kind == "role":
        return c.Scope("role", parse_role(value, usage))
    if sep and kind == "team":
        if not _unquote(value):
            raise CommandError("Name the team after `team:`.", usage=usage)
        return c.Scope("team", _unquote(value))
    if sep and kind == "behavior":
        return c.Scope("behavior", parse_behavior_id(value, ctx, usage))
    if token.startswith("<") or "@" in token:
        return c.Scope("user", user=parse_user(token, ctx, usage))
    raise CommandError(
        f"`{token}` is not a scope: use default, role:<role>, team:<name>, behavior:<id> "
        "or a person.",
        usage=usage,
        suggestions=closest(kind, ["default", "role:", "team:", "behavior:"], 1),
    )


def _clock_range(text: str, usage: str) -> tuple[time, time]:
    start_text, sep, end_text = text.replace(" ", "").partition("-")
    start, end = parse_clock(start_text), parse_clock(end_text)
    if not sep or start is None or end is None:
        raise CommandError(f"`{text}` is not a time range: use HH:MM-HH:MM.", usage=usage)
    if start == end:
        raise CommandError("Quiet hours must start and end at different times.", usage=usage)
    return start, end


def _cadence(text: str, usage: str) -> CadenceSpec:
    try:
        return parse_cadence(text)
    except CadenceSpecError as exc:
        raise CommandError(f"That cadence doesn't read right: {exc}.", usage=usage) from None


Parser = Callable[[str, ParseContext, str], c.Command]


def _no_args(command: c.Command) -> Parser:
    def parse(rest: str, ctx: ParseContext, usage: str) -> c.Command:
        if rest:
            raise CommandError(f"This command takes nothing after it (got `{rest}`).", usage=usage)
        return command

    return parse


def _help(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    topic = " ".join(rest.lower().split())
    if topic and topic not in BY_NAME and topic not in GROUPS:
        raise CommandError(
            f"There is no command `{topic}`.",
            usage=usage,
            suggestions=closest(topic, list(BY_NAME)),
        )
    return c.Help(topic or None)


def _behaviors(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    if not rest:
        return c.Behaviors()
    if rest.lower().removesuffix("s") in ROLES:
        return c.Behaviors(role=parse_role(rest, usage))
    entry = ctx.catalog.find(rest)
    if entry is not None:  # `behaviors 6` is behavior 6 (domains go by name)
        return c.BehaviorPage(entry.id)
    domain = ctx.catalog.find_domain(rest)
    if domain is None:
        names = [d.name for d in ctx.catalog.domains]
        raise CommandError(
            f"`{rest}` is not a behavior id, a domain or a role. Domains: {', '.join(names)}; "
            "roles: supervisor, manager, director; ids look like 6 or 6.a.",
            usage=usage,
            suggestions=closest(rest, [n.lower() for n in names], 1),
        )
    return c.Behaviors(domain=domain.id)


def _behavior(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    words = rest.split()
    if not words:
        raise CommandError("Which behavior? Give its id, like 6 or 6.a.", usage=usage)
    if len(words) > 1:
        raise CommandError(f"Give one id, like 6 or 6.a, not `{rest}`.", usage=usage)
    return c.BehaviorPage(parse_behavior_id(words[0], ctx, usage))


def _assignees(token: str, ctx: ParseContext, usage: str) -> c.Scope | None:
    """Whom an admin's `commit`/`drop` is for (a person, role:<role> or team:<name>), or
    None when the first word is not one (the leader's own form)."""
    kind, colon, _ = token.partition(":")
    group = colon and kind.lower() in {"role", "team"}
    if group or mentions.PERSON.fullmatch(token) or _EMAIL.match(token):
        return parse_scope(token, ctx, usage)
    return None


def _commit(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    tokens = tokenize(rest)
    assignees = _assignees(tokens[0], ctx, ASSIGN_USAGE) if tokens else None
    if assignees is not None:
        usage = ASSIGN_USAGE
        rest = rest.strip()[len(tokens[0]) :]
    words, goal = _split_words(rest, 1)
    if not words:
        raise CommandError("Which behavior? Give its id, like 6.a.", usage=usage)
    if len(goal) > 500:
        raise CommandError("Keep the goal under 500 characters.", usage=usage)
    goal = mentions.readable(_unquote(goal))
    return c.Commit(parse_behavior_id(words[0], ctx, usage), goal or None, assignees)


def _drop(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    tokens = tokenize(rest)
    assignees = _assignees(tokens[0], ctx, UNASSIGN_USAGE) if tokens else None
    if assignees is not None:
        usage = UNASSIGN_USAGE
        tokens = tokens[1:]
    if len(tokens) != 1:
        raise CommandError("Give exactly one behavior id, like 6.a.", usage=usage)
    return c.Drop(parse_behavior_id(tokens[0], ctx, usage), assignees)


def _log(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    words, text = _split_words(rest, 1)
    if not words:
        raise CommandError("Which behavior, and what did you do?", usage=usage)
    behavior_id = parse_behavior_id(words[0], ctx, usage)
    if not text:
        raise CommandError("Say what you did after the behavior id.", usage=usage)
    if len(text) > 2000:
        raise CommandError("Keep the note under 2,000 characters.", usage=usage)
    return c.Log(behavior_id, mentions.readable(text))


def _history(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    if not rest:
        return c.History()
    if not _INT.match(rest) or not 1 <= int(rest) <= 52:
        raise CommandError(f"`{rest}` is not a number of weeks from 1 to 52.", usage=usage)
    return c.History(int(rest))


def _pause(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    if not rest:
        raise CommandError("Until when? Give a date.", usage=usage)
    day = parse_date(rest, ctx, usage, future=True)
    if day == ctx.today:
        raise CommandError("Pause until a day after today.", usage=usage)
    return c.Pause(day)


def _snooze(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    if not rest:
        raise CommandError("For how long? Try 2h or 1d.", usage=usage)
    return c.Snooze(parse_duration(rest, usage))


def _timezone(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    if not rest or len(rest.split()) != 1:
        raise CommandError("Give one IANA time zone, like Europe/London.", usage=usage)
    return c.SetTimezone(parse_zone(rest, usage))


def _one_user(rest: str, ctx: ParseContext, usage: str) -> c.UserRef:
    tokens = tokenize(rest)
    if len(tokens) != 1:
        raise CommandError("Name one person, by mention or email.", usage=usage)
    return parse_user(tokens[0], ctx, usage)


def _leader_add(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    tokens = tokenize(rest)
    if not tokens:
        raise CommandError("Who? Name the leader by mention or email.", usage=usage)
    user = parse_user(tokens[0], ctx, usage)
    options = parse_options(
        tokens[1:],
        {
            "role": "role",
            "team": "team",
            "tz": "tz",
            "timezone": "tz",
            "reports-to": "reports-to",
            "reports_to": "reports-to",
            "manager": "reports-to",
        },
        usage,
    )
    if "role" not in options:
        raise CommandError(
            "Give the leader's role: role=supervisor, manager or director.", usage=usage
        )
    team = options.get("team")
    if team is not None and not team:
        raise CommandError("`team=` needs a team name.", usage=usage)
    zone = parse_zone(options["tz"], usage) if "tz" in options else None
    manager = options.get("reports-to")
    return c.LeaderAdd(
        user,
        parse_role(options["role"], usage),
        team,
        zone,
        _manager(manager, ctx, usage) if manager is not None else None,
    )


def _manager(token: str, ctx: ParseContext, usage: str) -> c.UserRef:
    if not token:
        raise CommandError(
            "`reports-to=` needs a person: mention them or give their email.", usage=usage
        )
    return parse_user(token, ctx, usage)


def _leader_reports_to(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    tokens = tokenize(rest)
    if len(tokens) != 2:
        raise CommandError(
            "Name the leader, then their manager (or none), by mention or email.", usage=usage
        )
    user = parse_user(tokens[0], ctx, usage)
    if tokens[1].lower() in {"none", "nobody", "no-one", "noone"}:
        return c.LeaderReportsTo(user, None)
    return c.LeaderReportsTo(user, parse_user(tokens[1], ctx, usage))


def leader_add_from_fields(
    *, email: str, role: str, team: str | None, timezone: str | None
) -> c.LeaderAdd:
    """A `leader add` from separate fields (a roster row), each checked as the typed command
    checks it, with no quoting for a cell to break out of."""
    usage = BY_NAME["leader add"].usage
    return c.LeaderAdd(
        parse_email(email, usage),
        parse_role(role, usage),
        _team_name(team, usage) if team else None,
        parse_zone(timezone, usage) if timezone else None,
    )


def parse_email(email: str, usage: str) -> c.UserRef:
    """A person named by email alone (a file's cell, where no one can be mentioned)."""
    if not _EMAIL.match(email):
        raise CommandError(f"`{email}` is not an email address.", usage=usage)
    return c.UserRef("email", email.lower())


def _leader_role(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    tokens = tokenize(rest)
    if len(tokens) != 2:
        raise CommandError("Name the leader and the new role.", usage=usage)
    role = tokens[1].removeprefix("role=")
    return c.LeaderRole(parse_user(tokens[0], ctx, usage), parse_role(role, usage))


def _team_add(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    tokens = tokenize(rest)
    if len(tokens) != 2:
        raise CommandError(
            "Give the team's name (quote it if it has spaces) and its channel.", usage=usage
        )
    name = _team_name(tokens[0], usage)
    return c.TeamAdd(name, parse_channel(tokens[1], ctx, usage))


def _team_name(token: str, usage: str) -> str:
    name = _unquote(token)
    mentioned = re.fullmatch(mentions.TOKEN, name)
    if not name or len(name) > 100 or "=" in name or mentioned or '"' in name:
        raise CommandError(f"`{mentions.readable(token)}` is not a team name.", usage=usage)
    return name


def _team_members(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    tokens = tokenize(rest)
    if not tokens:
        raise CommandError("Which team?", usage=usage)
    name = _team_name(tokens[0], usage)
    if len(tokens) == 1:
        return c.TeamMembers(name, "list")
    action = tokens[1].lower()
    if action not in {"add", "remove"}:
        raise CommandError(
            f"`{tokens[1]}` should be add or remove.",
            usage=usage,
            suggestions=closest(action, ["add", "remove"], 1),
        )
    if len(tokens) == 2:
        raise CommandError(f"Whom should I {action}?", usage=usage)
    users = tuple(parse_user(token, ctx, usage) for token in tokens[2:])
    return c.TeamMembers(name, "add" if action == "add" else "remove", users)


def _team_and(rest: str, usage: str, what: str) -> tuple[str, str]:
    """A team's name and one more token (`what` it is, for the error)."""
    tokens = tokenize(rest)
    if len(tokens) != 2:
        raise CommandError(
            f"Give the team's name (quote it if it has spaces) and {what}.", usage=usage
        )
    return _team_name(tokens[0], usage), tokens[1]


def _team_rename(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    name, new_name = _team_and(rest, usage, "its new name")
    return c.TeamRename(name, _team_name(new_name, usage))


def _team_channel(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    name, channel = _team_and(rest, usage, "its channel")
    return c.TeamChannel(name, parse_channel(channel, ctx, usage))


def _team_timezone(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    name, zone = _team_and(rest, usage, "an IANA time zone, like America/Chicago")
    return c.TeamTimezone(name, parse_zone(zone, usage))


def _team_remove(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    tokens = tokenize(rest)
    if len(tokens) != 1:
        raise CommandError("Name one team (quote it if it has spaces).", usage=usage)
    return c.TeamRemove(_team_name(tokens[0], usage))


def _cadence_clear(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    tokens = tokenize(rest)
    if len(tokens) != 1:
        raise CommandError("Give the one scope whose rule to remove.", usage=usage)
    return c.CadenceClear(parse_scope(tokens[0], ctx, usage))


def _cadence_set(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    tokens = tokenize(rest)
    if len(tokens) < 2:
        raise CommandError("Give a scope and a cadence.", usage=usage)
    scope = parse_scope(tokens[0], ctx, usage)
    return c.CadenceSet(scope, _cadence(" ".join(tokens[1:]), usage))


def _cadence_show(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    tokens = tokenize(rest)
    if len(tokens) > 1:
        raise CommandError("Give at most one scope.", usage=usage)
    return c.CadenceShow(parse_scope(tokens[0], ctx, usage) if tokens else None)


def _reminder(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    if rest.lower() == "off":
        return c.Reminder(None)
    if not rest:
        raise CommandError("Give a number of hours (1-168), or off.", usage=usage)
    hours = rest.lower().removesuffix("h").strip()
    if not _INT.match(hours) or not 1 <= int(hours) <= 168:
        raise CommandError(f"`{rest}` should be a number of hours (1-168) or off.", usage=usage)
    return c.Reminder(int(hours))


def _workdays(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    if not rest:
        return c.Workdays()
    try:
        return c.Workdays(parse_working_days(rest))
    except ValueError as error:
        raise CommandError(
            f"{str(error).capitalize()}: give a range like mon-fri or sun-thu, or the days, "
            "like mon tue thu.",
            usage=usage,
        ) from None


def _snooze_length(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    if not rest:
        return c.SnoozeLength()
    if rest.lower() == "default":
        return c.SnoozeLength(None, reset=True)
    length = parse_duration(
        rest,
        usage,
        shortest=timedelta(minutes=15),
        longest=timedelta(weeks=1),
        bounds="The Snooze button can wait between 15 minutes and a week.",
    )
    return c.SnoozeLength(length)


def _expiry(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    if not rest:
        return c.Expiry()
    if rest.lower() == "default":
        return c.Expiry(None, reset=True)
    length = parse_duration(
        rest,
        usage,
        shortest=timedelta(hours=1),
        longest=timedelta(weeks=2),
        bounds="A prompt can stay open between an hour and two weeks; give whole hours.",
    )
    if length % timedelta(hours=1):
        raise CommandError("Give the expiry in whole hours or days, like 12h or 2d.", usage=usage)
    return c.Expiry(length)


def _quiet(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    if rest.lower() == "off":
        return c.Quiet(None, None)
    if not rest:
        raise CommandError("Give the quiet hours, like 18:00-08:00, or off.", usage=usage)
    return c.Quiet(*_clock_range(rest, usage))


def _holiday(action: str) -> Parser:
    def parse(rest: str, ctx: ParseContext, usage: str) -> c.Command:
        if not rest or len(rest.split()) != 1:
            raise CommandError("Give one date, YYYY-MM-DD.", usage=usage)
        day = parse_date(rest, ctx, usage, future=action == "add")
        return c.HolidayChange("add" if action == "add" else "remove", day)

    return parse


def _digest_run(action: str) -> Parser:
    def parse(rest: str, ctx: ParseContext, usage: str) -> c.Command:
        tokens = tokenize(rest)
        if len(tokens) != 1:
            raise CommandError("Name one team (quote it if it has spaces).", usage=usage)
        return c.DigestRun("send" if action == "send" else "preview", _team_name(tokens[0], usage))

    return parse


def _digest_schedule(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    tokens = tokenize(rest)
    if len(tokens) < 2:
        raise CommandError("Name the team and the cadence.", usage=usage)
    return c.DigestSchedule(_team_name(tokens[0], usage), _cadence(" ".join(tokens[1:]), usage))


def _since(rest: str, ctx: ParseContext, usage: str) -> date | None:
    """`[since] <date>` after a command that looks back (`export`, `audit`): a day that has
    come, or None for no limit."""
    if re.fullmatch(r"since", rest, flags=re.IGNORECASE):
        raise CommandError("Since when? Give a date after `since`.", usage=usage)
    rest = re.sub(r"^since(?:\s+|$)", "", rest, flags=re.IGNORECASE)
    if not rest:
        return None
    day = parse_date(rest, ctx, usage, future=False)
    if day > ctx.today:
        raise CommandError(f"{day.isoformat()} is in the future.", usage=usage)
    return day


def _admin(action: str) -> Parser:
    def parse(rest: str, ctx: ParseContext, usage: str) -> c.Command:
        return c.AdminChange("add" if action == "add" else "remove", _one_user(rest, ctx, usage))

    return parse


def _send_now(rest: str, ctx: ParseContext, usage: str) -> c.Command:
    tokens = tokenize(rest)
    if not tokens or len(tokens) > 2:
        raise CommandError("Name one leader, and optionally a behavior id.", usage=usage)
    behavior = parse_behavior_id(tokens[1], ctx, usage) if len(tokens) == 2 else None
    return c.SendNow(parse_user(tokens[0], ctx, usage), behavior)


PARSERS: dict[str, Parser] = {
    "help": _help,
    "behaviors": _behaviors,
    "behavior": _behavior,
    "commitments": _no_args(c.Commitments()),
    "commit": _commit,
    "drop": _drop,
    "log": _log,
    "history": _history,
    "reports": _no_args(c.Reports()),
    "home": _no_args(c.Home()),
    "pause": _pause,
    "resume": _no_args(c.Resume()),
    "snooze": _snooze,
    "profile": lambda rest, ctx, usage: parse_profile(rest, usage),
    "timezone": _timezone,
    "leader add": _leader_add,
    "leader remove": lambda rest, ctx, usage: c.LeaderRemove(_one_user(rest, ctx, usage)),
    "leader list": _no_args(c.LeaderList()),
    "leader role": _leader_role,
    "leader reports-to": _leader_reports_to,
    "team add": _team_add,
    "team list": _no_args(c.TeamList()),
    "team members": _team_members,
    "team rename": _team_rename,
    "team channel": _team_channel,
    "team timezone": _team_timezone,
    "team remove": _team_remove,
    "cadence set": _cadence_set,
    "cadence show": _cadence_show,
    "cadence clear": _cadence_clear,
    "reminder": _reminder,
    "quiet": _quiet,
    "snooze-length": _snooze_length,
    "expiry": _expiry,
    "workdays": _workdays,
    "holiday add": _holiday("add"),
    "holiday remove": _holiday("remove"),
    "holiday list": _no_args(c.HolidayList()),
    "digest preview": _digest_run("preview"),
    "digest send": _digest_run("send"),
    "digest schedule": _digest_schedule,
    "export": lambda rest, ctx, usage: c.Export(_since(rest, ctx, usage)),
    "audit": lambda rest, ctx, usage: c.Audit(_since(rest, ctx, usage)),
    "admin add": _admin("add"),
    "admin remove": _admin("remove"),
    "send-now": _send_now,
    "dashboard": _no_args(c.Dashboard()),
}
ALIASES = {
    "behaviours": "behaviors",
    "behaviour": "behavior",
    "tz": "timezone",
    "sendnow": "send-now",
    "?": "help",
}


def parse_command(
    text: str,
    *,
    catalog: Catalog,
    today: date,
) -> c.Command:
    """Read one command; raises CommandError (and nothing else) when it can't be run as typed."""
    ctx = ParseContext(catalog=catalog, today=today)
    text = normalize(text)
    if not text:
        return c.Help()
    if len(text) > 4000:
        raise CommandError("That message is too long for a command.")
    (word,), rest = _split_words(text, 1)
    word = ALIASES.get(word.lower(), word.lower())
    name = word
    if word in GROUPS:
        subwords, rest = _split_words(rest, 1)
        subcommands = [n.split()[1] for n in BY_NAME if n.startswith(word + " ")]
        if not subwords or subwords[0].lower() not in subcommands:
            got = f" (got `{subwords[0]}`)" if subwords else ""
            raise CommandError(
                f"`{word}` needs one of: {', '.join(subcommands)}{got}.",
                usage=" | ".join(BY_NAME[f"{word} {s}"].usage for s in subcommands),
                suggestions=tuple(
                    f"{word} {s}" for s in closest(subwords[0] if subwords else "", subcommands, 1)
                ),
            )
        name = f"{word} {subwords[0].lower()}"
    parser = PARSERS.get(name)
    if parser is None:
        choices = sorted({n.split()[0] for n in PARSERS} | set(ALIASES))
        raise CommandError(
            f"I don't know the command `{word}`. Type `help` to see what you can do.",
            suggestions=tuple(ALIASES.get(s, s) for s in closest(word, choices)),
        )
    return parser(rest.strip(), ctx, BY_NAME[name].usage)


# How alike a first word must be to a command word to count as a mistyped command: typos
# ("comit", "histroy") are, everyday verbs ("helped" and "committed" at exactly 0.8, "held",
# "logged") are not. No word a command could be mistyped as lies between 0.8 and 0.81.
MISTYPED_COMMAND = 0.81
_NAMED_ID = re.compile(r"^[0-9]{1,2}\.[a-z](\.[ivx]+)?[.,;:!?)]*$", re.IGNORECASE)


def looks_like_command(text: str) -> bool:
    """Whether text is meant as a command rather than prose: its first word is, or is close
    to, a command word, or it names a behavior id. Such text gets the command's answer or
    error, never taken as an answer to a prompt."""
    words = normalize(text).split()
    if not words:
        return False
    word = words[0].lower()
    known = {name.split()[0] for name in PARSERS} | set(ALIASES)
    if word in known or closest(word, sorted(known), 1, cutoff=MISTYPED_COMMAND):
        return True
    return any(_NAMED_ID.match(token) for token in words)
