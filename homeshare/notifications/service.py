"""Notifications: created at most once per key, delivered through the outbox with retries.

Creation is set-based: a tick's reminders are inserted in a few statements, each skipping
the keys already stored (``insert_many``), their deliveries the same way.

Any number of scheduler processes may run ``deliver_due`` at once: each claims as many due
deliveries as it sends at once (``IN_FLIGHT``; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
SQLite runs one writer at a time), sends them together, and settles their outcomes together
once every send of the claim has returned, in the transaction that claims the next ones. A
claim is a lease: a process that dies leaves leases that lapse, and the work is claimed again,
so nothing is lost; and since every claim settled is recorded, only
the sends of the claim in flight when it died are repeated, at most ``IN_FLIGHT``. Providers
get each delivery's id as an idempotency key, so that a repeated send can be recognised by
the receiving side.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import defaultdict, namedtuple
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time as clock_time, timedelta, timezone
from functools import cached_property, lru_cache
from types import SimpleNamespace
from zoneinfo import ZoneInfo
from typing import Any, Iterable, Iterator, Mapping, NamedTuple, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY as postgresql_array
from sqlalchemy.exc import IntegrityError
from flask import current_app
from flask_babel.speaklater import LazyString

from homeshare.accounts.models import Account
from homeshare.common.languages import ENGLISH, LANGUAGES, rendered
from homeshare.common.roles import Role
from homeshare.common.clock import utcnow
from homeshare.common.db import INSERT_CHUNK, among, insert_many, planned_each_time
from homeshare.common.pagination import Page, paginate
from homeshare.errors import NotFound, ValidationFailed
from homeshare.extensions import db
from homeshare.notifications import kinds, providers
from homeshare.notifications.events import addressing, phone_numbers
from homeshare.notifications.kinds import PREFERENCE_CHANNELS, Message, Text
from homeshare.notifications.models import (
    Delivery, DeliveryStatus, Device, Notification, NotificationPreference, Platform, QuietHours,
)
from homeshare.schemes.models import Scheme

log = logging.getLogger("homeshare.notifications")

# Deliveries a process claims at once, all of them sent at once and settled together when every
# one has returned: a process that dies repeats at most these, once their lease lapses.
IN_FLIGHT = 50
LEASE = timedelta(minutes=5)  # longer than the slowest provider's timeouts (10 s a send)


def notify(messages: Iterable[Message], *, now: datetime | None = None,
           only_channels: Sequence[str] | None = None) -> int:
    """Store each message (once per dedupe key) with its deliveries; the caller commits.

    Returns how many were new. Safe to call again with the same messages, from any
    number of processes at once. ``only_channels`` keeps the deliveries to those channels
    (of the ones configured): such a message is for the account's owner alone; any other is
    copied to whoever ``addressing`` names.
    """
    now = now or utcnow()
    messages = list(messages)
    for message in messages:
        kinds.get(message.kind)  # an undeclared kind is a mistake: refused before anything is stored
    if messages and only_channels is None:
        for _receiver, copies in addressing.send(messages):
            messages.extend(copies)
    # Written in each recipient's language (a representative's copy in theirs), once, here.
    languages = _languages({m.account_id for m in messages})
    write = _Writer()
    rows = []
    for m in messages:
        language = languages.get(m.account_id, ENGLISH)
        rows.append({"account_id": m.account_id, "kind": m.kind, "title": write(m.title, language),
                     "body": write(m.body, language), "data": dict(m.data or {}), "dedupe_key": m.dedupe_key,
                     "to_address": m.to_address})
    if not rows:
        return 0
    table = Notification.__table__.c
    created = insert_many(Notification, rows, same={"created_at": now}, ignoring_duplicates_on=["dedupe_key"],
                          returning=[table.id, table.account_id, table.kind])
    channels = [c for c in providers.channels(current_app.config) if only_channels is None or c in only_channels]
    chosen = set(channels) & set(PREFERENCE_CHANNELS)
    people = {row.account_id for row in created}
    # The recipients' choices and quiet hours: one statement each, for all of them.
    choices = _choices(people, {row.kind for row in created}) if chosen and people else {}
    quiet = _quiet_until(people, now) if chosen & DELAYED_IN_QUIET_HOURS and people else {}
    # Grouped by channel and due time (a few groups: most are due now), each group's rows
    # only the notification's id.
    deliveries: dict[tuple[str, datetime], list[dict[str, Any]]] = defaultdict(list)
    for notification_id, account_id, name in created:
        kind = kinds.get(name)
        for channel in channels:
            if channel in chosen and not kind.email_only and not (
                    choices.get((account_id, name, channel), kind.default(channel)) if kind.changeable
                    else kind.default(channel)):
                continue
            due = now
            if channel in DELAYED_IN_QUIET_HOURS and not kind.urgent and account_id in quiet:
                due = quiet[account_id]
            deliveries[channel, due].append({"notification_id": notification_id})
    for (channel, due), group in deliveries.items():
        insert_many(Delivery, group, same={"channel": channel, "status": DeliveryStatus.PENDING, "attempts": 0,
                                           "next_attempt_at": due},
                    ignoring_duplicates_on=["notification_id", "channel"])
    return len(created)


class _Writer:
    """``rendered``, once for each text and language: a tick's reminders are thousands of the
    same few texts (one title, a body for each due day) in one of two languages.

    Two texts are the same when they are the same plain string, or the same translation
    function called with the same values (of the same types: ``1`` and ``True`` are written
    differently); a text with a value that cannot be compared so is written on its own."""

    def __init__(self) -> None:
        self.written: dict[Any, str] = {}
        # The same text object again (a reminder's texts are made once for all its recipients):
        # found without working out what it says. Each is held, so that its id is not reused.
        self.by_object: dict[tuple[int, str], tuple[Text, str]] = {}

    def __call__(self, text: Text, language: str | None) -> str:
        if language not in LANGUAGES:
            language = ENGLISH
        held = self.by_object.get((id(text), language))
        if held is not None and held[0] is text:
            return held[1]
        found = self._write(text, language)
        self.by_object[id(text), language] = (text, found)
        return found

    def _write(self, text: Text, language: str) -> str:
        try:
            key = (_same_text(text), language)
            found = self.written.get(key)
        except TypeError:  # unhashable
            return rendered(text, language)
        if found is None:
            found = self.written[key] = rendered(text, language)
        return found


# Values that read the same wherever they are equal and of the same type. Others may not (a
# Decimal's places, a time's zone, -0.0): a text with one of them is written on its own.
_PLAIN_VALUES = frozenset({str, int, bool, type(None)})


def _same_text(text: Any) -> Any:
    """What makes ``text`` read the same as another in any one language (raises TypeError
    when a value is not known to: see ``_PLAIN_VALUES``)."""
    if isinstance(text, LazyString):
        return (LazyString, text._func, tuple(_same_text(value) for value in text._args),
                tuple(sorted((name, _same_text(value)) for name, value in text._kwargs.items())))
    if type(text) not in _PLAIN_VALUES:
        raise TypeError(f"{type(text).__name__} values are written on their own")
    return (type(text), text)


def _languages(people: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The language each of ``people`` who is not written to in English is written to in (the
    others, most, are not read back): one statement for each ``INSERT_CHUNK`` of them (a
    statement's parameters are bounded: 65,535 on PostgreSQL)."""
    ids = list(people)
    return {row.id: row.language for first in range(0, len(ids), INSERT_CHUNK) for row in db.session.execute(
        sa.select(Account.id, Account.language).where(among(Account.id, ids[first:first + INSERT_CHUNK]),
                                                      Account.language != ENGLISH))}


DELAYED_IN_QUIET_HOURS = frozenset({"push", "sms"})
"""The channels that wait for the end of a person's quiet hours (not urgent alerts)."""


def _choices(people: set[uuid.UUID], names: set[str]) -> dict[tuple[uuid.UUID, str, str], bool]:
    """The choices of ``people`` for the kinds ``names``: one statement for all of them."""
    return {(row.account_id, row.kind, row.channel): row.enabled for row in db.session.scalars(
        sa.select(NotificationPreference).where(NotificationPreference.account_id.in_(people),
                                                NotificationPreference.kind.in_(names)))}


def _quiet_until(people: set[uuid.UUID], now: datetime) -> dict[uuid.UUID, datetime]:
    """For those of ``people`` in their quiet hours at ``now``, when those end (one statement)."""
    found = {}
    for account_id, starts_at, ends_at, zone_name in db.session.execute(
            sa.select(QuietHours.account_id, QuietHours.starts_at, QuietHours.ends_at, Scheme.timezone)
            .join(Account, Account.id == QuietHours.account_id)
            .outerjoin(Scheme, Scheme.id == Account.scheme_id)
            .where(QuietHours.account_id.in_(people))):
        end = quiet_end(now, starts_at, ends_at, ZoneInfo(zone_name or "UTC"))
        if end is not None:
            found[account_id] = end
    return found


def quiet_end(now: datetime, starts_at: clock_time, ends_at: clock_time, zone: ZoneInfo) -> datetime | None:
    """When the quiet hours ``starts_at``-``ends_at`` (local times in ``zone``; across midnight
    when they end before they start) under way at ``now`` end; None outside them."""
    local = now.astimezone(zone)
    moment = local.time().replace(tzinfo=None)
    if starts_at < ends_at:
        inside, end_day = starts_at <= moment < ends_at, local.date()
    else:
        inside = moment >= starts_at or moment < ends_at
        end_day = local.date() + timedelta(days=1) if moment >= starts_at else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, ends_at, tzinfo=zone).astimezone(timezone.utc)


def coordinators_of(scheme_id: uuid.UUID) -> list[uuid.UUID]:
    return list(db.session.scalars(sa.select(Account.id).where(
        Account.scheme_id == scheme_id, Account.role == Role.COORDINATOR, Account.is_active.is_(True))))


# Delivery ------------------------------------------------------------------------------------------


_DELIVERY = Delivery.__table__.c
_NOTIFICATION = Notification.__table__.c
_ACCOUNT = Account.__table__.c
# What the providers read of a notification and of its account: nothing else is loaded to send.
_SENT_NOTIFICATION_COLUMNS = ("id", "account_id", "kind", "title", "body", "data", "to_address")
_SENT_ACCOUNT_COLUMNS = ("id", "email", "sms_opt_in")


def _sent_column(name: str) -> Any:
    """A notification's column as a claim reads it: ``data`` as its JSON text (see ``_Notification``)."""
    return sa.cast(_NOTIFICATION.data, sa.Text) if name == "data" else _NOTIFICATION[name]


@dataclass(frozen=True)
class _Settling:
    """The sends of the last claim that went out (``ids``, under its lease ``token``, sent at
    ``sent_at``), to be settled in the transaction of the next claim."""

    token: str
    sent_at: datetime
    ids: Sequence[uuid.UUID]


_UUIDS = postgresql_array(sa.Uuid())


@lru_cache(maxsize=8)
def _claiming(batch: int, postgresql: bool) -> Any:
    """The claim of up to ``batch`` due deliveries (parameters ``now``, ``until``, ``token``): the
    pending ones and those whose lease lapsed (a process died sending them), the earliest due
    first; of those due at the same moment, the pending ones first (the sends of a lapsed
    lease may have gone out before the process died). Built once: a statement of the table, not
    the model, since nothing of the session's objects changes, and building and the ORM's
    bookkeeping were much of a claim's time.

    On PostgreSQL the same statement settles the last claim's sends as ``_settle_sent`` does
    (parameters ``settled``, ``settled_token`` and ``settled_at``: see ``_Settling``), and returns
    each delivery claimed with its notification and account (the columns the providers read).
    SQLite returns no other table's columns from an ``UPDATE`` (``_claimed_with`` reads them)."""
    now = sa.bindparam("now", type_=_DELIVERY.next_attempt_at.type)
    # A leased delivery was due when claimed (``next_attempt_at`` at most the claim's moment,
    # ``LEASE`` before ``claimed_until``), so every claimable one is due: one range of the
    # index of unsettled deliveries, read in its order.
    due = (
        sa.select(_DELIVERY.id)
        .where(_DELIVERY.status.in_((DeliveryStatus.PENDING, DeliveryStatus.SENDING)), _DELIVERY.next_attempt_at <= now,
               sa.or_(_DELIVERY.status == DeliveryStatus.PENDING, _DELIVERY.claimed_until < now))
        .order_by(_DELIVERY.next_attempt_at, _DELIVERY.status)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    claimed = (
        sa.update(Delivery.__table__)
        .values(status=DeliveryStatus.SENDING, claimed_until=sa.bindparam("until", type_=_DELIVERY.claimed_until.type),
                claim_token=sa.bindparam("token", type_=_DELIVERY.claim_token.type), attempts=_DELIVERY.attempts + 1)
        .returning(_DELIVERY.id, _DELIVERY.channel, _DELIVERY.notification_id, _DELIVERY.attempts)
    )
    if not postgresql:
        claimed = claimed.where(_DELIVERY.id.in_(due.scalar_subquery()))
    else:
        settled = sa.bindparam("settled", type_=_UUIDS)
        # Never the one row twice in a statement (PostgreSQL would make only one of the changes):
        # the last claim's sends are settled, not claimed again, even once their lease lapsed.
        due = due.where(_DELIVERY.id != sa.all_(settled))
        claimed = claimed.where(_DELIVERY.id.in_(due.scalar_subquery()))
        settling = (
            sa.update(Delivery.__table__)
            .where(_DELIVERY.id == sa.any_(settled),
                   _DELIVERY.claim_token == sa.bindparam("settled_token", type_=_DELIVERY.claim_token.type))
            .values(status=DeliveryStatus.SENT, sent_at=sa.bindparam("settled_at", type_=_DELIVERY.sent_at.type),
                    claimed_until=None, last_error=None)
        )
        # Outer joins: a delivery is returned, and settled, whatever became of its notification.
        claimed = claimed.cte("claimed")
        claimed = (
            sa.select(*claimed.c, *(_sent_column(name).label(f"of_notification_{name}") for name in _SENT_NOTIFICATION_COLUMNS),
                      *(_ACCOUNT[name].label(f"of_account_{name}") for name in _SENT_ACCOUNT_COLUMNS))
            .select_from(claimed.outerjoin(Notification.__table__, _NOTIFICATION.id == claimed.c.notification_id)
                         .outerjoin(Account.__table__, _ACCOUNT.id == _NOTIFICATION.account_id))
            .add_cte(settling.cte("settled"))
        )
    # Planned for its own values each time: a plan made once for any statuses could not use
    # the partial index of unsettled deliveries, and would scan every delivery ever made.
    return planned_each_time(claimed)


def _claim(now: datetime, batch: int, settling: _Settling | None = None,
           claiming: sa.Connection | None = None) -> tuple[str, list[Any]]:
    """Settle the last claim's sends (``settling``) and lease up to ``batch`` due deliveries
    (``_claiming``), committed together with whatever the caller settled before; each with its
    notification's and account's columns (None when the notification was erased meanwhile,
    with its deliveries). On PostgreSQL, ``claiming`` is a connection of
    ``_claiming_connection``: the claim is then one statement, its own transaction, and what the
    caller settled in the session (failures, notes) is committed just before it."""
    token = uuid.uuid4().hex
    parameters: dict[str, Any] = {"now": now, "until": now + LEASE, "token": token}
    postgresql = db.engine.dialect.name == "postgresql"
    if postgresql:
        parameters.update(settled=list(settling.ids) if settling else [],
                          settled_token=settling.token if settling else None,
                          settled_at=settling.sent_at if settling else None)
    if claiming is not None:
        db.session.commit()  # what the last claim's failures changed, settled first
        return token, claiming.execute(_claiming(batch, True), parameters).all()
    connection = db.session.connection()
    if postgresql:
        # Stop at ``batch``. Statistics lag a tick's new deliveries (autovacuum has not
        # counted them yet): expecting a few, the planner would gather every due one by bitmap
        # and sort them, at each claim.
        connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
    elif settling is not None:
        _settle_sent(settling.token, settling.sent_at,
                     [{"delivery_id": delivery_id, "note": None} for delivery_id in settling.ids])
    claimed = connection.execute(_claiming(batch, postgresql), parameters).all()
    if not postgresql and claimed:
        claimed = _claimed_with(connection, claimed)
    db.session.commit()
    return token, claimed


def _claimed_with(connection: sa.Connection, claimed: Sequence[Any]) -> list[Any]:
    """``claimed`` with its notifications' and accounts' columns, as PostgreSQL's claim returns them."""
    found = {row[0]: row[1:] for row in connection.execute(
        sa.select(_NOTIFICATION.id, *(_sent_column(name) for name in _SENT_NOTIFICATION_COLUMNS),
                  *(_ACCOUNT[name] for name in _SENT_ACCOUNT_COLUMNS))
        .join_from(Notification.__table__, Account.__table__, _ACCOUNT.id == _NOTIFICATION.account_id)
        .where(_NOTIFICATION.id.in_({row.notification_id for row in claimed})))}
    missing = (None,) * (len(_SENT_NOTIFICATION_COLUMNS) + len(_SENT_ACCOUNT_COLUMNS))
    return [_ClaimRow(*row, *found.get(row.notification_id, missing)) for row in claimed]


_ClaimRow = namedtuple("_ClaimRow", ["id", "channel", "notification_id", "attempts",
                                     *(f"of_notification_{name}" for name in _SENT_NOTIFICATION_COLUMNS),
                                     *(f"of_account_{name}" for name in _SENT_ACCOUNT_COLUMNS)])


INLINE_CHANNELS = frozenset({"log"})
"""Channels whose send waits on no other system: sent one after the other, in the claiming
thread (a thread each would cost more than the send)."""


def deliver_due(*, now: datetime | None = None, batch: int = IN_FLIGHT) -> int:
    """Claim due deliveries, send them, settle them; repeat until none is due. Returns sent.

    A claim is as many deliveries as are sent at once (``batch``): they are sent together,
    each in a thread of its own (those on ``INLINE_CHANNELS`` in this one), and their outcomes
    settled together once every one of them has returned, in the transaction that claims the
    next batch: at every commit, one claim at most is unsettled. Each batch is claimed at the
    time it starts (or at ``now``, when given, for tests)."""
    config = current_app.config
    sent_total = 0
    with ThreadPoolExecutor(max_workers=batch, thread_name_prefix="delivery") as senders, \
            _claiming_connection() as claiming:
        claimed_at = now or utcnow()
        token, claimed = _claim(claimed_at, batch, claiming=claiming)
        while claimed:
            sent = _send_claimed(senders, config, token, claimed_at, claimed)
            sent_total += len(sent)
            settling = _Settling(token, claimed_at, sent)
            claimed_at = now or utcnow()
            token, claimed = _claim(claimed_at, batch, settling, claiming)
    return sent_total


@contextmanager
def _claiming_connection() -> Iterator[sa.Connection | None]:
    """On PostgreSQL, a connection of its own in autocommit for a run's claims, each then one
    round trip (the claim's statement, which settles the last claim too, is its own
    transaction) instead of four (``BEGIN``, the planner's setting, the claim, ``COMMIT``).
    The setting of ``_claim`` holds for the connection's session, until it goes back to the
    pool. None on SQLite, where claims are made in the session's transaction."""
    if db.engine.dialect.name != "postgresql":
        yield None
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("SET enable_bitmapscan = off")  # see _claim
        try:
            yield connection
        finally:
            connection.exec_driver_sql("RESET enable_bitmapscan")


class _Claimed(NamedTuple):
    """One claimed delivery, as ``_send_claimed`` reads it."""

    id: uuid.UUID
    channel: str
    notification_id: uuid.UUID
    attempts: int


_NOTIFICATION_AT = 4  # where a claim row's notification columns start, then its account's
_ACCOUNT_AT = _NOTIFICATION_AT + len(_SENT_NOTIFICATION_COLUMNS)


class _Notification:
    """A notification as the providers read it. Its ``data`` comes as JSON text, decoded when
    first read: most providers never read it (decoding it for every send was a tenth of the
    time of sending through ``log``)."""

    def __init__(self, id: uuid.UUID, account_id: uuid.UUID, kind: str, title: str, body: str, data: Any,
                 to_address: str | None) -> None:
        self.id, self.account_id, self.kind, self.title, self.body = id, account_id, kind, title, body
        self.to_address, self._data = to_address, data

    @cached_property
    def data(self) -> dict[str, Any]:
        return json.loads(self._data) if isinstance(self._data, (str, bytes)) else self._data


def _send_claimed(senders: ThreadPoolExecutor, config: Mapping[str, Any], token: str, claimed_at: datetime,
                  rows: Sequence[Any]) -> list[uuid.UUID]:
    """Send a claim and settle it (uncommitted: the next claim commits it), but for the sends
    that went out as asked (nearly all), which it returns: the next claim settles them."""
    # Each claimed delivery with its notification and account, plain objects read by their
    # columns' names as the providers read them: nothing here is changed through the session.
    # Erased meanwhile (with its deliveries): nothing to send.
    sending: list[tuple[_Claimed, _Notification, Any]] = []
    accounts: dict[uuid.UUID, Any] = {}
    for row in rows:
        if row[_NOTIFICATION_AT] is None:
            continue
        notification = _Notification(*row[_NOTIFICATION_AT:_ACCOUNT_AT])
        account = accounts.get(notification.account_id)
        if account is None:
            account = accounts[notification.account_id] = SimpleNamespace(
                **dict(zip(_SENT_ACCOUNT_COLUMNS, row[_ACCOUNT_AT:])))
        sending.append((_Claimed(*row[:_NOTIFICATION_AT]), notification, account))
    devices: dict[uuid.UUID, list[Device]] = defaultdict(list)
    if any(claim.channel == "push" for claim, _n, _a in sending):
        for device in db.session.scalars(sa.select(Device).where(Device.account_id.in_(accounts))):
            devices[device.account_id].append(device)
    phones: dict[uuid.UUID, str | None] = {}
    if any(claim.channel == "sms" for claim, _n, _a in sending):
        for _receiver, found in phone_numbers.send(list(accounts)):
            phones.update(found)
    # Detached, the devices loaded for the claim are read by the sending threads, never loaded again.
    db.session.expunge_all()

    def send(each: tuple[_Claimed, _Notification, Any]) -> Any:
        claim, notification, account = each
        try:
            return providers.send(claim.channel, config, delivery_id=claim.id, notification=notification,
                                  account=account, devices=devices.get(account.id, []), phone=phones.get(account.id))
        except Exception as error:  # settled below; a failing provider never stops the others
            return error

    waiting = [each for each in sending if each[0].channel not in INLINE_CHANNELS]
    waited = iter(senders.map(send, waiting)) if waiting else iter(())
    outcomes = [send(each) if each[0].channel in INLINE_CHANNELS else next(waited) for each in sending]
    sent, noted = [], []
    for (claim, _notification, account), outcome in zip(sending, outcomes):
        if outcome is None:
            sent.append(claim.id)
        elif isinstance(outcome, providers.Failure):  # the provider says whether, and when, to try again
            log.warning("delivery %s on %s failed: %s", claim.id, claim.channel, outcome)
            _forget_devices(account.id, outcome.gone)
            _settle_failed(token, claimed_at, claim, f"Failure: {outcome}"[:500], config,
                           retry_after=outcome.retry_after, final=outcome.final)
        elif isinstance(outcome, Exception):  # retried with the outbox's backoff
            log.warning("delivery %s on %s failed: %s", claim.id, claim.channel, outcome.__class__.__name__)
            _settle_failed(token, claimed_at, claim, f"{outcome.__class__.__name__}: {outcome}"[:500], config)
        else:
            _forget_devices(account.id, outcome.gone)
            if outcome.note is None:
                sent.append(claim.id)
            else:
                noted.append({"delivery_id": claim.id, "note": outcome.note})
    _settle_sent(token, claimed_at, noted)
    return sent


def _settle_sent(token: str, now: datetime, sent: Sequence[Mapping[str, Any]]) -> None:
    """Done, each of ``sent`` (``delivery_id``, and ``note``: why nothing went out, when nothing
    did, kept in ``last_error``); in the caller's transaction, one statement for all those
    without a note (nearly all), one for each note."""
    by_note: dict[str | None, list[uuid.UUID]] = defaultdict(list)
    for done in sent:
        by_note[done["note"]].append(done["delivery_id"])
    for note, ids in by_note.items():
        db.session.connection().execute(
            sa.update(Delivery.__table__).where(among(_DELIVERY.id, ids), _DELIVERY.claim_token == token)
            .values(status=DeliveryStatus.SENT, sent_at=now, claimed_until=None, last_error=note))


def _settle_failed(token: str, now: datetime, claim: Any, error: str, config: Mapping[str, Any], *,
                   retry_after: float | None = None, final: bool = False) -> None:
    """Back to pending after the backoff, or after ``retry_after`` seconds when the provider asked
    for longer; dead after the last attempt, or at once when ``final`` (in the caller's
    transaction)."""
    limit, base = config["HOMESHARE_DELIVERY_MAX_ATTEMPTS"], config["HOMESHARE_DELIVERY_BACKOFF_SECONDS"]
    dead = final or claim.attempts >= limit
    wait = max(base * 2 ** (claim.attempts - 1), retry_after or 0)
    db.session.execute(sa.update(Delivery).where(Delivery.id == claim.id, Delivery.claim_token == token).values(
        status=DeliveryStatus.DEAD if dead else DeliveryStatus.PENDING, claimed_until=None, last_error=error,
        next_attempt_at=now + timedelta(seconds=wait)))


def _forget_devices(account_id: uuid.UUID, tokens: Sequence[str]) -> None:
    """Devices the push service no longer knows: pushed to no more (committed with the outcome)."""
    if tokens:
        log.info("forgetting %d device(s) of account %s: unknown to the push service", len(tokens), account_id)
        db.session.execute(sa.delete(Device).where(Device.account_id == account_id, Device.token.in_(tokens)))


# The inbox and devices ----------------------------------------------------------------------------

EMAIL_ONLY_KINDS = frozenset(name for name, kind in kinds.declared().items() if kind.email_only)


def inbox(account: Account, *, unread_only: bool, page: int, per_page: int) -> Page[Notification]:
    statement = sa.select(Notification).where(Notification.account_id == account.id,
                                              Notification.kind.not_in(EMAIL_ONLY_KINDS))
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    return paginate(statement.order_by(Notification.created_at.desc(), Notification.id), page=page, per_page=per_page)


def unread_count(account: Account) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.account_id == account.id, Notification.read_at.is_(None),
        Notification.kind.not_in(EMAIL_ONLY_KINDS))) or 0


def mark_read(account: Account, notification_id: uuid.UUID) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.account_id != account.id or notification.kind in EMAIL_ONLY_KINDS:
        raise NotFound("No such notification.")
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return notification


def register_device(account: Account, *, platform: Platform, token: str) -> tuple[Device, bool]:
    """Register a push token; the same token again is the same device (moved to whoever
    signed in on the phone last)."""
    device = db.session.scalars(sa.select(Device).where(Device.token == token)).first()
    if device is not None:
        if (device.account_id, device.platform) != (account.id, platform):
            device.account_id, device.platform = account.id, platform
            db.session.commit()
        return device, False
    device = Device(account_id=account.id, platform=platform, token=token, created_at=utcnow())
    db.session.add(device)
    try:
        db.session.commit()
    except IntegrityError:  # the same token, registered twice at once
        db.session.rollback()
        return register_device(account, platform=platform, token=token)[0], False
    return device, True


def unregister_device(account: Account, device_id: uuid.UUID) -> None:
    device = db.session.get(Device, device_id)
    if device is None or device.account_id != account.id:
        raise NotFound("No such device.")
    db.session.delete(device)
    db.session.commit()


# Emails to an account's owner (accounts.events.email_to_owner) ------------------------------------


def email_owner(account: Account, *, kind: str, title: Text, body: Text, dedupe_key: str,
                to_address: str | None = None) -> None:
    """Put an email to the account's owner in the outbox: by email only, never in the inbox
    nor pushed, since whoever is signed in (or holds the phone) may not own the address.
    ``to_address`` sends it to that address instead of the account's (an invitation to a
    person who has no login, and so no address of their own yet)."""
    if "email" not in providers.channels(current_app.config):
        log.warning("no SMTP configured: %s email for account %s not sent", kind, account.id)
    notify([Message(account_id=account.id, kind=kind, title=title, body=body, dedupe_key=dedupe_key,
                    to_address=to_address)], only_channels=["email"])


# Preferences ---------------------------------------------------------------------------------------


def preferences(account: Account) -> dict[str, Any]:
    """Every kind that can reach ``account``, with its channels as they are now, and the quiet
    hours (two statements)."""
    chosen = {(row.kind, row.channel): row.enabled for row in db.session.scalars(
        sa.select(NotificationPreference).where(NotificationPreference.account_id == account.id))}
    quiet = db.session.get(QuietHours, account.id)
    return {
        "kinds": [
            {"kind": name, "target": kind.target, "urgent": kind.urgent, "changeable": kind.changeable,
             "channels": {channel: chosen.get((name, channel), kind.default(channel)) if kind.changeable
                          else kind.default(channel) for channel in PREFERENCE_CHANNELS}}
            for name, kind in sorted(kinds.declared().items()) if kind.reaches(account.role)
        ],
        "quiet_hours": {"starts_at": quiet.starts_at, "ends_at": quiet.ends_at} if quiet is not None else None,
    }


def change_preferences(account: Account, *, changes: Sequence[Mapping[str, Any]],
                       quiet_hours: Mapping[str, Any] | None, quiet_hours_sent: bool) -> dict[str, Any]:
    """Turn channels on or off per kind, and set or clear the quiet hours (``quiet_hours_sent``
    with None: cleared). Nothing is stored unless every change is allowed; the same change
    again changes nothing."""
    if quiet_hours is not None:  # HH:MM, as the schema checked
        quiet_hours = {name: clock_time.fromisoformat(quiet_hours[name]) for name in ("starts_at", "ends_at")}
    errors: dict[str, list[str]] = {}
    wanted: dict[tuple[str, str], bool] = {}
    for index, change in enumerate(changes):
        kind = kinds.declared().get(change["kind"])
        if kind is None or not kind.reaches(account.role):
            errors[f"kinds.{index}.kind"] = ["No such kind of notification reaches you."]
        elif not kind.changeable and any(change.get(channel) is False for channel in PREFERENCE_CHANNELS):
            errors[f"kinds.{index}.kind"] = ["Urgent safeguarding alerts cannot be turned off."]
        elif kind.changeable:
            wanted.update({(kind.name, channel): change[channel] for channel in PREFERENCE_CHANNELS
                           if change.get(channel) is not None})
    if quiet_hours is not None and quiet_hours["starts_at"] == quiet_hours["ends_at"]:
        errors["quiet_hours.ends_at"] = ["Quiet hours end at another time than they start."]
    if errors:
        raise ValidationFailed(errors)
    for attempt in range(2):
        for (name, channel), enabled in wanted.items():
            row = db.session.get(NotificationPreference, (account.id, name, channel))
            if row is None:
                db.session.add(NotificationPreference(account_id=account.id, kind=name, channel=channel,
                                                      enabled=enabled))
            else:
                row.enabled = enabled
        if quiet_hours_sent:
            quiet = db.session.get(QuietHours, account.id)
            if quiet_hours is None:
                if quiet is not None:
                    db.session.delete(quiet)
            elif quiet is None:
                db.session.add(QuietHours(account_id=account.id, starts_at=quiet_hours["starts_at"],
                                          ends_at=quiet_hours["ends_at"]))
            else:
                quiet.starts_at, quiet.ends_at = quiet_hours["starts_at"], quiet_hours["ends_at"]
        try:
            db.session.commit()
            break
        except IntegrityError:  # the same change, sent twice at once: the other one stored it first
            db.session.rollback()
            if attempt:
                raise
    return preferences(account)
