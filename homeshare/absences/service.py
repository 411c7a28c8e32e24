"""Absence rules and transactions: who records an absence, the refusals, and what follows.

A householder or a sharer records their own absence; their representative whose scope lets
them answer check-ins records it for them; a coordinator records either person's, directly
(what the scheme knows) or as the person's scribe (``on_behalf``). Both people of the match
and its coordinators see every absence of the match.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from typing import Any, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from flask_babel import lazy_gettext as _l

from homeshare.absences.events import absence_recorded
from homeshare.absences.models import Absence
from homeshare.accounts.models import Account
from homeshare.audit import service as audit
from homeshare.behalf import service as behalf
from homeshare.behalf.models import Scope
from homeshare.behalf.service import Answerer
from homeshare.common.clock import utcnow
from homeshare.common.pagination import Page, paginate
from homeshare.common.roles import Role
from homeshare.errors import Conflict, NotFound, ValidationFailed
from homeshare.extensions import db
from homeshare.matching.models import LIVE_STATES, Match
from homeshare.notifications import kinds
from homeshare.notifications.service import coordinators_of, notify
from homeshare.schemes.models import Scheme

SCOPE = Scope.ANSWER_CHECKINS
"""What a representative's consent must cover to record the person's absences: they already
tell the scheme how the person is, in the check-ins."""

# The trail keeps the facts of an absence; the note is the person's own words, kept out.
RECORDED = audit.declare("absence.recorded", plain=("who", "kind", "first_day", "last_day"))
CHANGED = audit.declare("absence.changed", plain=("who", "kind", "first_day", "last_day"))
CANCELLED = audit.declare("absence.cancelled", plain=("cancelled_at",))
RECORDING, CHANGING, CANCELLING = "absence.recorded", "absence.changed", "absence.cancelled"


def absence_in(match: Match, absence_id: uuid.UUID) -> Absence:
    absence = db.session.get(Absence, absence_id)
    if absence is None or absence.match_id != match.id or absence.cancelled_at is not None:
        raise NotFound("No such absence.")
    return absence


def _recorder(actor: Account, match: Match, who: str, on_behalf: Mapping[str, Any] | None) -> Answerer | None:
    """Who records ``who``'s absence: None for a coordinator's own record; otherwise the
    person, their representative, or a coordinator as the person's scribe. A householder or a
    sharer records only their own (403 for the other side's)."""
    if actor.role is Role.COORDINATOR and on_behalf is None:
        return None
    return behalf.answerer(actor, match, on_behalf=on_behalf, scope=SCOPE, sides=(who,))


def _live(match: Match) -> None:
    if match.state not in LIVE_STATES:
        raise Conflict(f"This match is {match.state.value}; absences are recorded while it is in its trial, "
                       "active or in notice.", kind="match-not-live")


def _check(match: Match, values: Mapping[str, Any], *, absence_id: uuid.UUID) -> None:
    """The days: in order, not wholly before the match's trial, and not overlapping another
    absence of the same person in the match (409 ``absence-overlaps``)."""
    first, last = values["first_day"], values["last_day"]
    if last < first:
        raise ValidationFailed({"last_day": ["Must not be before first_day."]})
    if match.trial_started_on is not None and last < match.trial_started_on:
        raise ValidationFailed({"last_day": [f"The match started on {match.trial_started_on.isoformat()}."]})
    if match.ended_on is not None and first > match.ended_on:
        raise ValidationFailed({"first_day": [f"The match ends on {match.ended_on.isoformat()}."]})
    overlapping = db.session.scalars(sa.select(Absence).where(
        Absence.match_id == match.id, Absence.who == values["who"], Absence.cancelled_at.is_(None),
        Absence.id != absence_id, Absence.first_day <= last, Absence.last_day >= first)
        .order_by(Absence.first_day)).first()
    if overlapping is not None:
        raise Conflict(f"The {values['who']} is already away from {overlapping.first_day.isoformat()} to "
                       f"{overlapping.last_day.isoformat()}; change that absence instead.",
                       kind="absence-overlaps")


def _lock_match(match: Match) -> None:
    """Serialise writes to one match's absences, so that two overlapping ones sent at once are
    not both stored: a row lock on PostgreSQL; on SQLite, which locks the whole database for a
    writer, a write that changes nothing, taken before the overlap is looked for."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(sa.update(Match).where(Match.id == match.id).values(id=Match.id)
                           .execution_options(synchronize_session=False))
    else:
        db.session.execute(sa.select(Match.id).where(Match.id == match.id).with_for_update())


def _facts(absence: Absence) -> dict[str, Any]:
    return {"who": absence.who, "kind": absence.kind.value, "first_day": absence.first_day,
            "last_day": absence.last_day, "note": absence.note}


def _record(actor: Account, match: Match, absence: Absence, action: str, before: dict[str, Any] | None,
            after: dict[str, Any]) -> None:
    audit.record(actor_id=actor.id, scheme_id=match.scheme_id, action=action, target_type="absence",
                 target_id=absence.id, before=before, after=after)


AWAY_WORDS = {
    "householder": lambda days, first, last: _l(
        "The householder of a match is away for %(days)s days, from %(first)s to %(last)s.",
        days=days, first=first, last=last),
    "sharer": lambda days, first, last: _l(
        "The sharer of a match is away for %(days)s days, from %(first)s to %(last)s.",
        days=days, first=first, last=last),
}


def _follow_up(actor: Account, match: Match, absence: Absence) -> None:
    """What an absence recorded or changed sets off, in the same transaction: the packages
    above react (open check-ins inside it move), and a long one alerts the coordinators once."""
    absence_recorded.send(absence, match=match, actor=actor)
    scheme = db.session.get(Scheme, match.scheme_id)
    if absence.days > scheme.effective_settings["long_absence_alert_days"]:
        notify(kinds.LONG_ABSENCE.message(
                   coordinator, event=f"absence:{absence.id}:long", title=_l("A long absence"),
                   body=AWAY_WORDS[absence.who](absence.days, absence.first_day.isoformat(),
                                                absence.last_day.isoformat()),
                   data={"match_id": str(match.id), "absence_id": str(absence.id)})
               for coordinator in coordinators_of(match.scheme_id))


def record_absence(*, actor: Account, match: Match, absence_id: uuid.UUID, values: Mapping[str, Any],
                   on_behalf: Mapping[str, Any] | None = None) -> tuple[Absence, bool]:
    """Record an absence with the client's id, or recognise a repeat of it. Returns the
    absence and whether it was made. The same id with other content is 409 ``absence-id-reused``
    (change an absence with ``change_absence``)."""
    content = {name: values[name] for name in Absence.CONTENT}
    answerer = _recorder(actor, match, content["who"], on_behalf)
    existing = db.session.get(Absence, absence_id)
    if existing is not None:
        return _repeat(existing, match, content), False
    _live(match)
    _lock_match(match)
    _check(match, content, absence_id=absence_id)
    now = utcnow()
    absence = Absence(id=absence_id, match_id=match.id, person_id=getattr(match, f"{content['who']}_id"),
                      recorded_by_id=actor.id, created_at=now, updated_at=now, **content)
    try:
        db.session.add(absence)
        db.session.flush()
        _record(actor, match, absence, RECORDED, None, _facts(absence))
        if answerer is not None:
            behalf.record(answerer, scheme_id=match.scheme_id, action=RECORDING, target_type="absence",
                          target_id=absence.id)
        _follow_up(actor, match, absence)
        db.session.commit()
    except IntegrityError:  # the same absence sent twice at once
        db.session.rollback()
        existing = db.session.get(Absence, absence_id)
        if existing is None:
            raise
        return _repeat(existing, match, content), False
    return _attached(absence), True


def _repeat(existing: Absence, match: Match, content: Mapping[str, Any]) -> Absence:
    if existing.match_id == match.id and existing.cancelled_at is None and existing.content() == dict(content):
        return _attached(existing)
    raise Conflict("This absence id is already used for another absence; choose another, or change that one.",
                   kind="absence-id-reused")


def change_absence(*, actor: Account, match: Match, absence: Absence, changes: Mapping[str, Any],
                   on_behalf: Mapping[str, Any] | None = None) -> Absence:
    """Change the kind, days or note of an absence: by whoever may record that person's
    absences. The same checks as recording it; the same values change nothing."""
    answerer = _recorder(actor, match, absence.who, on_behalf)
    _live(match)
    content = {**absence.content(), **{name: value for name, value in changes.items() if name in Absence.CONTENT}}
    if content == absence.content():
        return _attached(absence)
    _lock_match(match)
    _check(match, content, absence_id=absence.id)
    before = _facts(absence)
    for name, value in content.items():
        setattr(absence, name, value)
    absence.updated_at = utcnow()
    _record(actor, match, absence, CHANGED, before, _facts(absence))
    if answerer is not None:
        behalf.record(answerer, scheme_id=match.scheme_id, action=CHANGING, target_type="absence",
                      target_id=absence.id)
    _follow_up(actor, match, absence)
    db.session.commit()
    return _attached(absence)


def cancel_absence(*, actor: Account, match: Match, absence_id: uuid.UUID) -> None:
    """Cancel an absence (it no longer counts): the person, their representative, or a
    coordinator. Cancelling one already cancelled changes nothing. Check-ins it moved stay
    where they are."""
    absence = db.session.get(Absence, absence_id)
    if absence is None or absence.match_id != match.id:
        raise NotFound("No such absence.")
    if absence.cancelled_at is not None:
        return
    answerer = _recorder(actor, match, absence.who, None)
    _live(match)
    absence.cancelled_at = absence.updated_at = utcnow()
    _record(actor, match, absence, CANCELLED, None, {"cancelled_at": absence.cancelled_at})
    if answerer is not None:
        behalf.record(answerer, scheme_id=match.scheme_id, action=CANCELLING, target_type="absence",
                      target_id=absence.id)
    db.session.commit()


def _attached(absence: Absence) -> Absence:
    return behalf.attach([absence], "absence")[0]


def absences_of(match: Match, *, page: int, per_page: int) -> Page[Absence]:
    """A page of the match's absences (not cancelled), soonest first, with what was done for
    someone (two statements and the count)."""
    statement = (sa.select(Absence).where(Absence.match_id == match.id, Absence.cancelled_at.is_(None))
                 .order_by(Absence.first_day, Absence.who, Absence.id))
    result = paginate(statement, page=page, per_page=per_page)
    behalf.attach(result.items, "absence")
    return result


# What the packages above read ------------------------------------------------------------------


def days_away(match_ids: Sequence[uuid.UUID] | sa.Select, first: date | None = None,
              last: date | None = None) -> dict[uuid.UUID, list[tuple[date, date]]]:
    """The (first, last) days of every absence (not cancelled) of each match, either person's,
    that touches [first, last] when given; one statement (``match_ids``: ids, or a select of them)."""
    statement = sa.select(Absence.match_id, Absence.first_day, Absence.last_day).where(
        Absence.match_id.in_(match_ids), Absence.cancelled_at.is_(None))
    if first is not None:
        statement = statement.where(Absence.last_day >= first)
    if last is not None:
        statement = statement.where(Absence.first_day <= last)
    found: dict[uuid.UUID, list[tuple[date, date]]] = defaultdict(list)
    for match_id, first_day, last_day in db.session.execute(statement):
        found[match_id].append((first_day, last_day))
    return found
