"""Concern rules: who may raise one, who sees what, and how it is worked through."""

from __future__ import annotations

import uuid
from typing import Any, Mapping

import sqlalchemy as sa

from flask_babel import lazy_gettext as _l

from homeshare.accounts.models import Account
from homeshare.audit import service as audit
from homeshare.behalf import service as behalf
from homeshare.behalf.models import Scope
from homeshare.behalf.service import Answerer
from homeshare.common.roles import MEMBER_ROLES, Role
from homeshare.common.clock import utcnow
from homeshare.common.pagination import Page, paginate
from homeshare.concerns.models import Category, Concern, ConcernNote, ConcernStatus, Severity
from homeshare.errors import Conflict, ValidationFailed
from homeshare.extensions import db
from homeshare.matching.models import Match
from homeshare.notifications import kinds
from homeshare.notifications.kinds import Text
from homeshare.notifications.service import coordinators_of, notify


def _raiser(actor: Account, values: Mapping[str, Any]) -> tuple[Account, Answerer | None]:
    """Whose concern it is, as far as what it may be about goes: the caller's own, or, for a
    representative, that of the person they raise it for (within their scope)."""
    if actor.role is not Role.REPRESENTATIVE:
        if values.get("on_behalf") is not None:
            raise ValidationFailed({"on_behalf": ["Only a representative raises a concern for someone."]})
        return actor, None
    match = db.session.get(Match, values["match_id"]) if values.get("match_id") else None
    named = (values.get("on_behalf") or {}).get("person_id")
    candidates = [named] if named else ([match.householder_id, match.sharer_id] if match else [])
    if match is not None:
        candidates = [person for person in candidates if match.side_of(person) is not None]
    links = behalf.live_representations(actor.id, candidates, (Scope.RAISE_CONCERNS,))
    if len(links) != 1:
        field = "match_id" if match is not None and not named else "on_behalf"
        message = ("You represent both people of this match: name the one you raise it for." if len(links) > 1
                   else "No match or person of someone you represent and may raise concerns for.")
        raise ValidationFailed({field: [message]})
    person = db.session.get(Account, links[0].person_id)
    return person, behalf.proxy(actor, person.id, person.role.value)


def _reachable_match(actor: Account, match_id: uuid.UUID | None) -> Match | None:
    if match_id is None:
        return None
    match = db.session.get(Match, match_id)
    if match is None or match.scheme_id != actor.scheme_id:
        raise ValidationFailed({"match_id": ["No such match of yours."]})
    if actor.role is not Role.COORDINATOR and match.side_of(actor.id) is None:
        raise ValidationFailed({"match_id": ["No such match of yours."]})
    return match


def _reachable_person(actor: Account, match: Match | None, person_id: uuid.UUID | None,
                      represented: bool = False) -> Account | None:
    """Concerns are about householders and sharers (and, for coordinators, representatives):
    of the actor's own matches for them, of the scheme for coordinators, and of the given match
    when there is one. A representative may raise one about the person they represent."""
    if person_id is None:
        return None
    person = db.session.get(Account, person_id)
    about_roles = (*MEMBER_ROLES, Role.REPRESENTATIVE) if actor.role is Role.COORDINATOR else MEMBER_ROLES
    allowed = (person is not None and person.scheme_id == actor.scheme_id and person.role in about_roles
               and (person.id != actor.id or represented))
    if allowed and match is not None:
        allowed = match.side_of(person.id) is not None
    if allowed and actor.role is not Role.COORDINATOR and person.id != actor.id:
        # A householder or sharer raises concerns about the other person of one of their matches.
        allowed = db.session.scalar(sa.select(sa.func.count()).select_from(Match).where(
            sa.or_(sa.and_(Match.householder_id == actor.id, Match.sharer_id == person_id),
                   sa.and_(Match.sharer_id == actor.id, Match.householder_id == person_id)))) > 0
    if not allowed:
        raise ValidationFailed({"person_id": ["No such person you can raise a concern about."]})
    return person


# The trail says what happened to a concern and who did it; the outcome and the notes are words
# about people, kept in the concern itself (safeguarding records), never in the trail.
RAISED = audit.declare("concern.raised", plain=("category", "severity"))
ACKNOWLEDGED = audit.declare("concern.acknowledged", plain=("status",))
RESOLVED = audit.declare("concern.resolved", plain=("status",))
NOTE_ADDED = audit.declare("concern.note_added", plain=("note_id",))


def _record(actor: Account, concern: Concern, action: str, before: dict[str, Any] | None,
            after: dict[str, Any]) -> None:
    audit.record(actor_id=actor.id, scheme_id=concern.scheme_id, action=action, target_type="concern",
                 target_id=concern.id, before=before, after=after)


def raise_concern(*, actor: Account, values: Mapping[str, Any]) -> Concern:
    """A householder, sharer or coordinator raises a concern; a representative raises one for
    the person they represent (recorded as raised for them)."""
    raiser, answerer = _raiser(actor, values)
    match = _reachable_match(raiser, values.get("match_id"))
    person = _reachable_person(raiser, match, values.get("person_id"), represented=answerer is not None)
    concern = Concern(
        scheme_id=actor.scheme_id, match_id=match.id if match else None, about_id=person.id if person else None,
        raised_by_id=actor.id, raised_by_role=actor.role.value, category=values["category"],
        severity=values["severity"], description=values["description"], status=ConcernStatus.OPEN,
        created_at=utcnow(),
    )
    db.session.add(concern)
    db.session.flush()
    if answerer is not None:
        behalf.record(answerer, scheme_id=concern.scheme_id, action="concern.raised", target_type="concern",
                      target_id=concern.id)
    if actor.role is Role.COORDINATOR:
        # Only a coordinator's: a householder's or sharer's event would name them as the raiser,
        # whom erasure detaches from the concern.
        _record(actor, concern, RAISED, None, {"category": concern.category.value,
                                               "severity": concern.severity.value, "description": concern.description})
    if concern.severity is Severity.URGENT:
        notify(kinds.URGENT_CONCERN.message(
                   coordinator, event=f"concern:{concern.id}:urgent", title=_l("Urgent concern raised"),
                   body=_l("An urgent %(category)s concern was raised. Please look at it now.",
                           category=CATEGORY_NAMES[concern.category]),
                   data={"concern_id": str(concern.id)})
               for coordinator in coordinators_of(actor.scheme_id))
    db.session.commit()
    return concern


def list_concerns(*, scheme_id: uuid.UUID, status, severity, category, page: int, per_page: int) -> Page[Concern]:
    statement = sa.select(Concern).where(Concern.scheme_id == scheme_id)
    for column, value in ((Concern.status, status), (Concern.severity, severity), (Concern.category, category)):
        if value is not None:
            statement = statement.where(column == value)
    severity_first = sa.case({Severity.URGENT.value: 0, Severity.MEDIUM.value: 1}, value=Concern.severity, else_=2)
    result = paginate(statement.order_by(severity_first, Concern.created_at.desc(), Concern.id),
                      page=page, per_page=per_page)
    behalf.attach(result.items, "concern")
    return result


def raised_by(actor: Account, *, page: int, per_page: int) -> Page[Concern]:
    statement = sa.select(Concern).where(Concern.raised_by_id == actor.id).order_by(Concern.created_at.desc(), Concern.id)
    result = paginate(statement, page=page, per_page=per_page)
    behalf.attach(result.items, "concern")
    return result


CATEGORY_NAMES = {
    Category.SAFEGUARDING: _l("safeguarding"), Category.WELLBEING: _l("wellbeing"), Category.HOME: _l("home"),
    Category.HOURS: _l("hours"), Category.MONEY: _l("money"), Category.OTHER: _l("other"),
}


def acknowledge(*, actor: Account, concern: Concern) -> Concern:
    if concern.status is ConcernStatus.RESOLVED:
        raise Conflict("This concern is resolved.", kind="concern-resolved")
    if concern.status is ConcernStatus.OPEN:
        concern.status, concern.acknowledged_at = ConcernStatus.ACKNOWLEDGED, utcnow()
        _record(actor, concern, ACKNOWLEDGED, {"status": ConcernStatus.OPEN.value}, {"status": concern.status.value})
        _tell_raiser(actor, concern, kinds.CONCERN_ACKNOWLEDGED, _l("Your concern is being looked at"),
                     _l("Your coordinator has seen the concern you raised and is looking at it."))
        db.session.commit()
    return concern


def resolve(*, actor: Account, concern: Concern, outcome: str) -> Concern:
    if concern.status is ConcernStatus.RESOLVED:
        if concern.outcome == outcome:
            return concern
        raise Conflict("This concern is already resolved with another outcome.", kind="concern-resolved")
    now = utcnow()
    before = {"status": concern.status.value, "outcome": concern.outcome}
    concern.acknowledged_at = concern.acknowledged_at or now
    concern.status, concern.outcome, concern.resolved_at = ConcernStatus.RESOLVED, outcome, now
    _record(actor, concern, RESOLVED, before, {"status": concern.status.value, "outcome": outcome})
    _tell_raiser(actor, concern, kinds.CONCERN_RESOLVED, _l("Your concern is resolved"),
                 _l("Your coordinator has resolved the concern you raised. Ask them if you would like to know more."))
    db.session.commit()
    return concern


def _tell_raiser(actor: Account, concern: Concern, kind: kinds.Kind, title: Text, body: Text) -> None:
    """The person who raised the concern (and so their representatives) hears of it once; not
    the coordinator who raised it and acts on it, nor anyone once the raiser is erased. Fixed
    words only: the outcome is the coordinator's note."""
    if concern.raised_by_id is None or concern.raised_by_id == actor.id or concern.raiser_erased:
        return
    notify([kind.message(concern.raised_by_id, event=f"concern:{concern.id}:{kind.name}", title=title, body=body,
                         data={"concern_id": str(concern.id)})])


def add_note(*, actor: Account, concern: Concern, body: str) -> ConcernNote:
    note = ConcernNote(id=uuid.uuid4(), concern_id=concern.id, author_id=actor.id, body=body, created_at=utcnow())
    db.session.add(note)
    _record(actor, concern, NOTE_ADDED, None, {"note_id": note.id})
    db.session.commit()
    return note
