"""The calendar feed: a secret link per person, and the iCalendar it answers with."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from homeshare.accounts.models import Account
from homeshare.checkins.models import CheckIn, CheckInAnswer
from homeshare.checkins.service import opens_on
from homeshare.calendars.models import CalendarFeed
from homeshare.common.clock import local_today, utcnow
from homeshare.errors import NotFound
from homeshare.extensions import db
from homeshare.matching.models import OPEN_STATES, SHARING_STATES, Match
from homeshare.meetings.models import UPCOMING_STATUSES, Meeting, MeetingStatus
from homeshare.meetings.service import KIND_NAMES
from homeshare.questionnaires import service as questionnaires
from homeshare.schemes.models import Scheme

PRODUCT = "-//Homeshare//Homeshare API//EN"
UID_DOMAIN = "homeshare"
CHECKIN_HORIZON = timedelta(days=400)


@dataclass
class NewFeed:
    secret: str
    created_at: datetime


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_feed(account: Account) -> NewFeed:
    """A new secret for ``account``'s feed, replacing any before (whose link stops working at
    once). Only its hash is kept: the secret is returned this once."""
    secret, now = secrets.token_urlsafe(32), utcnow()
    feed = db.session.get(CalendarFeed, account.id)
    if feed is None:
        db.session.add(CalendarFeed(account_id=account.id, secret_hash=_hash(secret), created_at=now))
    else:
        feed.secret_hash, feed.created_at = _hash(secret), now
    try:
        db.session.commit()
    except IntegrityError:  # a first feed made by a request at the same moment: replace its secret
        db.session.rollback()
        db.session.execute(sa.update(CalendarFeed).where(CalendarFeed.account_id == account.id)
                           .values(secret_hash=_hash(secret), created_at=now))
        db.session.commit()
    return NewFeed(secret=secret, created_at=now)


def remove_feed(account: Account) -> None:
    """Stop the feed: its link answers 404 from now on. Safe to repeat."""
    db.session.execute(sa.delete(CalendarFeed).where(CalendarFeed.account_id == account.id))
    db.session.commit()


def feed_owner(secret: str) -> Account:
    """The live account whose feed ``secret`` opens; NotFound for any other secret."""
    feed = db.session.scalars(sa.select(CalendarFeed).where(CalendarFeed.secret_hash == _hash(secret))).first()
    account = db.session.get(Account, feed.account_id) if feed is not None else None
    if account is None or not account.is_active or account.erased_at is not None:
        raise NotFound("No such calendar.")
    return account


def calendar(account: Account) -> bytes:
    """``account``'s meetings (cancelled ones marked so, for phones to drop them), the open
    check-ins of their matches and the questionnaires they have to answer (all-day, on the day
    each is due), as iCalendar."""
    scheme = db.session.get(Scheme, account.scheme_id)
    zone, now = ZoneInfo(scheme.timezone), utcnow()
    cal = icalendar.Calendar()
    cal.add("prodid", PRODUCT)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Homeshare")
    cal.add("x-wr-timezone", scheme.timezone)
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    theirs = sa.or_(Match.householder_id == account.id, Match.sharer_id == account.id)
    for meeting, state in db.session.execute(sa.select(Meeting, Match.state).join(Match, Match.id == Meeting.match_id)
                                             .where(theirs).order_by(Meeting.starts_at, Meeting.id)):
        cal.add_component(_meeting_event(meeting, zone, off=state not in OPEN_STATES))
    for checkin in _open_checkins(account, scheme, theirs):
        cal.add_component(_checkin_event(checkin, opens_on(checkin, scheme.effective_settings), now))
    today = local_today(scheme.timezone)
    for item in questionnaires.coming(account, today=today, until=today + CHECKIN_HORIZON):
        cal.add_component(_questionnaire_event(item, now))
    cal.add_missing_timezones()
    return cal.to_ical()


def _meeting_event(meeting: Meeting, zone: ZoneInfo, off: bool) -> icalendar.Event:
    """The meeting as an event; one still to come of a match that closed (withdrawn or ended)
    is shown cancelled, as it will not take place."""
    event = icalendar.Event()
    event.add("uid", f"meeting-{meeting.id}@{UID_DOMAIN}")
    event.add("dtstamp", meeting.updated_at)
    event.add("last-modified", meeting.updated_at)
    event.add("created", meeting.created_at)
    event.add("sequence", meeting.sequence)
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("summary", f"Homeshare: {KIND_NAMES[meeting.kind].lower()}")
    if meeting.place:
        event.add("location", meeting.place)
    if meeting.coordinator_attends:
        event.add("description", "Your coordinator will be there.")
    cancelled = meeting.status is MeetingStatus.CANCELLED or (off and meeting.status in UPCOMING_STATUSES)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def _open_checkins(account: Account, scheme: Scheme, theirs) -> list[CheckIn]:
    """The check-ins of ``account``'s live matches that their side has not answered, due from
    today on (in the scheme's time zone)."""
    today = local_today(scheme.timezone)
    rows = db.session.execute(
        sa.select(CheckIn).join(Match, Match.id == CheckIn.match_id)
        .where(theirs, Match.state.in_(SHARING_STATES), CheckIn.due_on >= today,
               CheckIn.due_on <= today + CHECKIN_HORIZON)
        .order_by(CheckIn.due_on, CheckIn.id)).scalars().all()
    answered = set(db.session.scalars(sa.select(CheckInAnswer.checkin_id).where(
        CheckInAnswer.account_id == account.id, CheckInAnswer.checkin_id.in_([checkin.id for checkin in rows]))))
    return [checkin for checkin in rows if checkin.id not in answered]


def _all_day(uid: str, day: date, summary: str, description: str, now: datetime) -> icalendar.Event:
    """Something to do on ``day``, shown all day and as free time."""
    event = icalendar.Event()
    event.add("uid", f"{uid}@{UID_DOMAIN}")
    event.add("dtstamp", now)
    event.add("sequence", 0)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("transp", "TRANSPARENT")
    return event


def _questionnaire_event(item: questionnaires.Coming, now: datetime) -> icalendar.Event:
    """A questionnaire to answer, all day on its due day; its uid names the person's occasion,
    so it stays the same event once the scheduler adds it."""
    return _all_day(f"questionnaire-{item.key.replace(':', '-')}", item.due_on, "Homeshare questionnaire due",
                    "A few questions on how you are: you can answer them in the app.", now)


def _checkin_event(checkin: CheckIn, opens: date, now: datetime) -> icalendar.Event:
    return _all_day(f"checkin-{checkin.id}", checkin.due_on, "Homeshare check-in due",
                    f"Tell us how things are going: you can answer in the app from {opens.isoformat()}.", now)
