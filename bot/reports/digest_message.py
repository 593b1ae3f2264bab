"""A digest as its team's channel sees it, a neutral Message, and the line only an admin's
preview adds: who has gone quiet. Quiet leaders are a count in the channel; who they are is
for admins (`digest preview`, the dashboard). See docs/digest.md."""

from __future__ import annotations

from bot.core.messages import Message, Section
from bot.reports.barriers import BarrierGroup
from bot.reports.digest import DigestBody, EarlierDigest
from bot.store.retention import plural

# At most this many examples per barrier theme and names of leaders who recognized staff in
# a channel post; the dashboard has the rest.
SHOWN_BARRIERS, SHOWN_NAMES = 3, 5
# Names of quiet leaders an admin's preview lists (the dashboard lists them all).
SHOWN_QUIET = 20


def render_digest(body: DigestBody | EarlierDigest) -> Message:
    """The digest as its team's channel sees it: the week in one headline line (who took
    part, what was answered, the change), the outcomes and balance, then a section for each
    part that has something to say."""
    title = f"{body.team} digest, {body.period_start} to {body.period_end}"
    if isinstance(body, EarlierDigest):
        return Message(
            title=title,
            text="This digest was prepared by an earlier version of Follow-Through.",
            fields=(("Taking part", f"{body.taking_part} of {plural(body.leaders, 'leader')}"),),
        )
    sections = (
        Section("What was practiced", tuple(_practice(body))),
        Section(
            "Most practiced",
            tuple(
                f"{b.title} ({b.behavior_id}): {plural(b.count, 'time')}"
                for b in body.top_behaviors
            ),
        ),
        Section("Shared with the team", tuple(_shared(body))),
        Section("What got in the way", tuple(_barrier(group) for group in body.barriers)),
        Section("Streaks", tuple(_streaks(body))),
        Section("Worth a check-in", tuple(_quiet(body))),
    )
    return Message(
        title=title,
        text=_headline(body),
        fields=_fields(body),
        sections=tuple(part for part in sections if part.lines),
    )


def quiet_leaders_for_admins(body: DigestBody) -> str | None:
    """Who has had no answer for two weeks or more, for an admin's eyes only."""
    if not body.quiet_leaders:
        return None
    return "Only you see this: no answer for two weeks or more from " + _and(
        [f"{q.leader} ({q.weeks} weeks)" for q in body.quiet_leaders], SHOWN_QUIET
    )


def _headline(body: DigestBody) -> str:
    """The week in one line: "7 of 7 leaders took part · 15 of 17 prompts answered (88%) ·
    up 6 points on last week"."""
    week = body.this_week
    if not (week.taking_part or week.answers):
        return f"No answers this week yet · {plural(week.prompts_sent, 'prompt')} sent."
    parts = [f"{week.taking_part} of {plural(week.leaders, 'leader')} took part"]
    if week.prompts_sent:
        parts.append(
            f"{week.answers} of {plural(week.prompts_sent, 'prompt')} answered"
            + (f" ({week.rate:.0f}%)" if week.rate is not None else "")
        )
    change = _change(body)
    if change:
        parts.append(change)
    return " · ".join(parts)


def _fields(body: DigestBody) -> tuple[tuple[str, str], ...]:
    outcomes = body.outcomes
    return (
        (
            "Outcomes",
            f"{outcomes.done} done · {outcomes.partly} partly · "
            f"{outcomes.not_this_week} not this week",
        ),
        ("Balance", " · ".join(f"{lens.name} {lens.count}" for lens in body.lenses)),
    )


def _practice(body: DigestBody) -> list[str]:
    """What was practiced: by domain, and recognitions."""
    items = [f"{d.name}: {_done_partly(d.done, d.partly)}" for d in body.domains]
    recognitions = body.recognitions
    if recognitions.count:
        by = _and(list(recognitions.leaders), SHOWN_NAMES)
        items.append(f"Recognitions: {recognitions.count}, by {by}")
    return items


def _shared(body: DigestBody) -> list[str]:
    items = [
        (f"Update from {s.leader}" if s.kind == "update" else s.leader)
        + f" on {s.behavior_id}: {s.note}"
        for s in body.shared
    ]
    if body.shared_total > len(body.shared):
        items.append(f"{body.shared_total - len(body.shared)} more shared notes on the dashboard")
    return items


def _barrier(group: BarrierGroup) -> str:
    texts = "; ".join(
        t.text + (f" ({t.count} times)" if t.count > 1 else "")
        for t in group.texts[:SHOWN_BARRIERS]
    )
    more = len(group.texts) - SHOWN_BARRIERS
    return f"{group.theme} ({group.count}): {texts}" + (f"; and {more} more" if more > 0 else "")


def _streaks(body: DigestBody) -> list[str]:
    if not body.streaks:
        return []
    more = body.streaks_total - len(body.streaks)
    return [
        ", ".join(f"{s.leader} {s.weeks} weeks in a row" for s in body.streaks)
        + (f", and {more} more" if more > 0 else "")
    ]


def _quiet(body: DigestBody) -> list[str]:
    quiet = len(body.quiet_leaders)
    if not quiet:
        return []
    who = "1 leader has" if quiet == 1 else f"{quiet} leaders have"
    return [f"{who} had no answer for two weeks or more: a check-in from their manager may help."]


def _change(body: DigestBody) -> str | None:
    """The answer rate against last week's, when both weeks had prompts."""
    rate, before = body.this_week.rate, body.last_week.rate
    if rate is None or before is None or body.change is None:
        return None
    change = round(body.change)
    if change == 0:
        return f"as last week ({before:.0f}%)"
    direction = "up" if change > 0 else "down"
    return f"{direction} {plural(abs(change), 'point')} on last week ({before:.0f}%)"


def _done_partly(done: int, partly: int) -> str:
    parts = [f"{done} done"] if done else []
    parts += [f"{partly} partly"] if partly else []
    return ", ".join(parts)


def _and(names: list[str], most: int) -> str:
    """Names joined for reading, the first `most` of them and how many others."""
    if len(names) > most:
        names = [*names[:most], f"{len(names) - most} others"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
