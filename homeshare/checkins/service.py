"""Check-in rules and transactions: schedules, answers, alerts, the coordinator's contacts."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from flask_babel import lazy_gettext as _l

from homeshare.common.languages import all_of
from homeshare.absences.models import Absence
from homeshare.accounts.models import Account
from homeshare.audit import service as audit
from homeshare.behalf import service as behalf
from homeshare.behalf.models import Scope
from homeshare.behalf.service import Answerer
from homeshare.checkins.models import CheckIn, CheckInAnswer, CheckInKind
from homeshare.checkins.schedule import planned
from homeshare.common.clock import local_today, utcnow
from homeshare.common.db import insert_ignoring_duplicates
from homeshare.common.pagination import Page, paginate
from homeshare.errors import Conflict, NotFound, ValidationFailed
from homeshare.extensions import db
from homeshare.matching.models import OPEN_STATES, SHARING_STATES, Match
from homeshare.notifications import kinds
from homeshare.notifications.service import coordinators_of, notify
from homeshare.schemes.models import Scheme

HORIZON = timedelta(days=365)


def ensure_schedule(match: Match, scheme: Scheme, *, today: date | None = None) -> int:
    """Add the match's planned check-ins up to a year ahead that are not there yet; the
    caller commits. Safe to repeat: planned dates are unique per match and kind. Called when a
    trial starts (``homeshare.matching.events.trial_started``) and by the daily job."""
    if match.trial_started_on is None or match.state not in SHARING_STATES:
        return 0
    today = today or local_today(scheme.timezone)
    now = utcnow()
    away = db.session.execute(sa.select(Absence.first_day, Absence.last_day).where(
        Absence.match_id == match.id, Absence.cancelled_at.is_(None), Absence.last_day >= today)
        .order_by(Absence.first_day)).all()
    rows = [
        {"id": uuid.uuid4(), "match_id": match.id, "kind": kind, "planned_on": day,
         "due_on": _after_absences(day, away), "created_at": now}
        for kind, day in planned(match.trial_started_on, match.trial_ends_on,
                                 scheme.effective_settings["checkin_cadence"], today + HORIZON)
    ]
    statement = insert_ignoring_duplicates(CheckIn.__table__, unique=["match_id", "kind", "planned_on"])
    return db.session.connection().execute(statement, rows).rowcount if rows else 0


def _after_absences(day: date, away: list) -> date:
    """``day``, or the day after the absences (first to last day, in order) it falls inside: a
    check-in planned into an absence is due when both are back, as one moved out of it is."""
    for first_day, last_day in away:
        if first_day <= day <= last_day:
            day = last_day + timedelta(days=1)
    return day


def replan_schedule(match: Match, *, scheme: Scheme, previous_end: date | None = None,
                    today: date | None = None) -> int:
    """``matching.events.trial_extended``: plan the check-ins again for the trial's new end; the
    caller commits. What was planned and is still as planned (due later than today, neither
    answered, moved, recorded as a contact nor escalated) and that the new plan no longer has is
    dropped; the new plan's dates are added. Whatever is past, answered or changed by hand stays,
    as a remade schedule keeps what was planned."""
    today = today or local_today(scheme.timezone)
    wanted = set(planned(match.trial_started_on, match.trial_ends_on, scheme.effective_settings["checkin_cadence"],
                         today + HORIZON))
    untouched = db.session.execute(sa.select(CheckIn.id, CheckIn.kind, CheckIn.planned_on).where(
        CheckIn.match_id == match.id, CheckIn.planned_on.is_not(None), CheckIn.due_on == CheckIn.planned_on,
        CheckIn.due_on > today, CheckIn.contact_at.is_(None), CheckIn.escalated_at.is_(None),
        ~sa.exists().where(CheckInAnswer.checkin_id == CheckIn.id))).all()
    dropped = [row.id for row in untouched if (row.kind, row.planned_on) not in wanted]
    if dropped:
        db.session.execute(sa.delete(CheckIn).where(CheckIn.id.in_(dropped)))
    return ensure_schedule(match, scheme, today=today)


def opens_on(checkin: CheckIn, settings: Mapping[str, Any]) -> date:
    """The first day a check-in can be answered: the scheme's ``checkin_opens_days_before`` its
    due date."""
    return checkin.due_on - timedelta(days=settings["checkin_opens_days_before"])


def _with_behalf(match: Match, checkins: list[CheckIn]) -> list[CheckIn]:
    """The check-ins with what was answered for someone, and the day each opens (``opens_on``)."""
    behalf.attach([answer for checkin in checkins for answer in checkin.answers], "checkin_answer")
    settings = db.session.get(Scheme, match.scheme_id).effective_settings
    for checkin in checkins:
        checkin.opens_on = opens_on(checkin, settings)
    return checkins


def checkin_in(match: Match, checkin_id: uuid.UUID) -> CheckIn:
    checkin = db.session.scalars(sa.select(CheckIn).where(CheckIn.id == checkin_id, CheckIn.match_id == match.id)
                                 .options(selectinload(CheckIn.answers))).first()
    if checkin is None:
        raise NotFound("No such check-in.")
    return _with_behalf(match, [checkin])[0]


def own_checkins(actor: Account, match: Match, *, page: int, per_page: int) -> tuple[str, Page[CheckIn]]:
    """The side whose check-ins ``actor`` reads (their own, or the person's they represent),
    and a page of them."""
    return behalf.side_seen_by(actor, match, (Scope.ANSWER_CHECKINS,)), checkins_of(match, page=page,
                                                                                    per_page=per_page)


def checkins_of(match: Match, *, page: int, per_page: int) -> Page[CheckIn]:
    """A page of the match's check-ins with their answers and what was answered for someone
    (three statements and the count)."""
    statement = (sa.select(CheckIn).where(CheckIn.match_id == match.id)
                 .options(selectinload(CheckIn.answers)).order_by(CheckIn.due_on, CheckIn.kind, CheckIn.id))
    result = paginate(statement, page=page, per_page=per_page)
    _with_behalf(match, result.items)
    return result


def _open(match: Match) -> None:
    if match.state not in OPEN_STATES:
        raise Conflict(f"This match is {match.state.value}; its check-ins are closed.", kind="match-closed")


# A coordinator's changes to check-ins, as the audit trail names them; a contact's notes are
# words about the people, kept out of the trail.
ADDED = audit.declare("checkin.added", plain=("kind", "due_on"))
MOVED = audit.declare("checkin.moved", plain=("due_on",))
CONTACT_RECORDED = audit.declare("checkin.contact_recorded", plain=("contact_kind", "contact_at"))


def _record(actor: Account, match: Match, checkin: CheckIn, action: str, before: dict[str, Any] | None,
            after: dict[str, Any]) -> None:
    audit.record(actor_id=actor.id, scheme_id=match.scheme_id, action=action, target_type="checkin",
                 target_id=checkin.id, before=before, after=after)


def add_checkin(*, actor: Account, match: Match, kind: CheckInKind, due_on: date) -> CheckIn:
    _open(match)
    checkin = CheckIn(id=uuid.uuid4(), match_id=match.id, kind=kind, planned_on=None, due_on=due_on,
                      created_at=utcnow())
    db.session.add(checkin)
    _record(actor, match, checkin, ADDED, None, {"kind": kind.value, "due_on": due_on})
    db.session.commit()
    return checkin_in(match, checkin.id)


def move_checkin(*, actor: Account, match: Match, checkin: CheckIn, due_on: date) -> CheckIn:
    _open(match)
    if checkin.due_on != due_on:
        _record(actor, match, checkin, MOVED, {"due_on": checkin.due_on}, {"due_on": due_on})
        checkin.due_on, checkin.escalated_at = due_on, None
        db.session.commit()
    return checkin_in(match, checkin.id)


def move_out_of_absence(absence: Absence, *, match: Match, actor: Account) -> int:
    """``absence_recorded``: every open check-in of the match (answered by neither side, no
    coordinator's contact recorded) due inside the absence moves to the day after it ends,
    as a coordinator's move does (``planned_on`` stays); the caller commits. Returns how many moved."""
    answered = sa.exists().where(CheckInAnswer.checkin_id == CheckIn.id)
    moving = db.session.scalars(sa.select(CheckIn).where(
        CheckIn.match_id == match.id, CheckIn.due_on >= absence.first_day, CheckIn.due_on <= absence.last_day,
        CheckIn.contact_at.is_(None), sa.not_(answered))).all()
    day_after = absence.last_day + timedelta(days=1)
    for checkin in moving:
        _record(actor, match, checkin, MOVED, {"due_on": checkin.due_on}, {"due_on": day_after})
        checkin.due_on, checkin.escalated_at = day_after, None
    return len(moving)


ANSWERED = "checkin.answered"


def answer(*, actor: Account, match: Match, checkin: CheckIn, values: Mapping[str, Any],
           on_behalf: Mapping[str, Any] | None = None) -> CheckInAnswer:
    """Record (or replace) one side's answer: the person's own, their representative's, or a
    coordinator's record of what the person said on the phone or in person (``on_behalf``). A
    low score or a raised flag alerts the scheme's coordinators at once, in the same transaction.
    Refused (409 ``checkin-not-open``, nothing stored) before the check-in opens: the scheme's
    ``checkin_opens_days_before`` its due date, in the scheme's time zone."""
    answerer = behalf.answerer(actor, match, on_behalf=on_behalf, scope=Scope.ANSWER_CHECKINS)
    return _answer(answerer, match, checkin, values)


def _answerable(scheme: Scheme, checkin: CheckIn) -> None:
    day = opens_on(checkin, scheme.effective_settings)
    if local_today(scheme.timezone) < day:
        raise Conflict(f"This check-in is due on {checkin.due_on.isoformat()}; it can be answered from "
                       f"{day.isoformat()}.", kind="checkin-not-open")


def _answer(answerer: Answerer, match: Match, checkin: CheckIn, values: Mapping[str, Any],
            retried: bool = False) -> CheckInAnswer:
    _open(match)
    side = answerer.side
    scheme = db.session.get(Scheme, match.scheme_id)
    _answerable(scheme, checkin)
    if side != "sharer" and values.get("asked_outside_agreement"):
        raise ValidationFailed({"asked_outside_agreement": ["This question is the sharer's."]})
    existing = db.session.scalars(sa.select(CheckInAnswer).where(
        CheckInAnswer.checkin_id == checkin.id, CheckInAnswer.side == side)).first()
    record = existing or CheckInAnswer(id=uuid.uuid4(), checkin_id=checkin.id, match_id=checkin.match_id,
                                       side=side, account_id=answerer.person_id)
    for name, value in values.items():
        setattr(record, name, value)
    record.answered_at = utcnow()
    record.given_as = answerer.given_as
    try:
        db.session.add(record)
        behalf.record(answerer, scheme_id=match.scheme_id, action=ANSWERED, target_type="checkin_answer",
                      target_id=record.id)
        _alert_if_worrying(scheme, match, checkin, side, record)
        db.session.commit()
    except IntegrityError:  # this side's answer arrived twice at once: apply it to the stored one
        db.session.rollback()
        if retried:
            raise
        return _answer(answerer, match, checkin, values, retried=True)
    return behalf.attach([record], "checkin_answer")[0]


ALERT_WORDS = {
    "householder": lambda day, worries: (
        _l("A householder needs you"),
        _l("In the check-in due %(day)s, the householder %(worries)s.", day=day, worries=worries)),
    "sharer": lambda day, worries: (
        _l("A sharer needs you"),
        _l("In the check-in due %(day)s, the sharer %(worries)s.", day=day, worries=worries)),
}


def _alert_if_worrying(scheme: Scheme, match: Match, checkin: CheckIn, side: str, record: CheckInAnswer) -> None:
    low = scheme.effective_settings["checkin_low_score"]
    outside = bool(record.asked_outside_agreement)
    if record.wellbeing <= low or record.match_going <= low or record.something_wrong or outside:
        worries = [_l("scored wellbeing %(wellbeing)s and the match %(match)s out of 5",
                      wellbeing=record.wellbeing, match=record.match_going)]
        worries += [_l("said something is wrong")] if record.something_wrong else []
        worries += [_l("was asked to do something outside the agreement")] if outside else []
        worries += [_l("asked for a call")] if record.wants_call else []
        title, body = ALERT_WORDS[side](checkin.due_on.isoformat(), all_of(worries))
        notify(kinds.CHECKIN_ALERT.message(
            coordinator, title=title, body=body,
            data={"match_id": str(match.id), "checkin_id": str(checkin.id), "side": side},
            event=f"checkin:{checkin.id}:alert:{side}:{record.wellbeing}:{record.match_going}:"
                  f"{record.something_wrong}:{outside}",
        ) for coordinator in coordinators_of(match.scheme_id))


def record_contact(*, actor: Account, match: Match, checkin: CheckIn, kind: str, at: datetime, notes: str | None) -> CheckIn:
    before = {"contact_kind": checkin.contact_kind, "contact_at": checkin.contact_at, "notes": checkin.contact_notes}
    checkin.contact_kind, checkin.contact_at, checkin.contact_notes, checkin.contact_by_id = kind, at, notes, actor.id
    _record(actor, match, checkin, CONTACT_RECORDED, before, {"contact_kind": kind, "contact_at": at, "notes": notes})
    db.session.commit()
    return checkin_in(match, checkin.id)
