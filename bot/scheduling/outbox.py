"""The outbox: claim due prompts, send each through its platform once, mark it sent.

A send is claimed (status `sending`) in one transaction, performed, then marked `sent` with
the platform's message id in another. If the process dies in between, the claim goes stale;
after `lease` the prompt's platform is asked whether that send landed (`Channel.find`): if it
did, the prompt is marked sent with that id, otherwise it goes back to pending and is sent.
So a crash neither doubles a prompt nor loses one. Reminders and snooze re-asks are sent at
most once: their claim is the write that marks them done.

Platforms limit us per workspace (a Slack team's token, a Teams tenant), so pacing is kept per
workspace, and workspaces are served side by side: a claim takes every workspace's earliest
prompts in turn, and a workspace told to wait (a 429's Retry-After) waits alone while the
others' sends go on."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

import structlog
from aiolimiter import AsyncLimiter
from sqlalchemy import Table, bindparam, func, select, true, update
from sqlalchemy.orm import Session, sessionmaker
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    retry_if_not_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from bot.core.catalog import Catalog
from bot.core.clock import Clock, RunningFrom
from bot.core.lifecycle import EXPIRE_WITHOUT_REMINDER, PromptTimes, first_deadline
from bot.core.messages import Message, message_from_dict
from bot.core.prompts import prompt_message
from bot.core.schedule import next_allowed
from bot.core.states import DigestStatus, PromptStatus
from bot.metrics import PLATFORM_RATE_LIMITED, PLATFORM_RETRIES, expect_platforms
from bot.reports.digest import read_digest
from bot.reports.digest_message import render_digest
from bot.reports.summary import has_barriers, render_summary
from bot.scheduling.cadences import holidays_by_workspace, leader_calendar
from bot.scheduling.delivery import (
    Channel,
    Delivery,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from bot.scheduling.planner import DEFAULT_GRACE
from bot.store.db import execute_write
from bot.store.models import (
    BarrierSummary,
    Commitment,
    Digest,
    Notice,
    Person,
    Prompt,
    Team,
    Workspace,
    address_name,
)

log = logging.getLogger(__name__)
_T = TypeVar("_T")
_S = TypeVar("_S")
_A = TypeVar("_A")
_P = ParamSpec("_P")

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 6
# Failed attempts to ask a platform whether a stale send landed before sending it again.
MAX_CHECKS = 5
MAX_WAIT = 30.0  # seconds: the longest Retry-After waited out in process
_backoff = wait_exponential(multiplier=0.5, max=30)


def _wait(state: RetryCallState) -> float:
    """Back off exponentially, except after a Retry-After: then the next attempt waits out
    its workspace's hold (`_Pace`, capped at MAX_WAIT so in-process retries stay well inside
    the claim lease), and no more."""
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, TransientDeliveryError) and error.retry_after is not None:
        return 0.0
    return float(_backoff(state))


def _about_a_delivery(
    method: Callable[Concatenate[_S, _A, Delivery, _P], Awaitable[_T]],
) -> Callable[Concatenate[_S, _A, Delivery, _P], Awaitable[_T]]:
    """Every log line written while `method` works on a delivery (the platform SDK's among
    them) carries its `delivery_key`."""

    @functools.wraps(method)
    async def bound(
        self: _S, first: _A, delivery: Delivery, /, *args: _P.args, **kwargs: _P.kwargs
    ) -> _T:
        with structlog.contextvars.bound_contextvars(delivery_key=delivery.key):
            return await method(self, first, delivery, *args, **kwargs)

    return bound


class _OutOfPatience(TransientDeliveryError):
    """A send that waited its claim's patience out: it goes in a later pass, not retried now."""


def _count_if_rate_limited(platform: str, error: Exception) -> None:
    if isinstance(error, TransientDeliveryError) and error.retry_after is not None:
        PLATFORM_RATE_LIMITED.labels(platform).inc()


# Where one platform's limits apply: a workspace of that platform (a Workspace row is one
# Slack team or one Teams tenant).
PaceKey = tuple[str, int]
Outcome = tuple[Delivery, str, object]


@dataclass
class _Pace:
    """One workspace's pace: its share of the platform's rate, and while the platform has told
    us to wait (a 429's Retry-After), that wait, which all its sends share."""

    limit: AsyncLimiter | None
    hold: asyncio.Future[None] | None = None

    @property
    def held(self) -> bool:
        return self.hold is not None and not self.hold.done()

    def wait_out(self, seconds: float, sleep: Callable[[float], Awaitable[None]]) -> None:
        if not self.held:
            self.hold = asyncio.ensure_future(sleep(seconds))


@dataclass
class PassResult:
    sent: int = 0
    recovered: int = 0
    retried: int = 0
    failed: int = 0
    reminded: int = 0
    expired: int = 0
    digests: int = 0
    summaries: int = 0
    notices: int = 0


@dataclass
class Outbox:
    sessions: sessionmaker[Session]
    catalog: Catalog
    channels: Mapping[str, Channel]
    batch_size: int = 1000
    concurrency: int = 64
    in_process_attempts: int = 3
    lease: timedelta = LEASE
    grace: timedelta = DEFAULT_GRACE
    # How the outbox waits out a Retry-After or a backoff (tests hold or release it).
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    # Seconds a send may spend waiting out holds before it gives its claim back: another copy
    # takes a claim older than the lease for abandoned and checks it, and a send still waiting
    # here would then go out twice. A wait is at most MAX_WAIT, so the last ends well inside.
    patience: float = LEASE.total_seconds() / 2
    _undeliverable: list[tuple[int, str]] = field(default_factory=list)
    _paces: dict[PaceKey, _Pace] = field(default_factory=dict)
    _conversation_limits: dict[str, AsyncLimiter] = field(default_factory=dict)
    # At most `concurrency` requests on the wire; a send waiting for its turn holds no place.
    _wire: asyncio.Semaphore | None = None
    _turns: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        expect_platforms(self.channels)

    async def run(self, now: datetime) -> PassResult:
        """One delivery pass for the moment `now`: recover stale claims, send everything due,
        remind, expire. Claims are stamped by a clock that starts at `now` and runs with the
        pass (`RunningFrom`), so the lease is measured on the pass's own timeline."""
        result = PassResult()
        clock = RunningFrom(now)
        self._wire = asyncio.Semaphore(self.concurrency)
        self._turns = asyncio.Lock()
        result.recovered = await self._recover(clock)
        held = await self._deliver_due(clock, now, result)
        # Sends that waited out their workspace's Retry-After are done: what that workspace
        # has left (its prompts are not claimed while it is held) goes out in this pass too.
        while held:
            await asyncio.gather(*held)
            held = await self._deliver_due(clock, now, result)
        await self._tell_admins(now)
        await self._deliver_digests(clock, result)
        await self._remind_and_expire(now, result)
        return result

    async def _in_turn(self, work: Callable[..., _T], *args: object) -> _T:
        """Claims and marks are short and run on the event loop itself, one at a time:
        handing them to a thread cost more in GIL hand-offs than it saved
        (docs/performance.md)."""
        async with self._turns:
            await asyncio.sleep(0)
            return work(*args)

    async def _deliver_due(
        self, clock: Clock, now: datetime, result: PassResult
    ) -> list[asyncio.Future[None]]:
        """Claim, send and mark every due prompt, batch after batch; returns the marking of
        the sends still waiting out a Retry-After, which later batches did not wait for.

        A pipeline: the next batch is claimed, and the last one marked, while this one's sends
        are on the wire."""
        marking: asyncio.Future[None] | None = None
        held: list[asyncio.Future[None]] = []
        claimed = await self._in_turn(self._claim, clock)
        while claimed:
            next_claim = asyncio.ensure_future(self._in_turn(self._claim, clock))
            outcomes, waiting = await self._send_all(claimed)
            if marking is not None:
                await marking
            marking = asyncio.ensure_future(self._in_turn(self._mark, outcomes, now, result))
            if waiting is not None:
                held.append(asyncio.ensure_future(self._mark_later(waiting, now, result)))
            claimed = await next_claim
        if marking is not None:
            await marking
        return held

    async def _mark_later(
        self, waiting: Awaitable[list[Outcome]], now: datetime, result: PassResult
    ) -> None:
        await self._in_turn(self._mark, await waiting, now, result)

    # -- claims -------------------------------------------------------------------------

    def _claim(self, clock: Clock) -> list[tuple[Delivery, str]]:
        """Claim the next batch: the earliest due prompt of every workspace, then the second
        of every workspace, and so on, so a batch serves all workspaces side by side. A
        workspace held by a Retry-After in this process is left for after the hold."""
        now = clock.now()
        held = [workspace for (_, workspace), pace in self._paces.items() if pace.held]
        with self.sessions.begin() as session:
            due = (
                select(
                    Prompt.id,
                    func.row_number()
                    .over(
                        partition_by=Person.workspace_id,
                        order_by=(Prompt.scheduled_for, Prompt.id),
                    )
                    .label("turn"),
                )
                .join(Person, Prompt.person_id == Person.id)
                .join(Workspace, Person.workspace_id == Workspace.id)
                .where(
                    Prompt.status == PromptStatus.PENDING,
                    Prompt.scheduled_for <= now,
                    Person.undeliverable_reason.is_(None),
                    Workspace.active.is_(True),
                    Person.workspace_id.not_in(held) if held else true(),
                )
                .subquery()
            )
            query = (
                select(Prompt.id)
                .join(due, due.c.id == Prompt.id)
                # Checked again on the row itself: another process may have claimed it since.
                .where(Prompt.status == PromptStatus.PENDING)
                .order_by(due.c.turn, Prompt.scheduled_for, Prompt.id)
                .limit(self.batch_size)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(of=Prompt, skip_locked=True)
            ids = list(session.scalars(query))
            if not ids:
                return []
            session.execute(
                update(Prompt)
                .where(Prompt.id.in_(ids), Prompt.status == PromptStatus.PENDING)
                .values(status=PromptStatus.SENDING, claimed_at=now, attempts=Prompt.attempts + 1)
            )
            turns = {prompt_id: turn for turn, prompt_id in enumerate(ids)}
            claimed = self._deliveries(session, ids, now=now)
            claimed.sort(key=lambda pair: turns[cast(int, pair[0].prompt_id)])
            return claimed

    def _deliveries(
        self, session: Session, ids: list[int], *, reminder: str | None = None, now: datetime
    ) -> list[tuple[Delivery, str]]:
        """What to send for these prompts: plain columns, not ORM objects (this is hot)."""
        rows = session.execute(
            select(
                Prompt.id,
                Prompt.delivery_key,
                Prompt.behavior_id,
                Prompt.text,
                Person.id.label("person_id"),
                Person.workspace_id,
                Person.platform_user_id,
                Person.preferred_name,
                Person.display_name,
                Person.email,
                Workspace.platform,
                Commitment.goal,
            )
            .join(Person, Prompt.person_id == Person.id)
            .join(Workspace, Person.workspace_id == Workspace.id)
            .outerjoin(Commitment, Prompt.commitment_id == Commitment.id)
            .where(Prompt.id.in_(ids))
            .order_by(Prompt.scheduled_for, Prompt.id)
        )
        suffix = f":{reminder}:{now:%Y%m%dT%H%M}" if reminder else ""
        return [
            (
                Delivery(
                    key=row.delivery_key + suffix,
                    workspace_id=row.workspace_id,
                    person_id=row.person_id,
                    user_id=row.platform_user_id,
                    message=prompt_message(
                        row,
                        address_name(
                            row.preferred_name,
                            row.display_name,
                            row.email,
                            row.platform_user_id,
                        ),
                        self.catalog,
                        goal=row.goal,
                        reminder=reminder is not None,
                    ),
                    prompt_id=row.id,
                ),
                row.platform,
            )
            for row in rows
        ]

    async def _recover(self, clock: Clock) -> int:
        """Settle sends whose process died between claim and mark: the platform is asked
        whether each landed, at most `Channel.checks_per_pass` questions a pass."""
        now = clock.now()

        def stale() -> tuple[list[tuple[Delivery, str]], dict[int, datetime | None]]:
            with self.sessions() as session:
                claims = {
                    prompt_id: claimed_at
                    for prompt_id, claimed_at in session.execute(
                        select(Prompt.id, Prompt.claimed_at).where(
                            Prompt.status == PromptStatus.SENDING,
                            Prompt.claimed_at <= now - self.lease,
                        )
                    ).tuples()
                }
                ids = list(claims)
                return (self._deliveries(session, ids, now=now) if ids else []), claims

        deliveries, claims = await asyncio.to_thread(stale)
        settled = 0
        # Budgets and halts are per workspace, as the platforms' limits are.
        checks: dict[PaceKey, int] = {}
        halted: set[PaceKey] = set()
        for delivery, platform in deliveries:
            channel = self.channels.get(platform)
            where = (platform, delivery.workspace_id)
            if channel is None or delivery.prompt_id is None or where in halted:
                continue
            budget = channel.checks_per_pass
            if budget is not None and checks.get(where, 0) >= budget:
                continue  # left stale, so a later pass asks about it
            checks[where] = checks.get(where, 0) + 1
            claimed_at = claims[delivery.prompt_id]
            check = await self._check(channel, delivery)
            if isinstance(check, Exception):
                await asyncio.to_thread(
                    self._check_failed, delivery.prompt_id, delivery.key, claimed_at, check, now
                )
                if isinstance(check, TransientDeliveryError) and check.retry_after is not None:
                    halted.add(where)  # rate limited: ask that workspace nothing more this pass
                continue
            await asyncio.to_thread(self._settle_stale, delivery, check, claimed_at, now)
            settled += 1
        return settled

    @_about_a_delivery
    async def _check(self, channel: Channel, delivery: Delivery) -> str | Exception | None:
        """Whether an earlier send landed: its message id, None when the platform says it is
        not there, or the error when the platform could not be asked (which is no answer)."""
        try:
            return await channel.find(delivery)
        except Exception as error:  # one platform's trouble must not stop the whole pass
            log.warning("could not check delivery %s: %r", delivery.key, error)
            _count_if_rate_limited(channel.platform, error)
            return error

    def _check_failed(
        self,
        prompt_id: int,
        key: str,
        claimed_at: datetime | None,
        error: Exception,
        now: datetime,
    ) -> None:
        """A check that failed leaves the send unsettled, to be asked about again a lease
        later; only after MAX_CHECKS failures is it sent again, and that decision logged."""
        with self.sessions.begin() as session:
            prompt = session.get(Prompt, prompt_id)
            if (
                prompt is None
                or prompt.status != PromptStatus.SENDING
                or prompt.claimed_at != claimed_at
            ):
                return  # another process settled or re-claimed it meanwhile
            prompt.check_failures += 1
            prompt.last_error = f"delivery check failed: {error!r}"[:500]
            if prompt.check_failures >= MAX_CHECKS:
                log.warning(
                    "delivery %s: %s checks of whether it landed failed; sending it again",
                    key,
                    prompt.check_failures,
                )
                prompt.status, prompt.claimed_at = PromptStatus.PENDING, None
            else:
                prompt.claimed_at = now

    def _settle_stale(
        self,
        delivery: Delivery,
        message_id: str | None,
        claimed_at: datetime | None,
        now: datetime,
    ) -> None:
        with self.sessions.begin() as session:
            values: dict[str, object] = (
                {"status": PromptStatus.SENT, "sent_at": now, "platform_message_id": message_id}
                if message_id
                else {"status": PromptStatus.PENDING, "claimed_at": None}
            )
            # Only the claim we judged stale: another process may have re-claimed it since.
            session.execute(
                update(Prompt)
                .where(
                    Prompt.id == delivery.prompt_id,
                    Prompt.status == PromptStatus.SENDING,
                    Prompt.claimed_at == claimed_at,
                )
                .values(**values)
            )

    # -- sending ------------------------------------------------------------------------

    async def _send_all(
        self, claimed: list[tuple[Delivery, str]]
    ) -> tuple[list[Outcome], asyncio.Future[list[Outcome]] | None]:
        """Send a batch. Returns once every send has finished or is waiting out its
        workspace's Retry-After: the outcomes so far, and the sends still waiting (None when
        none is), so that the pass goes on with the other workspaces meanwhile."""
        busy = len(claimed)
        settled = asyncio.Event()

        def on_hold(waiting: bool) -> None:
            nonlocal busy
            busy += -1 if waiting else 1
            if busy == 0:
                settled.set()

        async def one(delivery: Delivery, platform: str) -> Outcome:
            try:
                return delivery, platform, await self.send(platform, delivery, on_hold=on_hold)
            except (TransientDeliveryError, PermanentDeliveryError) as error:
                return delivery, platform, error
            except Exception as error:  # a bug or surprise in one send: retry it later
                log.exception("send %s failed unexpectedly", delivery.key)
                return delivery, platform, TransientDeliveryError(repr(error))
            finally:
                on_hold(True)  # done: no longer keeps the batch

        sends = [asyncio.ensure_future(one(d, p)) for d, p in claimed]
        await settled.wait()
        waiting = [send for send in sends if not send.done()]
        outcomes = [send.result() for send in sends if send.done()]
        return outcomes, (asyncio.gather(*waiting) if waiting else None)

    @_about_a_delivery
    async def send(
        self,
        platform: str,
        delivery: Delivery,
        *,
        on_hold: Callable[[bool], None] | None = None,
    ) -> str:
        """Send through the platform, paced per workspace and per conversation, retrying
        transient failures in process (honoring Retry-After). A Retry-After holds every send
        to that workspace, and only to it; `on_hold` is told when this send starts (True) and
        stops (False) waiting for such a hold to end."""
        channel = self.channels.get(platform)
        if channel is None:
            raise TransientDeliveryError(f"no {platform} connection in this process")
        pace = self._paces.get((platform, delivery.workspace_id))
        if pace is None:
            limit = AsyncLimiter(channel.rate, 1) if channel.rate else None
            pace = self._paces[(platform, delivery.workspace_id)] = _Pace(limit)
        limits = [pace.limit] if pace.limit is not None else []
        if channel.conversation_rate:
            limits.append(
                self._conversation_limits.setdefault(
                    f"{platform}:{delivery.workspace_id}:{delivery.conversation}",
                    AsyncLimiter(channel.conversation_rate, 1),
                )
            )
        if self._wire is None:
            self._wire = asyncio.Semaphore(self.concurrency)
        wire = self._wire

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.patience

        def in_time() -> None:
            if loop.time() > deadline:
                raise _OutOfPatience(f"waited {self.patience:.0f} s: sent in a later pass")

        async def attempt() -> str:
            in_time()
            while True:
                while (hold := pace.hold) is not None and not hold.done():
                    in_time()
                    if on_hold is not None:
                        on_hold(True)
                    try:
                        await asyncio.shield(hold)
                    finally:
                        if on_hold is not None:
                            on_hold(False)
                for limit in limits:
                    await limit.acquire()
                if not pace.held:  # a send let through meanwhile may have been told to wait
                    break
            async with wire:
                try:
                    return await channel.send(delivery)
                except TransientDeliveryError as error:
                    _count_if_rate_limited(platform, error)
                    if error.retry_after:
                        pace.wait_out(min(error.retry_after, MAX_WAIT), self.sleep)
                    raise

        # Most sends succeed at once; tenacity takes over only after a transient failure
        # (it costs more per call than the send itself against a fast platform).
        try:
            return await attempt()
        except TransientDeliveryError as error:
            if self.in_process_attempts < 2 or isinstance(error, _OutOfPatience):
                raise
            if not error.retry_after:
                await self.sleep(0.5)
        async for retry in AsyncRetrying(
            retry=retry_if_exception_type(TransientDeliveryError)
            & retry_if_not_exception_type(_OutOfPatience),
            stop=stop_after_attempt(self.in_process_attempts - 1),
            wait=_wait,
            sleep=self.sleep,
            reraise=True,
        ):
            with retry:
                PLATFORM_RETRIES.labels(platform).inc()
                message_id = await attempt()
        return message_id

    def _mark(self, outcomes: list[Outcome], now: datetime, result: PassResult) -> None:
        sent = [
            {"prompt": d.prompt_id, "message": outcome}
            for d, _platform, outcome in outcomes
            if isinstance(outcome, str)
        ]
        failed = [
            (d, outcome) for d, _platform, outcome in outcomes if not isinstance(outcome, str)
        ]
        undeliverable: list[tuple[int, str]] = []
        with self.sessions.begin() as session:
            if sent:
                table = cast(Table, Prompt.__table__)
                execute_write(
                    session,
                    update(table)
                    .where(
                        table.c.id == bindparam("prompt"), table.c.status == PromptStatus.SENDING
                    )
                    .values(
                        status=PromptStatus.SENT,
                        sent_at=now,
                        platform_message_id=bindparam("message"),
                    ),
                    sent,
                )
                result.sent += len(sent)
            for delivery, error in failed:
                prompt = session.get(Prompt, delivery.prompt_id)
                if prompt is None or prompt.status != PromptStatus.SENDING:
                    continue
                prompt.last_error = str(error)[:500]
                if isinstance(error, PermanentDeliveryError):
                    prompt.status = PromptStatus.FAILED
                    person = session.get(Person, delivery.person_id)
                    if person is not None and person.undeliverable_reason is None:
                        person.undeliverable_reason = str(error)[:200]
                        undeliverable.append((person.id, str(error)))
                    result.failed += 1
                elif prompt.attempts >= MAX_ATTEMPTS:
                    prompt.status = PromptStatus.FAILED
                    result.failed += 1
                else:
                    prompt.status, prompt.claimed_at = PromptStatus.PENDING, None
                    prompt.scheduled_for = now + timedelta(minutes=2**prompt.attempts)
                    result.retried += 1
        for person_id, reason in undeliverable:
            log.warning("person %s is undeliverable: %s", person_id, reason)
        self._undeliverable += undeliverable

    async def _tell_admins(self, now: datetime) -> None:
        """Tell a workspace's admins, once, that a leader can no longer be reached."""
        newly, self._undeliverable = self._undeliverable, []
        for person_id, reason in newly:
            with self.sessions() as session:
                person = session.get(Person, person_id)
                if person is None:
                    continue
                platform = person.workspace.platform
                admins = session.scalars(
                    select(Person).where(
                        Person.workspace_id == person.workspace_id,
                        Person.is_admin.is_(True),
                        Person.undeliverable_reason.is_(None),
                    )
                ).all()
                notes = [
                    Delivery(
                        key=f"undeliverable:{person.id}:{admin.id}:{now:%Y%m%dT%H%M}",
                        workspace_id=person.workspace_id,
                        person_id=admin.id,
                        user_id=admin.platform_user_id,
                        message=Message(
                            text=f"I can't reach {person.name} any more ({reason}), so their "
                            "prompts are stopped. Once they can be reached again, run "
                            f"`leader add` for them to start prompts again."
                        ),
                    )
                    for admin in admins
                ]
            for note in notes:
                try:
                    await self.send(platform, note)
                except (TransientDeliveryError, PermanentDeliveryError) as error:
                    log.warning("could not tell admin %s: %s", note.person_id, error)

    async def _deliver_digests(self, clock: Clock, result: PassResult) -> None:
        """Post queued team digests to their channels, and managers' barrier summaries and
        notices to their people, once each (claimed like prompts)."""
        now = clock.now()
        result.digests += await self._post_claimed(Digest, self._claim_digests(now), now)
        summaries = self._claim_direct(
            BarrierSummary,
            now,
            lambda summary, manager: (
                (
                    f"summary:{manager.id}:{summary.period_start}",
                    render_summary(summary.id, summary.period_start, summary.body),
                )
                if has_barriers(summary.body)
                else None
            ),
        )
        result.summaries += await self._post_claimed(BarrierSummary, summaries, now)
        notices = self._claim_direct(
            Notice,
            now,
            lambda notice, _: (f"notice:{notice.key}", message_from_dict(notice.body)),
        )
        result.notices += await self._post_claimed(Notice, notices, now)

    async def _post_claimed(
        self,
        model: type[Digest] | type[BarrierSummary] | type[Notice],
        claimed: list[tuple[int, Delivery, str, int | None]],
        now: datetime,
    ) -> int:
        """Send each claimed digest, summary or notice, unless a check finds an earlier send
        landed; mark it sent, or back to pending (or, when the platform could not say whether
        the earlier send landed, claimed again to ask later). A message to one person that
        the platform refuses for good (they blocked the bot, left) is given up as missed:
        sending it again every pass would not change that. How many went out."""
        posted = 0
        for row_id, delivery, platform, failed_checks in claimed:
            message_id = None
            unsure = False
            refused = False
            if failed_checks is not None:
                channel = self.channels.get(platform)
                check = await self._check(channel, delivery) if channel else None
                if isinstance(check, Exception) and failed_checks + 1 < MAX_CHECKS:
                    unsure = True  # no answer is not "not there": ask again later
                elif isinstance(check, str):
                    message_id = check
                elif isinstance(check, Exception):
                    log.warning("%s %s: checks failed; sending it again", delivery.key, row_id)
            if (delivery.channel or delivery.user_id) and message_id is None and not unsure:
                try:
                    message_id = await self.send(platform, delivery)
                except (TransientDeliveryError, PermanentDeliveryError) as error:
                    log.warning("%s not delivered: %s", delivery.key, error)
                    refused = isinstance(error, PermanentDeliveryError) and model is not Digest
            with self.sessions.begin() as session:
                row = cast("Digest | BarrierSummary | Notice | None", session.get(model, row_id))
                if row is not None:
                    if refused:
                        row.status, row.claimed_at = DigestStatus.MISSED, None
                    elif message_id is not None:
                        row.status, row.sent_at = DigestStatus.SENT, now
                        row.platform_message_id = message_id
                        posted += 1
                    elif unsure:
                        row.check_failures += 1
                        row.claimed_at = now
                    else:
                        row.status, row.claimed_at = DigestStatus.PENDING, None
        return posted

    def _claim_direct(
        self,
        model: type[BarrierSummary | Notice],
        now: datetime,
        delivery: Callable[[Any, Person], tuple[str, Message] | None],
    ) -> list[tuple[int, Delivery, str, int | None]]:
        """Pending messages to one person (barrier summaries, notices) and stale claims, as
        `_claim_digests` takes digests; `delivery` gives each one's key and message, or None
        for one with nothing left to say (marked missed)."""
        with self.sessions.begin() as session:
            rows = (
                session.execute(
                    select(model, Person, Workspace.platform)
                    .join(Person, model.person_id == Person.id)
                    .join(Workspace, Person.workspace_id == Workspace.id)
                    .where(
                        # Nobody a send cannot reach: those wait, unsent, until they can be.
                        Person.undeliverable_reason.is_(None),
                        Workspace.active.is_(True),
                    )
                    .where(
                        (model.status == DigestStatus.PENDING)
                        | (
                            (model.status == DigestStatus.SENDING)
                            & (model.claimed_at <= now - self.lease)
                        )
                    )
                    .order_by(model.id)
                    .with_for_update(of=model, skip_locked=True)
                )
                .tuples()
                .all()
            )
            claimed = []
            for found, person, platform in rows:
                row = cast("BarrierSummary | Notice", found)
                failed_checks = row.check_failures if row.status == DigestStatus.SENDING else None
                made = delivery(row, person)
                if made is None:
                    row.status, row.claimed_at = DigestStatus.MISSED, None
                    continue
                row.status, row.claimed_at = DigestStatus.SENDING, now
                key, message = made
                claimed.append(
                    (
                        row.id,
                        Delivery(
                            key=key,
                            workspace_id=person.workspace_id,
                            person_id=person.id,
                            user_id=person.platform_user_id,
                            message=message,
                        ),
                        platform,
                        failed_checks,
                    )
                )
            return claimed

    def _claim_digests(self, now: datetime) -> list[tuple[int, Delivery, str, int | None]]:
        """Pending digests, and those whose claim went stale; for the latter, how many checks
        of whether the post landed have failed (None: never claimed, nothing to check)."""
        with self.sessions.begin() as session:
            rows = (
                session.execute(
                    select(Digest, Team, Workspace.platform)
                    .join(Team, Digest.team_id == Team.id)
                    .join(Workspace, Team.workspace_id == Workspace.id)
                    .where(
                        (Digest.status == DigestStatus.PENDING)
                        | (
                            (Digest.status == DigestStatus.SENDING)
                            & (Digest.claimed_at <= now - self.lease)
                        )
                    )
                    .order_by(Digest.id)
                    .with_for_update(of=Digest, skip_locked=True)
                )
                .tuples()
                .all()
            )
            claimed = []
            for digest, team, platform in rows:
                failed_checks = (
                    digest.check_failures if digest.status == DigestStatus.SENDING else None
                )
                digest.status, digest.claimed_at = DigestStatus.SENDING, now
                claimed.append(
                    (
                        digest.id,
                        Delivery(
                            key=f"digest:{team.id}:{digest.period_start}",
                            workspace_id=team.workspace_id,
                            team_id=team.id,
                            channel=team.channel_ref,
                            message=render_digest(read_digest(digest.body)),
                        ),
                        platform,
                        failed_checks,
                    )
                )
            return claimed

    # -- reminders and expiry ---------------------------------------------------------------

    async def _remind_and_expire(self, now: datetime, result: PassResult) -> None:
        for delivery, platform in await asyncio.to_thread(self._claim_reminders, now, result):
            try:
                await self.send(platform, delivery)
                result.reminded += 1
            except (TransientDeliveryError, PermanentDeliveryError) as error:
                log.warning("reminder %s not delivered: %s", delivery.key, error)

    def _claim_reminders(self, now: datetime, result: PassResult) -> list[tuple[Delivery, str]]:
        """Expire prompts past their expiry first, then take the reminders and snooze re-asks
        that are due, marking each done before it is sent (at most once). They keep the rules
        prompts keep: one due in quiet hours, on a weekend or a holiday waits for the next
        allowed moment; one due longer ago than the grace window (the service was down), or
        for a paused leader, is not sent at all."""
        due: dict[str, list[int]] = {"reminder": [], "snooze": []}
        with self.sessions.begin() as session:
            holidays: dict[int, frozenset[date]] | None = None
            for prompt, person, workspace in _reminder_candidates(session, now):
                times = PromptTimes(
                    sent_at=prompt.sent_at,
                    reminded_at=prompt.reminded_at,
                    snoozed_until=prompt.snoozed_until,
                    reminder_hours=workspace.reminder_hours,
                    expiry_hours=workspace.expiry_hours,
                )
                if not times.is_open(now):
                    prompt.status, prompt.snoozed_until = PromptStatus.EXPIRED, None
                    result.expired += 1
                    continue
                reminder_due = times.reminder_due
                if reminder_due is None or reminder_due > now:
                    continue
                if holidays is None:
                    holidays = holidays_by_workspace(session)
                calendar = leader_calendar(
                    person.timezone, workspace, holidays.get(workspace.id, frozenset())
                )
                allowed = next_allowed(reminder_due, calendar)
                if allowed > now:
                    continue  # quiet hours, a weekend or a holiday: wait for their end
                kind = self._take_reminder(
                    prompt,
                    person,
                    workspace,
                    reminder_due=reminder_due,
                    allowed=allowed,
                    local_day=now.astimezone(calendar.zone).date(),
                    now=now,
                )
                if kind is not None:
                    due[kind].append(prompt.id)
            session.flush()
            return [
                claim
                for kind, ids in due.items()
                for claim in self._deliveries(session, ids, reminder=kind, now=now)
            ]

    def _take_reminder(
        self,
        prompt: Prompt,
        person: Person,
        workspace: Workspace,
        *,
        reminder_due: datetime,
        allowed: datetime,
        local_day: date,
        now: datetime,
    ) -> str | None:
        """Mark a due reminder (or snooze re-ask) handled and say which of the two to send;
        None when it is not sent: due too long ago, or its leader paused or unreachable."""
        kind = "snooze" if prompt.status == PromptStatus.SNOOZED else "reminder"
        paused = person.paused_until is not None and local_day < person.paused_until
        reachable = person.is_leader and workspace.active and person.undeliverable_reason is None
        # Handled either way: a re-ask stands in for the reminder, and expiry follows a window
        # after it. One not sent keeps the expiry it would have had.
        prompt.status, prompt.snoozed_until = PromptStatus.SENT, None
        if now - allowed > self.grace or paused or not reachable:
            prompt.reminded_at = reminder_due
            log.info(
                "%s for prompt %s not sent: %s",
                kind,
                prompt.id,
                "due too long ago" if now - allowed > self.grace else "leader unavailable",
            )
            return None
        prompt.reminded_at = now
        return kind


def _reminder_candidates(
    session: Session, now: datetime
) -> Iterable[tuple[Prompt, Person, Workspace]]:
    """Snoozed prompts whose snooze is over, and sent ones old enough for the shortest answer
    window of any workspace (each is then checked against its own workspace's window), locked
    so that two processes never both take the same reminder."""
    windows = [
        first_deadline(reminder, expiry)
        for reminder, expiry in session.execute(
            select(Workspace.reminder_hours, Workspace.expiry_hours)
        ).tuples()
    ]
    oldest = now - min(windows, default=EXPIRE_WITHOUT_REMINDER)
    return session.execute(
        select(Prompt, Person, Workspace)
        .join(Person, Prompt.person_id == Person.id)
        .join(Workspace, Person.workspace_id == Workspace.id)
        .where(
            ((Prompt.status == PromptStatus.SNOOZED) & (Prompt.snoozed_until <= now))
            | (
                (Prompt.status == PromptStatus.SENT)
                & (func.coalesce(Prompt.reminded_at, Prompt.sent_at) <= oldest)
            )
        )
        # A no-op on SQLite, whose BEGIN IMMEDIATE already serializes this transaction.
        .with_for_update(of=Prompt, skip_locked=True)
    ).tuples()
