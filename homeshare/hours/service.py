"""Hours rules and transactions: logging, confirming, correcting, weekly sums and shortfalls."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterable, Iterator, Mapping, Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from homeshare.accounts.models import Account
from homeshare.agreements.models import AgreementVersion
from homeshare.audit import service as audit
from homeshare.common.clock import local_today, utcnow
from homeshare.common.db import stream
from homeshare.common.pagination import Page, paginate
from homeshare.errors import Conflict, NotFound, ValidationFailed
from homeshare.extensions import db
from homeshare.hours.models import EntryStatus, HoursEntry
from homeshare.matching.models import Match, MatchState
from homeshare.schemes.models import Scheme

LOGGABLE = (MatchState.TRIAL, MatchState.ACTIVE, MatchState.ENDED)
MINUTES_IN_A_DAY = 24 * 60


def week_start_of(day: date) -> date:
    """The Monday of ``day``'s week (weeks run Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


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


def put_entry(*, actor: Account, match: Match, scheme: Scheme, entry_id: uuid.UUID,
              values: Mapping[str, Any]) -> tuple[HoursEntry, bool]:
    """Create an entry with the app's id, or recognise a repeat of the same entry.

    Returns the entry and whether it was created. An id already used for other content
    (or for a deleted entry) is a conflict: changes go through ``edit_entry``.
    """
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
    entry = HoursEntry(id=entry_id, match_id=match.id, sharer_id=actor.id, week_start=week_start_of(content["worked_on"]),
                       status=EntryStatus.LOGGED, created_at=now, updated_at=now, **content)
    db.session.add(entry)
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
        return entry
    _check(match, scheme, content, entry_id=entry.id)
    before = entry.content()
    for name, value in content.items():
        setattr(entry, name, value)
    entry.week_start = week_start_of(entry.worked_on)
    entry.updated_at = utcnow()
    if side == "sharer" and entry.status is EntryStatus.DISPUTED:
        entry.status, entry.dispute_reason, entry.disputed_at = EntryStatus.LOGGED, None, None
    if side == "coordinator":
        audit.record(actor_id=actor.id, scheme_id=match.scheme_id, action="hours.entry_corrected",
                     target_type="hours_entry", target_id=entry.id, before=before, after=entry.content(),
                     personal=frozenset({"note"}))
    db.session.commit()
    return entry


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
        audit.record(actor_id=actor.id, scheme_id=match.scheme_id, action="hours.entry_deleted",
                     target_type="hours_entry", target_id=entry.id, before=entry.content(), after=None,
                     personal=frozenset({"note"}))
    db.session.commit()


def confirm(*, match: Match, entry_ids: Sequence[uuid.UUID] | None, week_of: date | None) -> list[HoursEntry]:
    """The householder confirms entries, by id or a whole week. Confirming twice changes nothing."""
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
    for entry in entries:
        if entry.status is not EntryStatus.CONFIRMED:
            entry.status, entry.confirmed_at = EntryStatus.CONFIRMED, now
            entry.dispute_reason = entry.disputed_at = None
    db.session.commit()
    return sorted(entries, key=lambda e: (e.worked_on, e.created_at))


def dispute(*, match: Match, entry: HoursEntry, reason: str) -> HoursEntry:
    """The householder disputes an entry it has not confirmed; the coordinator sees it."""
    _lock_match(match)
    db.session.refresh(entry)
    if entry.status is EntryStatus.CONFIRMED:
        raise Conflict("You confirmed this entry; ask your coordinator if it is wrong.", kind="entry-confirmed")
    if entry.status is EntryStatus.DISPUTED and entry.dispute_reason == reason:
        return entry
    entry.status, entry.dispute_reason, entry.disputed_at = EntryStatus.DISPUTED, reason, utcnow()
    db.session.commit()
    return entry


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
    return paginate(statement, page=page, per_page=per_page)


# Weekly sums and shortfalls ------------------------------------------------------------------------


@dataclass
class Week:
    match_id: uuid.UUID
    week_start: date
    week_end: date
    logged_minutes: int
    confirmed_minutes: int
    disputed_minutes: int
    agreed_minutes: int | None
    completed: bool
    short: bool

    @property
    def counted_minutes(self) -> int:
        """What counts towards the agreed hours: everything logged except disputed entries."""
        return self.logged_minutes - self.disputed_minutes

    @property
    def shortfall_minutes(self) -> int | None:
        if self.agreed_minutes is None:
            return None
        return max(self.agreed_minutes - self.counted_minutes, 0)


class Agreed:
    """The agreed hours in force in any week: the newest version both sides had accepted
    by the week's end (or the first accepted version, for weeks before any acceptance)."""

    def __init__(self, versions: Iterable[Any], timezone: str):
        """``versions``: agreement versions, or rows of their numbers, hours and acceptances."""
        zone = ZoneInfo(timezone)
        accepted = [
            (max(v.householder_accepted_at, v.sharer_accepted_at).astimezone(zone).date(), v.number, v.hours_per_week)
            for v in versions if v.householder_accepted_at is not None and v.sharer_accepted_at is not None
        ]
        self.accepted = sorted(accepted)

    def minutes_for(self, week_end: date) -> int | None:
        if not self.accepted:
            return None
        in_force = [hours for day, _, hours in self.accepted if day <= week_end]
        return (in_force[-1] if in_force else self.accepted[0][2]) * 60


def agreed_versions(match_ids: Sequence[uuid.UUID] | sa.Select) -> dict[uuid.UUID, list[sa.Row]]:
    """The accepted agreement versions of each match (``match_ids``: ids, or a select of them),
    as rows holding what ``Agreed`` reads."""
    found: dict[uuid.UUID, list[sa.Row]] = defaultdict(list)
    statement = (sa.select(AgreementVersion.match_id, AgreementVersion.number, AgreementVersion.hours_per_week,
                           AgreementVersion.householder_accepted_at, AgreementVersion.sharer_accepted_at)
                 .where(AgreementVersion.match_id.in_(match_ids), AgreementVersion.householder_accepted_at.is_not(None),
                        AgreementVersion.sharer_accepted_at.is_not(None)))
    for version in db.session.execute(statement):
        found[version.match_id].append(version)
    return found


def _sums(match_ids: Sequence[uuid.UUID] | sa.Select, first: date,
          last: date) -> dict[tuple[uuid.UUID, date], tuple[int, int, int]]:
    """(logged, confirmed, disputed) minutes by match and week, in one aggregate query
    (``match_ids``: ids, or a select of them)."""

    def minutes_when(status: EntryStatus):
        return sa.func.coalesce(sa.func.sum(sa.case((HoursEntry.status == status, HoursEntry.minutes), else_=0)), 0)

    statement = (
        sa.select(HoursEntry.match_id, HoursEntry.week_start, sa.func.sum(HoursEntry.minutes),
                  minutes_when(EntryStatus.CONFIRMED), minutes_when(EntryStatus.DISPUTED))
        .where(HoursEntry.match_id.in_(match_ids), HoursEntry.deleted_at.is_(None),
               HoursEntry.week_start >= first, HoursEntry.week_start <= last)
        .group_by(HoursEntry.match_id, HoursEntry.week_start)
    )
    return {(row[0], row[1]): (int(row[2]), int(row[3]), int(row[4])) for row in db.session.execute(statement)}


def _span(match: Match, today: date) -> tuple[date, date] | None:
    """The Mondays of the first and last weeks of a match's logged life so far."""
    if match.trial_started_on is None:
        return None
    end = min(today, match.ended_on) if match.ended_on else today
    if end < match.trial_started_on:
        return None
    return week_start_of(match.trial_started_on), week_start_of(end)


def _week(match: Match, monday: date, sums: Mapping, agreed: Agreed, today: date, share: int) -> Week:
    logged, confirmed, disputed = sums.get((match.id, monday), (0, 0, 0))
    sunday = monday + timedelta(days=6)
    agreed_minutes = agreed.minutes_for(sunday)
    completed = sunday < today
    short = bool(completed and agreed_minutes and (logged - disputed) * 100 < agreed_minutes * share)
    return Week(match.id, monday, sunday, logged, confirmed, disputed, agreed_minutes, completed, short)


@dataclass
class Summary:
    weeks: Page[Week]
    flagged: bool
    short_weeks: list[Week]

    @property
    def shortfall(self) -> dict[str, Any]:
        return {"flagged": self.flagged, "weeks": self.short_weeks}


def weekly_summary(*, match: Match, scheme: Scheme, first: date | None, last: date | None,
                   page: int, per_page: int) -> Summary:
    """A match's weeks, newest first, with the shortfall flag: a fixed number of queries."""
    settings, today = scheme.effective_settings, local_today(scheme.timezone)
    agreed = Agreed(agreed_versions([match.id])[match.id], scheme.timezone)
    span = _span(match, today)
    if span is None:
        flagged, short_weeks = _shortfall(match, agreed, today, settings)
        return Summary(Page([], page, per_page, 0), flagged, short_weeks)
    lo = max(span[0], week_start_of(first)) if first else span[0]
    hi = min(span[1], week_start_of(last)) if last else span[1]
    mondays = [hi - timedelta(weeks=n) for n in range(((hi - lo).days // 7) + 1)] if hi >= lo else []
    shown = mondays[(page - 1) * per_page: page * per_page]
    # One statement sums the weeks shown and the completed weeks the shortfall flag looks at.
    last_completed = week_start_of(today) - timedelta(weeks=1)
    bounds = [last_completed - timedelta(weeks=settings["hours_shortfall_weeks"] - 1), last_completed, *shown[-1:],
              *shown[:1]]
    sums = _sums([match.id], min(bounds), max(bounds))
    flagged, short_weeks = _shortfall(match, agreed, today, settings, sums)
    weeks = [_week(match, monday, sums, agreed, today, settings["hours_shortfall_percent"]) for monday in shown]
    return Summary(Page(weeks, page, per_page, len(mondays)), flagged, short_weeks)


def _shortfall(match: Match, agreed: Agreed, today: date, settings: Mapping[str, Any],
               sums: Mapping | None = None) -> tuple[bool, list[Week]]:
    """Whether the last N completed weeks of a live match were all short, and those weeks."""
    span = _span(match, today)
    weeks_needed = settings["hours_shortfall_weeks"]
    if span is None or match.state not in (MatchState.TRIAL, MatchState.ACTIVE):
        return False, []
    last_completed = week_start_of(today) - timedelta(weeks=1)
    mondays = [last_completed - timedelta(weeks=n) for n in range(weeks_needed)]
    if mondays[-1] < span[0]:
        return False, []
    if sums is None:
        sums = _sums([match.id], mondays[-1], mondays[0])
    weeks = [_week(match, monday, sums, agreed, today, settings["hours_shortfall_percent"]) for monday in mondays]
    flagged = all(week.short for week in weeks)
    return flagged, (weeks if flagged else [])


# What the weekly sums and shortfall flags read of a match (an object or a row of these).
MATCH_FIELDS = (Match.id, Match.householder_id, Match.sharer_id, Match.state, Match.trial_started_on, Match.ended_on)


@dataclass
class FlaggedMatch:
    match: sa.Row  # of MATCH_FIELDS
    weeks: list[Week]


def scheme_shortfalls(*, scheme: Scheme, page: int, per_page: int) -> Page[FlaggedMatch]:
    """The scheme's live matches flagged for short hours, in three statements.

    Matches and versions are read as rows of the fields the flags need: a scheme has
    hundreds of live matches, and loading them as objects took most of the time. Versions
    and sums are read for every match of the scheme, selected by a subquery (cheaper than
    hundreds of ids as parameters): a match read as live that ends in between is still
    judged on its hours.
    """
    settings, today = scheme.effective_settings, local_today(scheme.timezone)
    matches = db.session.execute(
        sa.select(*MATCH_FIELDS).where(Match.scheme_id == scheme.id, Match.state.in_((MatchState.TRIAL, MatchState.ACTIVE)))
        .order_by(Match.trial_started_on, Match.id)).all()
    last_completed = week_start_of(today) - timedelta(weeks=1)
    earliest = last_completed - timedelta(weeks=settings["hours_shortfall_weeks"] - 1)
    of_scheme = sa.select(Match.id).where(Match.scheme_id == scheme.id)
    versions, sums = agreed_versions(of_scheme), _sums(of_scheme, earliest, last_completed)
    flagged = []
    for match in matches:
        is_short, weeks = _shortfall(match, Agreed(versions[match.id], scheme.timezone), today, settings, sums)
        if is_short:
            flagged.append(FlaggedMatch(match, weeks))
    return Page(flagged[(page - 1) * per_page: page * per_page], page, per_page, len(flagged))


# CSV exports --------------------------------------------------------------------------------------

ENTRY_COLUMNS = ("entry_id", "worked_on", "week_start", "minutes", "task", "status", "note", "dispute_reason",
                 "confirmed_at", "created_at", "updated_at")
WEEK_COLUMNS = ("match_id", "week_start", "week_end", "logged_minutes", "confirmed_minutes", "disputed_minutes",
                "agreed_minutes", "shortfall_minutes", "completed", "short")


def entry_rows(match: Match) -> Iterator[tuple]:
    statement = (sa.select(HoursEntry).where(HoursEntry.match_id == match.id, HoursEntry.deleted_at.is_(None))
                 .order_by(HoursEntry.worked_on, HoursEntry.created_at, HoursEntry.id))
    for entry in stream(statement).scalars():
        yield (entry.id, entry.worked_on, entry.week_start, entry.minutes, entry.task, entry.status.value,
               entry.note, entry.dispute_reason, entry.confirmed_at, entry.created_at, entry.updated_at)


def week_rows(*, scheme: Scheme, first: date, last: date) -> Iterator[tuple]:
    """Every week of every match of the scheme that overlaps [first, last]."""
    settings, today = scheme.effective_settings, local_today(scheme.timezone)
    started = sa.select(Match.id).where(Match.scheme_id == scheme.id, Match.trial_started_on.is_not(None))
    matches = db.session.execute(
        sa.select(*MATCH_FIELDS).where(Match.scheme_id == scheme.id, Match.trial_started_on.is_not(None))
        .order_by(Match.trial_started_on, Match.id)).all()
    lo, hi = week_start_of(first), week_start_of(last)
    versions, sums = agreed_versions(started), _sums(started, lo, hi)
    for match in matches:
        span = _span(match, today)
        if span is None:
            continue
        agreed = Agreed(versions[match.id], scheme.timezone)
        monday = max(span[0], lo)
        while monday <= min(span[1], hi):
            week = _week(match, monday, sums, agreed, today, settings["hours_shortfall_percent"])
            yield (match.id, week.week_start, week.week_end, week.logged_minutes, week.confirmed_minutes,
                   week.disputed_minutes, week.agreed_minutes, week.shortfall_minutes, week.completed, week.short)
            monday += timedelta(weeks=1)
