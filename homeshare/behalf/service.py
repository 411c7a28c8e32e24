"""Who answers for a side of a match, and the record that someone answered for a person.

A householder or sharer answers for themselves. A coordinator answers for them only as their
scribe: the person gave their view (in person, by phone, on paper, through a representative)
and the coordinator records it, saying how and when; a person who has the app must have agreed
to that first. A representative answers within the scope the person consented to. Whatever is
done for someone is kept as a ``BehalfRecord`` beside the record it made, and in the audit trail.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from homeshare.accounts import service as accounts
from homeshare.accounts.models import Account
from homeshare.audit import service as audit
from homeshare.behalf.models import BehalfRecord, GivenAs, How, Relationship, Representation, Representative, Scope
from homeshare.common.clock import utcnow
from homeshare.common.db import among
from homeshare.common.pagination import Page, paginate
from homeshare.common.roles import MEMBER_ROLES, Role
from homeshare.errors import Conflict, Forbidden, NotFound, ValidationFailed
from homeshare.extensions import db
from homeshare.notifications.service import Message
from homeshare.profiles.models import Profile
from homeshare.schemes.models import Scheme

SIDES = ("householder", "sharer")


@dataclass(frozen=True)
class Answerer:
    """Who answers for one side of a match in a request."""

    actor: Account  # who sent the request
    person_id: uuid.UUID  # whose answer it is
    side: str
    given_as: GivenAs
    how: How | None = None
    given_at: datetime | None = None

    @property
    def for_someone(self) -> bool:
        return self.given_as is not GivenAs.SELF


def _side_of(match: Any, person_id: uuid.UUID) -> str | None:
    if match.householder_id == person_id:
        return "householder"
    if match.sharer_id == person_id:
        return "sharer"
    return None


def live_representations(representative_id: uuid.UUID, person_ids: Iterable[uuid.UUID],
                         scopes: Sequence[Scope] = ()) -> list[Representation]:
    """The representative's live links to any of ``person_ids`` that cover any of ``scopes``
    (whatever their scope when none is named)."""
    links = db.session.scalars(sa.select(Representation).where(
        Representation.representative_id == representative_id, Representation.person_id.in_(list(person_ids)),
        Representation.ended_at.is_(None)))
    return [link for link in links if not scopes or link.allows(*scopes)]


def represents(representative: Account, person_ids: Iterable[uuid.UUID], scopes: Sequence[Scope] = ()) -> bool:
    """Whether ``representative`` stands for any of ``person_ids`` now, within any of ``scopes``
    (any scope when none is named): what the authorisation gate asks for each request."""
    return bool(live_representations(representative.id, person_ids, scopes))


def proxy(actor: Account, person_id: uuid.UUID, side: str) -> Answerer:
    """A representative answering for ``person_id``, on ``side``, now."""
    return Answerer(actor=actor, person_id=person_id, side=side, given_as=GivenAs.PROXY, given_at=utcnow())


def answerer(actor: Account, match: Any, *, on_behalf: Mapping[str, Any] | None, scope: Scope | None,
             sides: Sequence[str] = SIDES) -> Answerer:
    """Who answers for which side of ``match`` in this request, or the refusal.

    ``on_behalf`` is the request's ``on_behalf`` object (person_id, how, given_at); ``scope`` what
    a representative needs for the step (None where representatives may not take it); ``sides``
    the sides the step belongs to (confirming hours is the householder's).
    """
    if actor.role in MEMBER_ROLES:
        if on_behalf is not None:
            raise ValidationFailed({"on_behalf": ["You answer for yourself; leave this out."]})
        side = _side_of(match, actor.id)
        if side not in sides:
            raise Forbidden(f"This is for the match's {' or '.join(sides)}.")
        return Answerer(actor=actor, person_id=actor.id, side=side, given_as=GivenAs.SELF)
    if actor.role is Role.COORDINATOR:
        return _coordinator(actor, match, on_behalf, sides)
    if actor.role is Role.REPRESENTATIVE and scope is not None:
        return _representative(actor, match, on_behalf, scope, sides)
    raise Forbidden("Your role does not allow this.")


def _coordinator(actor: Account, match: Any, on_behalf: Mapping[str, Any] | None, sides: Sequence[str]) -> Answerer:
    if on_behalf is None:
        raise ValidationFailed({"on_behalf": ["Say whose view you record, how and when they gave it."]})
    errors: dict[str, list[str]] = {}
    person_id = on_behalf.get("person_id")
    side = _side_of(match, person_id) if person_id else None
    if side not in sides:
        errors["person_id"] = [f"Must be the match's {' or '.join(sides)}."]
    for name in ("how", "given_at"):
        if on_behalf.get(name) is None:
            errors[name] = ["Required when a coordinator records someone's view."]
    given_at = on_behalf.get("given_at")
    if given_at is not None and given_at > utcnow():
        errors["given_at"] = ["Cannot be in the future."]
    if errors:
        raise ValidationFailed({"on_behalf": errors})
    person = db.session.get(Account, person_id)
    if not person.may_be_acted_for:
        raise Conflict("This person uses the app and has not agreed that their coordinator answers for them.",
                       kind="not-acted-for")
    return Answerer(actor=actor, person_id=person_id, side=side, given_as=GivenAs.ON_BEHALF,
                    how=on_behalf["how"], given_at=given_at)


def _representative(actor: Account, match: Any, on_behalf: Mapping[str, Any] | None, scope: Scope,
                    sides: Sequence[str]) -> Answerer:
    wanted = [getattr(match, f"{side}_id") for side in sides]
    if on_behalf is not None:
        if set(on_behalf) - {"person_id"}:
            raise ValidationFailed({"on_behalf": ["A representative names only the person (person_id)."]})
        wanted = [person for person in wanted if person == on_behalf.get("person_id")]
    links = live_representations(actor.id, wanted, (scope,))
    if not links:
        raise Forbidden("Your representation does not cover this.")
    if len(links) > 1:
        raise ValidationFailed({"on_behalf": {"person_id": ["You represent both people: say for whom you answer."]}})
    person_id = links[0].person_id
    return proxy(actor, person_id, _side_of(match, person_id))


def side_seen_by(actor: Account, match: Any, scopes: Sequence[Scope]) -> str:
    """The side of ``match`` whose view ``actor`` reads: their own, or the person's they represent."""
    if actor.role is Role.REPRESENTATIVE:
        links = live_representations(actor.id, (match.householder_id, match.sharer_id), scopes)
        if not links:
            raise Forbidden("Your representation does not cover this.")
        return _side_of(match, links[0].person_id)
    return _side_of(match, actor.id)


# What was done for someone ----------------------------------------------------------------------

RECORDED = audit.declare("behalf.recorded", plain=("action", "person_id", "side", "given_as", "how", "given_at"))


def record(answerer: Answerer, *, scheme_id: uuid.UUID, action: str, target_type: str,
           target_id: uuid.UUID) -> None:
    """Keep that ``answerer`` did ``action`` for someone (nothing when the person did it
    themselves), beside the record and in the audit trail; the caller commits."""
    if not answerer.for_someone:
        return
    now = utcnow()
    db.session.add(BehalfRecord(
        scheme_id=scheme_id, person_id=answerer.person_id, side=answerer.side, recorded_by_id=answerer.actor.id,
        given_as=answerer.given_as, how=answerer.how, given_at=answerer.given_at or now, action=action,
        target_type=target_type, target_id=target_id, created_at=now))
    audit.record(actor_id=answerer.actor.id, scheme_id=scheme_id, action=RECORDED, target_type=target_type,
                 target_id=target_id, after={
                     "action": action, "person_id": answerer.person_id, "side": answerer.side,
                     "given_as": answerer.given_as.value, "how": answerer.how.value if answerer.how else None,
                     "given_at": answerer.given_at or now})


def refuse_both_sides(answerer: Answerer, *, actions: Sequence[str], target_type: str,
                      target_ids: Sequence[uuid.UUID]) -> None:
    """One person may not stand for both sides of one decision: a coordinator who recorded the
    sharer's hours for the sharer does not confirm them for the householder."""
    if not answerer.for_someone or not target_ids:
        return
    other_side = db.session.scalar(sa.select(sa.func.count()).select_from(BehalfRecord).where(
        BehalfRecord.recorded_by_id == answerer.actor.id, BehalfRecord.target_type == target_type,
        BehalfRecord.target_id.in_(list(target_ids)), BehalfRecord.action.in_(list(actions)),
        BehalfRecord.person_id != answerer.person_id))
    if other_side:
        raise Conflict("You answered for the other side of this; someone else must answer for this side.",
                       kind="both-sides")


def records_for(target_type: str, target_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[BehalfRecord]]:
    """The records of what was done for someone about each of ``target_ids``, in one statement."""
    ids = list(target_ids)
    found: dict[uuid.UUID, list[BehalfRecord]] = defaultdict(list)
    if ids:
        for item in db.session.scalars(sa.select(BehalfRecord).where(
                BehalfRecord.target_type == target_type, BehalfRecord.target_id.in_(ids))
                .order_by(BehalfRecord.created_at, BehalfRecord.id)):
            found[item.target_id].append(item)
    return found


def attach(objects: Sequence[Any], target_type: str) -> Sequence[Any]:
    """Set ``on_behalf`` on each of ``objects`` (which have an ``id``) for its response."""
    found = records_for(target_type, (item.id for item in objects))
    for item in objects:
        item.on_behalf = found.get(item.id, [])
    return objects


# A person's agreement that their coordinator answers for them ------------------------------------

AGREEMENT_CHANGED = audit.declare("behalf.agreement_changed", plain=("behalf_agreed_on",))


def set_agreement(*, actor: Account, person: Account, agreed_on: date | None) -> Account:
    if person.behalf_agreed_on != agreed_on:
        audit.record(actor_id=actor.id, scheme_id=person.scheme_id, action=AGREEMENT_CHANGED, target_type="account",
                     target_id=person.id, before={"behalf_agreed_on": person.behalf_agreed_on},
                     after={"behalf_agreed_on": agreed_on})
        person.behalf_agreed_on = agreed_on
    db.session.commit()
    return person


# Representatives ------------------------------------------------------------------------------

LINKED = audit.declare("representative.linked", plain=("person_id", "representative_id", "relationship",
                                                      "consent_on", "consent_how", "scopes"))
CHANGED = audit.declare("representative.changed", plain=("relationship", "scopes"))
REMOVED = audit.declare("representative.removed", plain=("ended_at",))


def _record_link(actor: Account, link: Representation, action: str, before: dict | None, after: dict) -> None:
    audit.record(actor_id=actor.id, scheme_id=link.scheme_id, action=action, target_type="representation",
                 target_id=link.id, before=before, after=after)


def _scopes(values: Iterable[Scope]) -> list[str]:
    return sorted({scope.value for scope in values})


def link(*, actor: Account, person: Account, values: Mapping[str, Any]) -> tuple[Representation, bool]:
    """Link a representative to ``person``: an existing one of the scheme (``representative_id``)
    or a new one without a login (``representative``: name and contact). Safe to repeat with the
    same ``representation_id``. Returns the link and whether it was made."""
    link_id = values.get("representation_id")
    if link_id is not None:
        existing = db.session.get(Representation, link_id)
        if existing is not None:
            if existing.person_id == person.id and existing.scheme_id == person.scheme_id:
                return existing, False
            raise Conflict("This id is already used; choose another.", kind="id-reused")
    if values.get("consent_how") is How.THROUGH_REPRESENTATIVE:
        raise ValidationFailed({"consent_how": ["The person's own consent: in person, by phone or on paper."]})
    scheme = db.session.get(Scheme, person.scheme_id)
    representative = _representative_for(person, values)
    if representative.id == person.id:
        raise ValidationFailed({"representative_id": ["A person does not represent themselves."]})
    if live_representations(representative.id, [person.id]):
        raise Conflict("This representative already represents this person; change the scope instead.",
                       kind="already-linked")
    now = utcnow()
    found = Representation(
        id=link_id or uuid.uuid4(), scheme_id=scheme.id, representative_id=representative.id, person_id=person.id,
        relationship=values["relationship"], consent_on=values["consent_on"], consent_how=values["consent_how"],
        scopes=_scopes(values["scopes"]), created_by_id=actor.id, created_at=now, updated_at=now)
    db.session.add(found)
    _record_link(actor, found, LINKED, None, {
        "person_id": person.id, "representative_id": representative.id, "relationship": found.relationship.value,
        "consent_on": found.consent_on, "consent_how": found.consent_how.value, "scopes": found.scopes})
    try:
        db.session.commit()
    except IntegrityError:  # the same link sent twice at once
        db.session.rollback()
        if link_id is None:
            raise
        return link(actor=actor, person=person, values=values)
    return found, True


def _representative_for(person: Account, values: Mapping[str, Any]) -> Account:
    if (values.get("representative_id") is None) == (values.get("representative") is None):
        raise ValidationFailed({"representative": ["Give either representative_id or a new representative."]})
    if values.get("representative_id") is not None:
        found = db.session.get(Account, values["representative_id"])
        if found is None or found.role is not Role.REPRESENTATIVE or found.scheme_id != person.scheme_id:
            raise ValidationFailed({"representative_id": ["No such representative in this scheme."]})
        return found
    details = values["representative"]
    account = accounts.add_without_login(scheme=db.session.get(Scheme, person.scheme_id), role=Role.REPRESENTATIVE)
    db.session.add(Representative(account_id=account.id, full_name=details["full_name"], phone=details.get("phone"),
                                  contact_email=details.get("contact_email"), created_at=utcnow()))
    return account


def change(*, actor: Account, link: Representation, values: Mapping[str, Any]) -> Representation:
    """Change the scope or the relationship; a narrower scope holds from the next request."""
    if link.ended_at is not None:
        raise Conflict("This representative was removed.", kind="representation-ended")
    after = {"relationship": values.get("relationship", link.relationship),
             "scopes": _scopes(values["scopes"]) if "scopes" in values else link.scopes}
    before = {"relationship": link.relationship, "scopes": link.scopes}
    if after != before:
        link.relationship, link.scopes, link.updated_at = after["relationship"], after["scopes"], utcnow()
        _record_link(actor, link, CHANGED, {**before, "relationship": before["relationship"].value},
                     {**after, "relationship": after["relationship"].value})
    db.session.commit()
    return link


def remove(*, actor: Account, link: Representation) -> None:
    """End the link: the representative loses this person at their next request."""
    if link.ended_at is None:
        link.ended_at = link.updated_at = utcnow()
        _record_link(actor, link, REMOVED, None, {"ended_at": link.ended_at})
    db.session.commit()


def representatives_of(person: Account, *, page: int, per_page: int) -> Page[Representation]:
    statement = (sa.select(Representation).where(Representation.person_id == person.id)
                 .order_by(Representation.ended_at.is_not(None), Representation.created_at, Representation.id))
    result = paginate(statement, page=page, per_page=per_page)
    with_people(result.items)
    return result


def represented_by(representative: Account, *, page: int, per_page: int) -> Page[Representation]:
    statement = (sa.select(Representation).where(Representation.representative_id == representative.id,
                                                 Representation.ended_at.is_(None))
                 .order_by(Representation.created_at, Representation.id))
    result = paginate(statement, page=page, per_page=per_page)
    with_people(result.items)
    return result


def with_people(links: Sequence[Representation]) -> None:
    """Each link's two accounts, the person's name and the representative's details, in three
    statements."""
    ids = {link.person_id for link in links} | {link.representative_id for link in links}
    people = {account.id: account for account in db.session.scalars(sa.select(Account).where(Account.id.in_(ids)))}
    details = {found.account_id: found for found in db.session.scalars(
        sa.select(Representative).where(Representative.account_id.in_(ids)))}
    names = {row.account_id: row for row in db.session.execute(
        sa.select(Profile.account_id, Profile.first_name, Profile.last_name).where(Profile.account_id.in_(ids)))}
    for item in links:
        item.person = people[item.person_id]
        name = names.get(item.person_id)
        item.first_name, item.last_name = (name.first_name, name.last_name) if name else (None, None)
        item.representative = people[item.representative_id]
        item.representative_details = details.get(item.representative_id)


def get_link(link_id: uuid.UUID) -> Representation | None:
    return db.session.get(Representation, link_id)


def represented_person(representative: Account, person_id: uuid.UUID, scopes: Sequence[Scope] = ()) -> Account:
    if not represents(representative, [person_id], scopes):
        raise NotFound("No such person you represent.")
    return db.session.get(Account, person_id)


# What representatives are told -------------------------------------------------------------------


def copies_for_representatives(messages: Sequence[Message]) -> list[Message]:
    """``notifications.events.addressing``: each message to a person also goes to their
    representatives who receive their notifications (one statement for all the messages)."""
    people = {message.account_id for message in messages}
    links = db.session.scalars(sa.select(Representation).where(
        among(Representation.person_id, people), Representation.ended_at.is_(None))).all()
    listening: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for found in links:
        if found.allows(Scope.RECEIVE_NOTIFICATIONS):
            listening[found.person_id].append(found.representative_id)
    return [
        Message(account_id=representative, kind=message.kind, title=message.title, body=message.body,
                dedupe_key=f"{message.dedupe_key}:representative:{representative}"[:200],
                data={**(message.data or {}), "for_person_id": str(message.account_id)})
        for message in messages for representative in listening.get(message.account_id, ())
    ]
