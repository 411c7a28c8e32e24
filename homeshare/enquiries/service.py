"""Enquiry rules: recording one (by a coordinator or from the scheme's website), its stages,
and turning it into a person the scheme manages.

Stages only move forward (enquiry, application, assessment, approved), possibly skipping one;
any open stage may be closed instead, with a reason. Each stage keeps the day it was reached,
never in the future nor before the day of the stage before it. Reaching the stage an enquiry is
already in changes nothing, so a retried request does no harm.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import date, timedelta
from typing import Any, Mapping

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from flask_babel import lazy_gettext as _l

from homeshare.accounts.models import Account
from homeshare.accounts.throttling import normalise_contact
from homeshare.audit import service as audit
from homeshare.common.clock import local_today, utcnow
from homeshare.common.pagination import Page, paginate
from homeshare.common.roles import Role
from homeshare.enquiries.models import (
    OPEN_STAGES, REPEAT_MINUTES, STAGE_DATES, ClosedReason, Enquiry, Seeking, Source, Stage, allowed_next,
)
from homeshare.errors import Conflict, NotFound, ValidationFailed
from homeshare.extensions import db
from homeshare.notifications import kinds
from homeshare.notifications.service import coordinators_of, notify
from homeshare.profiles import service as profiles
from homeshare.profiles.models import Profile
from homeshare.profiles.schemas import ProfileUpdateSchema
from homeshare.schemes.models import Scheme
from homeshare.schemes.service import find_by_slug

# The trail says what happened to an enquiry; names, contacts and notes stay in the enquiry.
RECORDED = audit.declare("enquiry.recorded", plain=("seeking", "source", "stage", "enquiry_on", "owner_id"))
RECEIVED = audit.declare("enquiry.received", plain=("seeking", "source", "stage", "enquiry_on"))
UPDATED = audit.declare("enquiry.updated", plain=("seeking", "source", "owner_id"))
STAGE_MOVED = audit.declare("enquiry.stage_moved", plain=("stage", "closed_reason", "on"))
CONVERTED = audit.declare("enquiry.converted", plain=("person_id",))


def _record(actor_id, enquiry: Enquiry, action: str, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    audit.record(actor_id=actor_id, scheme_id=enquiry.scheme_id, action=action, target_type="enquiry",
                 target_id=enquiry.id, before=before, after=after)


def _owner(scheme: Scheme, owner_id: uuid.UUID | None) -> uuid.UUID | None:
    if owner_id is None:
        return None
    owner = db.session.get(Account, owner_id)
    if owner is None or owner.role is not Role.COORDINATOR or owner.scheme_id != scheme.id or not owner.is_active:
        raise ValidationFailed({"owner_id": ["No such coordinator of this scheme."]})
    return owner.id


def _day(scheme: Scheme, day: date | None, field: str = "on") -> date:
    today = local_today(scheme.timezone)
    if day is None:
        return today
    if day > today:
        raise ValidationFailed({field: ["Must not be after today in the scheme's time zone."]})
    return day


# Recording -----------------------------------------------------------------------------------


def record(*, actor: Account, scheme: Scheme, values: Mapping[str, Any]) -> tuple[Enquiry, bool]:
    """Record an enquiry a coordinator took; the owner is the caller unless another coordinator
    of the scheme is named. The same enquiry (name, contact, seeking, source and day) recorded in
    the scheme within the last ``REPEAT_MINUTES`` is taken as a retry: returns it, and False."""
    owner_id = _owner(scheme, values["owner_id"]) if "owner_id" in values else actor.id
    enquiry_on = _day(scheme, values.get("enquiry_on"), "enquiry_on")
    repeat = db.session.scalars(sa.select(Enquiry).where(
        Enquiry.scheme_id == scheme.id, Enquiry.name == values["name"], Enquiry.contact == values["contact"],
        Enquiry.seeking == values["seeking"], Enquiry.source == values["source"], Enquiry.enquiry_on == enquiry_on,
        Enquiry.created_at >= utcnow() - timedelta(minutes=REPEAT_MINUTES)).order_by(Enquiry.created_at)).first()
    if repeat is not None:
        return repeat, False
    enquiry = Enquiry(id=uuid.uuid4(), scheme_id=scheme.id, name=values["name"], contact=values["contact"],
                      contact_name=values.get("contact_name"), seeking=values["seeking"], source=values["source"],
                      notes=values.get("notes"), owner_id=owner_id, stage=Stage.ENQUIRY, enquiry_on=enquiry_on)
    db.session.add(enquiry)
    _record(actor.id, enquiry, RECORDED, None, _facts(enquiry))
    db.session.commit()
    return enquiry, True


def _facts(enquiry: Enquiry) -> dict[str, Any]:
    return {"seeking": enquiry.seeking.value, "source": enquiry.source.value, "stage": enquiry.stage.value,
            "enquiry_on": enquiry.enquiry_on, "owner_id": enquiry.owner_id, "name": enquiry.name,
            "contact": enquiry.contact, "contact_name": enquiry.contact_name, "notes": enquiry.notes}


def _repeat_key(scheme: Scheme, contact: str, name: str, day: date) -> str:
    text = f"{scheme.id}|{normalise_contact(contact)}|{' '.join(name.casefold().split())}|{day.isoformat()}"
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def scheme_for_form(slug: str) -> Scheme:
    """The scheme whose website form this is (schemes are public); 404 when there is none."""
    scheme = find_by_slug(slug) if len(slug) <= 50 else None
    if scheme is None:
        raise NotFound("No such scheme.")
    return scheme


def receive(*, scheme: Scheme, values: Mapping[str, Any]) -> None:
    """An enquiry sent with the scheme's website form: no owner until a coordinator takes it,
    and each coordinator of the scheme is told. Says nothing back, whatever happened: a filled
    honeypot (``website``) stores nothing, and the same contact and name again the same day (in
    the scheme's time zone) is the same enquiry."""
    if values.get("website"):
        return
    today = local_today(scheme.timezone)
    key = _repeat_key(scheme, values["contact"], values["name"], today)
    if db.session.scalar(sa.select(Enquiry.id).where(Enquiry.scheme_id == scheme.id, Enquiry.repeat_key == key)):
        return
    enquiry = Enquiry(id=uuid.uuid4(), scheme_id=scheme.id, name=values["name"], contact=values["contact"],
                      seeking=values["seeking"], source=Source.WEBSITE, notes=values.get("message"),
                      owner_id=None, stage=Stage.ENQUIRY, enquiry_on=today, repeat_key=key)
    facts = _facts(enquiry)
    del facts["owner_id"]
    try:
        db.session.add(enquiry)
        db.session.flush()
        _record(None, enquiry, RECEIVED, None, facts)
        notify(kinds.ENQUIRY_RECEIVED.message(
            coordinator, title=_l("A new enquiry"),
            body=(_l("Someone asked about becoming a householder through the website.")
                  if enquiry.seeking is Seeking.HOUSEHOLDER
                  else _l("Someone asked about becoming a sharer through the website.")),
            event=f"enquiry:{enquiry.id}:received", data={"enquiry_id": str(enquiry.id)},
        ) for coordinator in coordinators_of(scheme.id))
        db.session.commit()
    except IntegrityError:  # the same form, sent twice at once: the other one stored it
        db.session.rollback()


# Reading ---------------------------------------------------------------------------------------


def waiting_since(scheme: Scheme) -> date:
    """Open enquiries whose stage was reached before this day are waiting too long."""
    return local_today(scheme.timezone) - timedelta(days=scheme.effective_settings["enquiry_waiting_days"])


def latest_on_expression() -> sa.ColumnElement:
    """The day of the stage an enquiry is in, in SQL."""
    return sa.case(*((Enquiry.stage == stage, getattr(Enquiry, column)) for stage, column in STAGE_DATES.items()))


def waiting(scheme: Scheme) -> sa.Select:
    """The scheme's open enquiries that have stayed in their stage longer than its
    ``enquiry_waiting_days``."""
    return waiting_before(scheme.id, waiting_since(scheme))


def waiting_before(scheme_id: uuid.UUID | sa.ColumnElement, since: date | sa.ColumnElement) -> sa.Select:
    """The scheme's open enquiries whose stage was reached before ``since`` (``waiting``); the
    values may be bound parameters, for a statement built once and run for any scheme and day."""
    return sa.select(Enquiry).where(Enquiry.scheme_id == scheme_id, Enquiry.stage.in_(OPEN_STAGES),
                                    latest_on_expression() < since)


def list_enquiries(*, scheme: Scheme, stage: Stage | None, owner_id: uuid.UUID | None, waiting_only: bool,
                   page: int, per_page: int) -> Page[Enquiry]:
    statement = waiting(scheme) if waiting_only else sa.select(Enquiry).where(Enquiry.scheme_id == scheme.id)
    if stage is not None:
        statement = statement.where(Enquiry.stage == stage)
    if owner_id is not None:
        statement = statement.where(Enquiry.owner_id == owner_id)
    return paginate(statement.order_by(Enquiry.enquiry_on.desc(), Enquiry.created_at.desc(), Enquiry.id),
                    page=page, per_page=per_page)


# Changing ---------------------------------------------------------------------------------------


def update(*, actor: Account, enquiry: Enquiry, changes: Mapping[str, Any]) -> Enquiry:
    """Change what is known about the enquiry: only the fields given."""
    scheme = db.session.get(Scheme, enquiry.scheme_id)
    if "owner_id" in changes:
        changes = {**changes, "owner_id": _owner(scheme, changes["owner_id"])}
    before = {key: _plain(getattr(enquiry, key)) for key in changes}
    for key, value in changes.items():
        setattr(enquiry, key, value)
    after = {key: _plain(getattr(enquiry, key)) for key in changes}
    if before != after:
        _record(actor.id, enquiry, UPDATED, before, after)
        db.session.commit()
    return enquiry


def _plain(value):
    return value.value if hasattr(value, "value") else value


def move(*, actor: Account, enquiry: Enquiry, stage: Stage, on: date | None,
         closed_reason: ClosedReason | None) -> Enquiry:
    """Move the enquiry to ``stage`` on ``on`` (default today where the scheme is)."""
    scheme = db.session.get(Scheme, enquiry.scheme_id)
    if (stage is Stage.CLOSED) != (closed_reason is not None):
        raise ValidationFailed({"closed_reason": ["Say why it closed." if stage is Stage.CLOSED
                                                  else "Only for an enquiry that closes."]})
    if stage is enquiry.stage:
        same_day = on is None or on == enquiry.latest_on
        if same_day and closed_reason == enquiry.closed_reason:
            return enquiry  # a retry: nothing to do
        raise Conflict(f"This enquiry reached {stage.value} already, on another day or for another reason.",
                       kind="enquiry-stage-reached")
    if stage not in allowed_next(enquiry.stage):
        allowed = ", ".join(next_stage.value for next_stage in allowed_next(enquiry.stage)) or "none"
        raise Conflict(f"An enquiry in {enquiry.stage.value} cannot move to {stage.value}; allowed: {allowed}.",
                       kind="enquiry-stage")
    day = _day(scheme, on)
    if day < enquiry.latest_on:
        raise ValidationFailed({"on": [f"Must not be before the day it reached {enquiry.stage.value}, "
                                       f"{enquiry.latest_on.isoformat()}."]})
    before = {"stage": enquiry.stage.value}
    enquiry.stage = stage
    enquiry.closed_reason = closed_reason
    setattr(enquiry, STAGE_DATES[stage], day)
    _record(actor.id, enquiry, STAGE_MOVED, before,
            {"stage": stage.value, "on": day, "closed_reason": closed_reason.value if closed_reason else None})
    db.session.commit()
    return enquiry


# Turning an enquiry into a person -----------------------------------------------------------------

# The person an enquiry becomes has an id made from the enquiry's, so that converting it twice,
# even at the same moment, adds one person (profiles.add_person returns the one it added).
PERSON_IDS = uuid.UUID("6f1d3c52-5a0e-4c1b-9a43-0e6b2d8f7c11")


def split_name(name: str) -> tuple[str, str | None]:
    """First names and the last name of a name as written: the last word is the last name."""
    words = name.split()
    if len(words) < 2:
        return name.strip(), None
    return " ".join(words[:-1]), words[-1]


def _details(enquiry: Enquiry, overrides: Mapping[str, Any]) -> dict[str, Any]:
    first, last = split_name(enquiry.name or "")
    details = {"first_name": overrides.get("first_name", first[:100] or None),
               "last_name": overrides.get("last_name", last[:100] if last else None)}
    # The contact becomes the phone number when it is one.
    with_phone = {**details, "phone": (enquiry.contact or "").strip()}
    errors = ProfileUpdateSchema().validate(with_phone, partial=True)
    return with_phone if not errors else details


def convert(*, actor: Account, enquiry: Enquiry, overrides: Mapping[str, Any]) -> tuple[Profile, bool]:
    """Add the person the enquiry is about, with no login, in the role they seek; the enquiry
    records who it became. Converting it again returns that person (and False)."""
    if enquiry.person_id is not None:
        return profiles.get_profile(enquiry.person_id), False
    if enquiry.person_erased or enquiry.name is None:
        raise Conflict("The person this enquiry became was erased.", kind="enquiry-person-erased")
    scheme = db.session.get(Scheme, enquiry.scheme_id)
    person_id = uuid.uuid5(PERSON_IDS, str(enquiry.id))
    role, details = Role(enquiry.seeking.value), _details(enquiry, overrides)
    try:
        profile, created = profiles.add_person(actor=actor, scheme=scheme, role=role, details=details,
                                               person_id=person_id)
    except IntegrityError:  # converted at the same moment by another request, which added the person
        db.session.rollback()
        profile, created = profiles.add_person(actor=actor, scheme=scheme, role=role, details=details,
                                               person_id=person_id)
    if enquiry.person_id is None:
        enquiry.person_id = profile.account_id
        _record(actor.id, enquiry, CONVERTED, {"person_id": None}, {"person_id": profile.account_id})
        db.session.commit()
    return profile, created
