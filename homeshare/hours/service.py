"""Hours rules and transactions: logging, confirming, correcting and exporting entries
(weekly sums and shortfalls are ``homeshare.hours.weeks``)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from typing import Any, Iterator, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from flask_babel import lazy_gettext as _l

from homeshare.accounts.models import Account
from homeshare.agreements.models import AgreementVersion
from homeshare.audit import service as audit
from homeshare.behalf import service as behalf
from homeshare.behalf.models import BehalfRecord, Scope
from homeshare.behalf.service import Answerer, refuse_both_sides
from homeshare.common.clock import local_today, utcnow
from homeshare.common.db import stream
from homeshare.common.pagination import Page, paginate
from homeshare.errors import Conflict, NotFound, ValidationFailed
from homeshare.extensions import db
from homeshare.hours.models import EntryStatus, HoursEntry
from homeshare.hours.weeks import week_start_of
from homeshare.matching.models import SHARING_STATES, Match, MatchState
from homeshare.notifications import kinds
from homeshare.notifications.service import notify
from homeshare.schemes.models import Scheme

# Hours are logged while the sharer lives there, and after the end for the weeks before it.
LOGGABLE = (*SHARING_STATES, MatchState.ENDED)
MINUTES_IN_A_DAY = 24 * 60


def get_entry(match: Match, entry_id: uuid.UUID) -> HoursEntry:
    entry = db.session.get(HoursEntry, entry_id)
    if entry is None or entry.match_id != match.id or entry.deleted_at is not None:
        raise NotFound("No such hours entry.")
    return entry


# Logging and correcting ---------------------------------------------------------------------------


def _agreed_tasks(match: Match) -> list[str]:
    version = db.session.scalars(
        sa.select(AgreementVersion)
        .where(AgreementVersion.match_id == match.id, AgreementVersion.householder_accepted_at.is_not(None),
               AgreementVersion.sharer_accepted_at.is_not(None))
        .order_by(AgreementVersion.number.desc())
    ).first()
    if version is None:
        raise Conflict("Hours are logged against an agreement both sides have accepted; there is none yet.",
                       kind="no-agreement")
    return version.tasks


def _check(match: Match, scheme: Scheme, values: Mapping[str, Any], *, entry_id: uuid.UUID) -> None:
    """Every rule the content of entry ``entry_id`` must meet, with all the problems found at once.

    The day's total leaves that entry out: it is being written (a retry of it may have
    been stored a moment ago, where SQLite cannot lock the match) or replaced."""
    if match.state not in LOGGABLE or match.trial_started_on is None:
        raise Conflict("Hours can be logged once the match's trial has started.", kind="match-not-started")
    errors: dict[str, list[str]] = {}
    day = values["worked_on"]
    today = local_today(scheme.timezone)
    if day > today:
        errors["worked_on"] = [f"Cannot be in the future (today is {today.isoformat()} for this scheme)."]
    elif day < match.trial_started_on:
        errors["worked_on"] = [f"The match started on {match.trial_started_on.isoformat()}."]
    elif match.ended_on is not None and day > match.ended_on:
        errors["worked_on"] = [f"The match ended on {match.ended_on.isoformat()}."]
    tasks = _agreed_tasks(match)
    if values["task"] not in tasks:
        errors["task"] = [f"Not one of the agreement's tasks: {', '.join(tasks)}."]
    if "worked_on" not in errors:
        same_day = [HoursEntry.match_id == match.id, HoursEntry.worked_on == day, HoursEntry.deleted_at.is_(None),
                    HoursEntry.id != entry_id]
        others = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(HoursEntry.minutes), 0)).where(*same_day))
        if others + values["minutes"] > MINUTES_IN_A_DAY:
            errors["minutes"] = [f"That would make more than 24 hours on {day.isoformat()} "
                                 f"({others} minutes are logged already)."]
    if errors:
        raise ValidationFailed(errors)


def _lock_match(match: Match) -> None:
    """Serialise writes to one match's entries (PostgreSQL row lock; SQLite serialises writers)."""
    db.session.execute(sa.select(Match.id).where(Match.id == match.id).with_for_update())


LOGGED, CONFIRMED, DISPUTED = "hours.logged", "hours.confirmed", "hours.disputed"


def put_entry(*, actor: Account, match: Match, scheme: Scheme, entry_id: uuid.UUID, values: Mapping[str, Any],
              on_behalf: Mapping[str, Any] | None = None) -> tuple[HoursEntry, bool]:
    """Create an entry with the app's id, or recognise a repeat of the same entry: the sharer's,
    or a coordinator's record of the hours the sharer reported.

    Returns the entry and whether it was created. An id already used for other content
    (or for a deleted entry) is a conflict: changes go through ``edit_entry``.
    """
    answerer = behalf.answerer(actor, match, on_behalf=on_behalf, scope=None, sides=("sharer",))
    entry, created = _put_entry(answerer, match, scheme, entry_id, values)
    return behalf.attach([entry], "hours_entry")[0], created


def _put_entry(answerer: Answerer, match: Match, scheme: Scheme, entry_id: uuid.UUID,
               values: Mapping[str, Any]) -> tuple[HoursEntry, bool]:
    content = {name: values.get(name) for name in HoursEntry.CONTENT}
    existing = db.session.get(HoursEntry, entry_id)
    if existing is not None:
        return _same_or_conflict(existing, match, content), False
    _lock_match(match)
    existing = db.session.get(HoursEntry, entry_id, populate_existing=True)  # stored while we waited?
    if existing is not None:
        return _same_or_conflict(existing, match, content), False
    _check(match, scheme, content, entry_id=entry_id)
    now = utcnow()
    entry = HoursEntry(id=entry_id, match_id=match.id, sharer_id=answerer.person_id,
                       week_start=week_start_of(content["worked_on"]), status=EntryStatus.LOGGED, created_at=now,
                       updated_at=now, **content)
    db.session.add(entry)
    behalf.record(answerer, scheme_id=match.scheme_id, action=LOGGED, target_type="hours_entry", target_id=entry_id)
    try:
        db.session.commit()
    except IntegrityError:
        # The same id arrived twice at once: the other request stored it first.
        db.session.rollback()
        existing = db.session.get(HoursEntry, entry_id)
        if existing is None:
            raise
        return _same_or_conflict(existing, match, content), False
    return entry, True


def _same_or_conflict(existing: HoursEntry, match: Match, content: Mapping[str, Any]) -> HoursEntry:
    if existing.match_id == match.id and existing.deleted_at is None and existing.content() == dict(content):
        return existing
    detail = ("This entry id was deleted." if existing.deleted_at is not None and existing.match_id == match.id
              else "This entry id is already used for different content; change an entry with PATCH.")
    raise Conflict(detail, kind="entry-id-reused")


# The trail keeps when, how long and which task; a note is the sharer's words.
CORRECTED = audit.declare("hours.entry_corrected", plain=("worked_on", "minutes", "task"))
DELETED = audit.declare("hours.entry_deleted", plain=("worked_on", "minutes", "task"))


def edit_entry(*, actor: Account, side: str, match: Match, scheme: Scheme, entry: HoursEntry,
               changes: Mapping[str, Any]) -> HoursEntry:
    """The sharer changes an unconfirmed entry; a coordinator corrects any entry (audited)."""
    _lock_match(match)
    db.session.refresh(entry)  # as it is now that no confirmation can slip in
    if side == "sharer" and entry.status is EntryStatus.CONFIRMED:
        raise Conflict("The householder confirmed this entry; ask your coordinator to correct it.",
                       kind="entry-confirmed")
    content = {**entry.content(), **{k: v for k, v in changes.items() if k in HoursEntry.CONTENT}}
    if content == entry.content():
        db.session.commit()
        return behalf.attach([entry], "hours_entry")[0]
    _check(match, scheme, content, entry_id=entry.id)
    before = entry.content()
    for name, value in content.items():
        setattr(entry, name, value)
    entry.week_start = week_start_of(entry.worked_on)
    entry.updated_at = utcnow()
    if side == "sharer" and entry.status is EntryStatus.DISPUTED:
        entry.status, entry.dispute_reason, entry.disputed_at = EntryStatus.LOGGED, None, None
    if side == "coordinator":
        audit.record(actor_id=actor.id, scheme_id=match.scheme_id, action=CORRECTED,
                     target_type="hours_entry", target_id=entry.id, before=before, after=entry.content())
    db.session.commit()
    return behalf.attach([entry], "hours_entry")[0]


def delete_entry(*, actor: Account, side: str, match: Match, entry_id: uuid.UUID) -> None:
    """Remove an entry (kept as a tombstone so a late retry cannot bring it back)."""
    _lock_match(match)
    entry = db.session.get(HoursEntry, entry_id, populate_existing=True)
    if entry is None or entry.match_id != match.id:
        raise NotFound("No such hours entry.")
    if entry.deleted_at is not None:
        return
    if side == "sharer" and entry.status is EntryStatus.CONFIRMED:
        raise Conflict("The householder confirmed this entry; ask your coordinator to correct it.",
                       kind="entry-confirmed")
    entry.deleted_at = utcnow()
    if side == "coordinator":
        audit.record(actor_id=actor.id, scheme_id=match.scheme_id, action=DELETED,
                     target_type="hours_entry", target_id=entry.id, before=entry.content(), after=None)
    db.session.commit()


def confirm(*, actor: Account, match: Match, entry_ids: Sequence[uuid.UUID] | None, week_of: date | None,
            on_behalf: Mapping[str, Any] | None = None) -> list[HoursEntry]:
    """The householder confirms entries, by id or a whole week (or their representative, or a
    coordinator recording what the householder said). Confirming twice changes nothing. Nobody
    confirms for the householder hours they logged for the sharer."""
    answerer = behalf.answerer(actor, match, on_behalf=on_behalf, scope=Scope.CONFIRM_HOURS, sides=("householder",))
    _lock_match(match)
    statement = sa.select(HoursEntry).where(HoursEntry.match_id == match.id, HoursEntry.deleted_at.is_(None))
    if entry_ids is not None:
        entries = db.session.scalars(statement.where(HoursEntry.id.in_(entry_ids))).all()
        missing = set(entry_ids) - {entry.id for entry in entries}
        if missing:
            raise ValidationFailed({"entry_ids": [f"Not entries of this match: {', '.join(sorted(map(str, missing)))}."]})
    else:
        entries = db.session.scalars(statement.where(HoursEntry.week_start == week_start_of(week_of))).all()
    now = utcnow()
    changing = [entry for entry in entries if entry.status is not EntryStatus.CONFIRMED]
    refuse_both_sides(answerer, actions=[LOGGED], target_type="hours_entry", target_ids=[e.id for e in changing])
    for entry in changing:
        entry.status, entry.confirmed_at = EntryStatus.CONFIRMED, now
        entry.dispute_reason = entry.disputed_at = None
        behalf.record(answerer, scheme_id=match.scheme_id, action=CONFIRMED, target_type="hours_entry",
                      target_id=entry.id)
    weeks: dict[date, list[HoursEntry]] = {}
    for entry in changing:
        weeks.setdefault(entry.week_start, []).append(entry)
    # Once per week and set of entries confirmed: confirming them again changes nothing, and so tells nobody.
    notify(kinds.HOURS_CONFIRMED.message(
        match.sharer_id, event=f"hours-confirmed:{match.id}:{week}:{_digest(sorted(str(e.id) for e in confirmed))}",
        title=_l("Your hours were confirmed"),
        body=_l("The householder confirmed %(count)s of your hours entries in the week of %(week)s.",
                count=len(confirmed), week=week.isoformat()),
        data={"match_id": str(match.id), "week_start": week.isoformat()}) for week, confirmed in sorted(weeks.items()))
    db.session.commit()
    return behalf.attach(sorted(entries, key=lambda e: (e.worked_on, e.created_at)), "hours_entry")


def dispute(*, actor: Account, match: Match, entry: HoursEntry, reason: str,
            on_behalf: Mapping[str, Any] | None = None) -> HoursEntry:
    """The householder disputes an entry not yet confirmed (or someone for them); the
    coordinator sees it."""
    answerer = behalf.answerer(actor, match, on_behalf=on_behalf, scope=Scope.CONFIRM_HOURS, sides=("householder",))
    _lock_match(match)
    db.session.refresh(entry)
    if entry.status is EntryStatus.CONFIRMED:
        raise Conflict("This entry was confirmed; ask your coordinator if it is wrong.", kind="entry-confirmed")
    if entry.status is EntryStatus.DISPUTED and entry.dispute_reason == reason:
        return behalf.attach([entry], "hours_entry")[0]
    refuse_both_sides(answerer, actions=[LOGGED], target_type="hours_entry", target_ids=[entry.id])
    entry.status, entry.dispute_reason, entry.disputed_at = EntryStatus.DISPUTED, reason, utcnow()
    behalf.record(answerer, scheme_id=match.scheme_id, action=DISPUTED, target_type="hours_entry", target_id=entry.id)
    # Fixed words: the reason is the householder's own, read in the app.
    notify([kinds.HOURS_DISPUTED.message(
        match.sharer_id, event=f"hours-disputed:{entry.id}:{_digest([reason])}",
        title=_l("An hours entry was questioned"),
        body=_l("The householder questioned your hours on %(day)s: see why in the app.",
                day=entry.worked_on.isoformat()),
        data={"match_id": str(match.id), "week_start": entry.week_start.isoformat(), "entry_id": str(entry.id)})])
    db.session.commit()
    return behalf.attach([entry], "hours_entry")[0]


def _digest(parts: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def in_match(match: Match) -> sa.ColumnElement[bool]:
    return HoursEntry.match_id == match.id


def in_scheme(scheme_id: uuid.UUID) -> sa.ColumnElement[bool]:
    return HoursEntry.match_id.in_(sa.select(Match.id).where(Match.scheme_id == scheme_id))


def list_entries(*, scope: sa.ColumnElement[bool], status: EntryStatus | None, first: date | None,
                 last: date | None, page: int, per_page: int) -> Page[HoursEntry]:
    """Entries within ``scope`` (``in_match`` or ``in_scheme``), newest first."""
    statement = sa.select(HoursEntry).where(scope, HoursEntry.deleted_at.is_(None))
    if status is not None:
        statement = statement.where(HoursEntry.status == status)
    if first is not None:
        statement = statement.where(HoursEntry.worked_on >= first)
    if last is not None:
        statement = statement.where(HoursEntry.worked_on <= last)
    statement = statement.order_by(HoursEntry.worked_on.desc(), HoursEntry.created_at.desc(), HoursEntry.id)
    result = paginate(statement, page=page, per_page=per_page)
    behalf.attach(result.items, "hours_entry")
    return result


# CSV exports --------------------------------------------------------------------------------------

ENTRY_COLUMNS = ("entry_id", "worked_on", "week_start", "minutes", "task", "status", "note", "dispute_reason",
                 "confirmed_at", "created_at", "updated_at", "on_behalf")
"""``on_behalf``: the steps someone else took for the person whose step it was, oldest first, as
``step:given_as`` joined by ``;`` (``logged:on-behalf;confirmed:proxy``); empty when each side
took its own steps."""

_STEPS = {LOGGED: "logged", DISPUTED: "disputed", CONFIRMED: "confirmed"}  # in the order they happen


def _steps_done_for_someone(match: Match) -> dict[uuid.UUID, str]:
    """Each entry's steps done for someone, in one statement (read before the rows stream)."""
    rank = sa.case({action: number for number, action in enumerate(_STEPS)}, value=BehalfRecord.action,
                   else_=len(_STEPS))
    found: dict[uuid.UUID, list[str]] = {}
    for target_id, action, given_as in db.session.execute(
            sa.select(BehalfRecord.target_id, BehalfRecord.action, BehalfRecord.given_as)
            .where(BehalfRecord.target_type == "hours_entry",
                   BehalfRecord.target_id.in_(sa.select(HoursEntry.id).where(HoursEntry.match_id == match.id)))
            .order_by(BehalfRecord.created_at, rank, BehalfRecord.id)):
        found.setdefault(target_id, []).append(f"{_STEPS.get(action, action)}:{given_as.value}")
    return {target_id: ";".join(steps) for target_id, steps in found.items()}


def entry_rows(match: Match) -> Iterator[tuple]:
    done_for = _steps_done_for_someone(match)
    statement = (sa.select(HoursEntry).where(HoursEntry.match_id == match.id, HoursEntry.deleted_at.is_(None))
                 .order_by(HoursEntry.worked_on, HoursEntry.created_at, HoursEntry.id))
    for entry in stream(statement).scalars():
        yield (entry.id, entry.worked_on, entry.week_start, entry.minutes, entry.task, entry.status.value,
               entry.note, entry.dispute_reason, entry.confirmed_at, entry.created_at, entry.updated_at,
               done_for.get(entry.id, ""))
