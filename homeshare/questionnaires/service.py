"""Questionnaire rules and transactions: when each is due, who answers it, its scores.

A person is asked a baseline at approval (their vetting cleared: every check the scheme
requires passed or waived, the moment they may be matched), and again 3, 6 and 12 months after
their match's trial started (none after the last day of a notice that is running) and when
the match ended. The schedule is made by the scheduler
(``ensure_due``), safe to repeat: each person has each occasion once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from homeshare.accounts.models import Account
from homeshare.behalf import service as behalf
from homeshare.behalf.models import Scope
from homeshare.checkins.schedule import plus_months
from homeshare.common.clock import local_moment, local_today, utcnow
from homeshare.common.db import insert_ignoring_duplicates
from homeshare.common.pagination import Page, paginate
from homeshare.common.roles import MEMBER_ROLES, Role
from homeshare.errors import Conflict, NotFound, ValidationFailed
from homeshare.extensions import db
from homeshare.matching.models import SHARING_STATES, Match, MatchState
from homeshare.notifications import kinds
from homeshare.notifications.service import Message
from homeshare.questionnaires.instruments import INSTRUMENTS, Instrument, problems, score
from homeshare.questionnaires.models import FOLLOW_UP_MONTHS, Occasion, Questionnaire
from homeshare.schemes.models import Scheme
from homeshare.vetting.models import VettingStanding
from homeshare.vetting.rules import is_cleared

LATE_DAYS = 60
"""A follow-up or an end questionnaire is not added once its due day is this long past (after an
upgrade, or for a match that ended long ago): it would no longer say how things were then."""

REMIND_WITHIN_DAYS = 30
"""An unanswered questionnaire is reminded about once, on its due day, if that is this recent."""

ANSWERED = "questionnaire.answered"
SCOPE = Scope.ANSWER_CHECKINS
"""A representative who may answer check-ins for a person answers their questionnaires too."""


class Status:
    UPCOMING = "upcoming"  # not open yet (the scheme's checkin_opens_days_before its due day)
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"  # a baseline not answered before the person's first trial started, or one asking
    # nothing now (the scheme dropped every instrument it was scheduled with)

    ALL = (UPCOMING, OPEN, ANSWERED, CLOSED)


# The schedule ----------------------------------------------------------------------------------


def ensure_due(scheme: Scheme, *, today: date | None = None) -> int:
    """Add the questionnaires now due in ``scheme`` that are not there yet; the caller commits.
    Returns how many were added. Safe to repeat: (person, key) is unique."""
    settings = scheme.effective_settings
    chosen = list(settings["questionnaire_instruments"])
    if not chosen:
        return 0
    today = today or local_today(scheme.timezone)
    now = utcnow()
    rows: list[dict[str, Any]] = []

    def row(person_id, role: str, occasion: Occasion, due_on: date, match_id=None) -> dict[str, Any]:
        key = occasion.value if match_id is None else f"{match_id}:{occasion.value}"
        return {"id": uuid.uuid4(), "scheme_id": scheme.id, "person_id": person_id, "role": role,
                "occasion": occasion, "match_id": match_id, "key": key, "due_on": due_on, "instruments": chosen,
                "created_at": now}

    for role in MEMBER_ROLES:
        side = Match.householder_id if role is Role.HOUSEHOLDER else Match.sharer_id
        waiting = db.session.scalars(sa.select(Account.id).where(
            Account.scheme_id == scheme.id, Account.role == role, Account.is_active.is_(True),
            Account.erased_at.is_(None), Account.id.in_(sa.select(VettingStanding.account_id).where(is_cleared(today))),
            Account.id.not_in(sa.select(side).where(Match.trial_started_on <= today)))).all()
        rows += [row(person_id, role.value, Occasion.BASELINE, today) for person_id in waiting]

    opens_before = timedelta(days=settings["checkin_opens_days_before"])
    matches = db.session.execute(sa.select(
        Match.id, Match.state, Match.trial_started_on, Match.ended_on, Match.householder_id, Match.sharer_id,
        Match.notice_last_day)
        .where(Match.scheme_id == scheme.id, Match.trial_started_on.is_not(None),
               sa.or_(Match.state.in_(SHARING_STATES),
                      sa.and_(Match.state == MatchState.ENDED, Match.ended_on >= today - timedelta(days=LATE_DAYS)))))
    for match_id, state, started_on, ended_on, householder_id, sharer_id, notice_last_day in matches:
        due: list[tuple[Occasion, date]] = []
        if state in SHARING_STATES:
            for occasion, months in FOLLOW_UP_MONTHS.items():
                day = plus_months(started_on, months)
                if _within_notice(state, notice_last_day, day) and day - opens_before <= today \
                        and day >= today - timedelta(days=LATE_DAYS):
                    due.append((occasion, day))
        elif ended_on is not None:
            due.append((Occasion.END, ended_on))
        for occasion, day in due:
            rows += [row(householder_id, "householder", occasion, day, match_id),
                     row(sharer_id, "sharer", occasion, day, match_id)]
    if not rows:
        return 0
    statement = insert_ignoring_duplicates(Questionnaire.__table__, unique=["person_id", "key"])
    return db.session.connection().execute(statement, rows).rowcount


def _within_notice(state: MatchState, notice_last_day: date | None, day: date) -> bool:
    """Whether a follow-up due on ``day`` falls within the match: not after the last day of a
    notice that is running (the match's end questionnaire asks then instead)."""
    return state is not MatchState.NOTICE or notice_last_day is None or day <= notice_last_day


def ensure_all_due() -> None:
    """``ensure_due`` for every scheme; commits (the scheduler's hourly job)."""
    for scheme in db.session.scalars(sa.select(Scheme).order_by(Scheme.id)).all():
        ensure_due(scheme)
    db.session.commit()


# Reading ---------------------------------------------------------------------------------------


def opens_on(questionnaire: Questionnaire, settings: Mapping[str, Any]) -> date:
    """The first day a questionnaire can be answered: like a check-in, the scheme's
    ``checkin_opens_days_before`` its due day (a baseline from its due day)."""
    if questionnaire.occasion is Occasion.BASELINE:
        return questionnaire.due_on
    return questionnaire.due_on - timedelta(days=settings["checkin_opens_days_before"])


def _matched(person_ids: Iterable[uuid.UUID], today: date) -> set[uuid.UUID]:
    """Those of ``person_ids`` whose first trial has started by ``today`` (their baseline is
    closed; a trial set for a later day leaves it open until then)."""
    ids = list(set(person_ids))
    if not ids:
        return set()
    found = db.session.execute(sa.select(Match.householder_id, Match.sharer_id).where(
        Match.trial_started_on <= today, sa.or_(Match.householder_id.in_(ids), Match.sharer_id.in_(ids))))
    return {person for row in found for person in row if person in ids}


def _cut_short(questionnaires: Iterable[Questionnaire]) -> set[uuid.UUID]:
    """The ids of the unanswered 3, 6 and 12 months' follow-ups whose match ended before their
    due day (the match's end questionnaire asks instead): one statement, none without them."""
    found = [q for q in questionnaires if q.occasion in FOLLOW_UP_MONTHS and q.answered_at is None]
    if not found:
        return set()
    ended = dict(db.session.execute(sa.select(Match.id, Match.ended_on).where(
        Match.id.in_({q.match_id for q in found}), Match.state == MatchState.ENDED)).all())
    return {q.id for q in found if q.match_id in ended and ended[q.match_id] < q.due_on}


def status_of(questionnaire: Questionnaire, *, today: date, settings: Mapping[str, Any], matched: bool,
              cut_short: bool = False) -> str:
    if questionnaire.answered_at is not None:
        return Status.ANSWERED
    if (questionnaire.occasion is Occasion.BASELINE and matched or cut_short
            or not instruments_of(questionnaire, settings)):
        return Status.CLOSED
    if today < opens_on(questionnaire, settings):
        return Status.UPCOMING
    return Status.OPEN


def in_a_match(questionnaire: Questionnaire) -> bool:
    return questionnaire.occasion is not Occasion.BASELINE


def instruments_of(questionnaire: Questionnaire, settings: Mapping[str, Any]) -> list[Instrument]:
    """What the questionnaire asks: once answered, what it was answered with; until then, the
    instruments it was scheduled with that the scheme still uses (one it drops is asked no more)."""
    names = questionnaire.instruments
    if questionnaire.answered_at is None:
        still = set(settings["questionnaire_instruments"])
        names = [name for name in names if name in still]
    return [INSTRUMENTS[name] for name in names if name in INSTRUMENTS]


def _described(questionnaires: Sequence[Questionnaire]) -> Sequence[Questionnaire]:
    """Each questionnaire with what its response shows: status, opening day, the instruments'
    items, its scores and what was answered for the person (three statements in all)."""
    schemes = {s.id: s for s in db.session.scalars(sa.select(Scheme).where(
        Scheme.id.in_({q.scheme_id for q in questionnaires})))} if questionnaires else {}
    matched = {person for scheme in schemes.values() for person in _matched(
        (q.person_id for q in questionnaires if q.occasion is Occasion.BASELINE and q.scheme_id == scheme.id),
        local_today(scheme.timezone))}
    cut_short = _cut_short(questionnaires)
    behalf.attach(questionnaires, "questionnaire")
    for q in questionnaires:
        scheme = schemes[q.scheme_id]
        settings = scheme.effective_settings
        q.opens_on = opens_on(q, settings)
        q.status = status_of(q, today=local_today(scheme.timezone), settings=settings, matched=q.person_id in matched,
                             cut_short=q.id in cut_short)
        q.asked = [{"instrument": instrument, "items": instrument.items_for(in_a_match(q))}
                   for instrument in instruments_of(q, settings)]
        q.score_list = [
            {"instrument": instrument.id, "score": found.id, "name": found.name, "value": q.scores[found.id],
             "direction": found.direction}
            for instrument in instruments_of(q, settings) for found in instrument.scores_for(in_a_match(q))
            if q.scores and found.id in q.scores]
    return questionnaires


def questionnaires_of(person: Account, *, page: int, per_page: int) -> Page[Questionnaire]:
    """A page of the person's questionnaires, the latest due first, with their scores."""
    statement = (sa.select(Questionnaire).where(Questionnaire.person_id == person.id)
                 .order_by(Questionnaire.due_on.desc(), Questionnaire.key, Questionnaire.id))
    result = paginate(statement, page=page, per_page=per_page)
    _described(result.items)
    return result


def described(questionnaire: Questionnaire) -> Questionnaire:
    return _described([questionnaire])[0]


def described_all(questionnaires: Sequence[Questionnaire]) -> Sequence[Questionnaire]:
    """``questionnaires`` ready for their response (a person's data export reads them so)."""
    return _described(questionnaires)


def get(questionnaire_id: uuid.UUID) -> Questionnaire | None:
    return db.session.get(Questionnaire, questionnaire_id)


@dataclass(frozen=True)
class Coming:
    """A questionnaire the person still has to answer: one already due, or one a live match of
    theirs will ask (``id`` None until the scheduler adds it)."""

    key: str
    occasion: Occasion
    due_on: date
    id: uuid.UUID | None = None


def coming(person: Account, *, today: date, until: date) -> list[Coming]:
    """The person's questionnaires to answer due from ``today`` to ``until``: those due and not
    answered (a closed baseline aside), and the follow-ups their live matches will ask, in order."""
    scheme = db.session.get(Scheme, person.scheme_id)
    if not scheme.effective_settings["questionnaire_instruments"]:
        return []
    mine = db.session.scalars(sa.select(Questionnaire).where(Questionnaire.person_id == person.id)).all()
    closed, cut_short = bool(_matched([person.id], today)), _cut_short(mine)
    found = [Coming(q.key, q.occasion, q.due_on, q.id) for q in mine
             if q.answered_at is None and today <= q.due_on <= until and q.id not in cut_short
             and not (q.occasion is Occasion.BASELINE and closed)]
    keys = {q.key for q in mine}
    live = db.session.execute(sa.select(Match.id, Match.trial_started_on, Match.state, Match.notice_last_day).where(
        sa.or_(Match.householder_id == person.id, Match.sharer_id == person.id),
        Match.state.in_(SHARING_STATES), Match.trial_started_on.is_not(None))).all()
    for match_id, started_on, state, notice_last_day in live:
        for occasion, months in FOLLOW_UP_MONTHS.items():
            day, key = plus_months(started_on, months), f"{match_id}:{occasion.value}"
            if key not in keys and today <= day <= until and _within_notice(state, notice_last_day, day):
                found.append(Coming(key, occasion, day))
    return sorted(found, key=lambda item: (item.due_on, item.key))


# Answering -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sides:
    """The questionnaire's person on their side, as ``behalf.answerer`` reads a match."""

    householder_id: uuid.UUID | None
    sharer_id: uuid.UUID | None


def _sides(questionnaire: Questionnaire) -> _Sides:
    person = questionnaire.person_id
    return _Sides(person if questionnaire.role == "householder" else None,
                  person if questionnaire.role == "sharer" else None)


def _checked(questionnaire: Questionnaire, answers: Mapping[str, Any],
             settings: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """The answers, every instrument's every item on its scale, or 422 saying what is wrong."""
    errors: dict[str, Any] = {}
    asked = {instrument.id: instrument for instrument in instruments_of(questionnaire, settings)}
    for name, instrument in asked.items():
        given = answers.get(name)
        if not isinstance(given, Mapping):
            errors[name] = ["Every instrument must be answered."]
            continue
        found = problems(instrument, given, in_a_match=in_a_match(questionnaire))
        if found:
            errors[name] = found
    for name in answers:
        if name not in asked:
            errors[name] = ["Not an instrument of this questionnaire."]
    if errors:
        raise ValidationFailed({"answers": errors})
    return {name: {item: int(value) for item, value in answers[name].items()} for name in asked}


def answer(*, actor: Account, questionnaire: Questionnaire, answers: Mapping[str, Any],
           on_behalf: Mapping[str, Any] | None = None) -> tuple[Questionnaire, bool]:
    """Record the person's answers: their own in the app, a coordinator's record of what they
    said (``on_behalf``), or their representative's. Every item of every instrument is required
    and on its scale (422, nothing stored). The same answers again return the stored ones;
    different ones once answered are 409 ``questionnaire-answered``; 409
    ``questionnaire-not-open`` before it opens and ``questionnaire-closed`` for a baseline whose
    person's first trial has started. Returns the questionnaire and whether it was answered now."""
    answerer = behalf.answerer(actor, _sides(questionnaire), on_behalf=on_behalf, scope=SCOPE,
                               sides=(questionnaire.role,))
    settings = db.session.get(Scheme, questionnaire.scheme_id).effective_settings
    values = _checked(questionnaire, answers, settings)
    if questionnaire.answered_at is not None:
        return _repeat(questionnaire, values)
    described(questionnaire)
    if questionnaire.status == Status.CLOSED:
        raise Conflict("The scheme no longer asks any of this questionnaire's instruments." if not questionnaire.asked
                       else "This baseline closed when the person's first trial started."
                       if questionnaire.occasion is Occasion.BASELINE
                       else "This follow-up closed when its match ended before its day; the end questionnaire asks "
                            "instead.", kind="questionnaire-closed")
    if questionnaire.status == Status.UPCOMING:
        raise Conflict(f"This questionnaire is due on {questionnaire.due_on.isoformat()}; it can be answered from "
                       f"{questionnaire.opens_on.isoformat()}.", kind="questionnaire-not-open")
    scores: dict[str, float] = {}
    for instrument in instruments_of(questionnaire, settings):
        scores.update(score(instrument, values[instrument.id], in_a_match=in_a_match(questionnaire)))
    now = utcnow()
    stored = db.session.execute(sa.update(Questionnaire).where(
        Questionnaire.id == questionnaire.id, Questionnaire.answered_at.is_(None)).values(
        answers=values, scores=scores, answered_at=now, given_as=answerer.given_as, answered_by_id=actor.id))
    if stored.rowcount != 1:  # answered at the same moment by another request
        db.session.rollback()
        return _repeat(db.session.get(Questionnaire, questionnaire.id, populate_existing=True), values)
    behalf.record(answerer, scheme_id=questionnaire.scheme_id, action=ANSWERED, target_type="questionnaire",
                  target_id=questionnaire.id)
    db.session.commit()
    db.session.refresh(questionnaire)
    return described(questionnaire), True


def _repeat(questionnaire: Questionnaire, values: Mapping[str, Any]) -> tuple[Questionnaire, bool]:
    if questionnaire.answers != values:
        raise Conflict("This questionnaire was answered already, with other answers.", kind="questionnaire-answered")
    return described(questionnaire), False


# Reminders -------------------------------------------------------------------------------------


def questionnaire_reminders(scheme: Scheme, coordinators: list[uuid.UUID], now: datetime) -> list[Message]:
    """Each open questionnaire not yet answered: its person is reminded once, at the scheme's
    reminder hour on its due day (or the first pass after it, within ``REMIND_WITHIN_DAYS``)."""
    settings, zone = scheme.effective_settings, ZoneInfo(scheme.timezone)
    today = now.astimezone(zone).date()
    due = db.session.scalars(sa.select(Questionnaire).join(Account, Account.id == Questionnaire.person_id).where(
        Questionnaire.scheme_id == scheme.id, Questionnaire.answered_at.is_(None),
        Questionnaire.due_on <= today, Questionnaire.due_on >= today - timedelta(days=REMIND_WITHIN_DAYS),
        Account.is_active.is_(True))).all()
    matched = _matched((q.person_id for q in due if q.occasion is Occasion.BASELINE), today)
    cut_short = _cut_short(due)
    return [
        kinds.QUESTIONNAIRE_DUE.message(
            q.person_id, event=f"questionnaire:{q.id}:due", title=_l("A short questionnaire for you"),
            body=_l("Please tell us how you are (questionnaire due %(day)s).", day=q.due_on.isoformat()),
            data={"questionnaire_id": str(q.id), **({"match_id": str(q.match_id)} if q.match_id else {})})
        for q in due
        if status_of(q, today=today, settings=settings, matched=q.person_id in matched,
                     cut_short=q.id in cut_short) == Status.OPEN
        and now >= local_moment(q.due_on, settings["reminder_hour"], scheme.timezone)
    ]


def reach(account: Account, questionnaire_id: uuid.UUID, scopes: tuple[Scope, ...] = ()) -> Questionnaire:
    """The questionnaire, for its person, the coordinators of its scheme and the person's
    representatives within ``scopes``; NotFound for anyone else."""
    found = db.session.get(Questionnaire, questionnaire_id)
    if found is not None:
        if account.role is Role.COORDINATOR and account.scheme_id == found.scheme_id:
            return found
        if account.role in MEMBER_ROLES and account.id == found.person_id:
            return found
        if account.role is Role.REPRESENTATIVE and behalf.represents(account, [found.person_id], scopes):
            return found
    raise NotFound("No such questionnaire.")
