"""Profile rules and transactions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from homeshare.accounts import service as accounts
from homeshare.accounts.models import Account, Origin
from homeshare.common.roles import MEMBER_ROLES, Role
from homeshare.audit import service as audit
from homeshare.common.clock import local_today
from homeshare.common.pagination import Page, paginate
from homeshare.common.preconditions import require_if_match
from homeshare.errors import Conflict, NotFound, ValidationFailed
from homeshare.extensions import db
from homeshare.places.service import district_of, locate_district
from homeshare.profiles import completeness
from homeshare.profiles.models import Profile
from homeshare.schemes.models import Scheme
from homeshare.profiles.vocabulary import check_tasks
from homeshare.vetting.models import VettingStatus
from homeshare.vetting.models import VettingStanding
from homeshare.vetting.rules import next_expiry_expression, stored_status

ROLE_BLOCKS = {Role.HOUSEHOLDER: "householder", Role.SHARER: "sharer"}
TASK_FIELDS = {"householder": "tasks_wanted", "sharer": "tasks_offered"}
AUDITED_FIELDS = tuple(
    column.key for column in Profile.__table__.columns if column.key not in ("version", "created_at", "updated_at")
)
# What a profile says about a person is theirs: the trail records that it changed, not the values.
CORRECTED = audit.declare("profile.corrected", plain=("account_id", "location_source"))


def get_profile(account_id: uuid.UUID) -> Profile:
    profile = db.session.get(Profile, account_id)
    if profile is None:
        raise NotFound("No such profile.")
    return profile


def _age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _check_age(profile: Profile, birth: date, errors: dict[str, list[str]]) -> None:
    scheme = profile.account.scheme
    settings = scheme.effective_settings
    today = local_today(scheme.timezone)
    if birth >= today or birth.year < 1900:
        errors["date_of_birth"] = ["Not a possible date of birth."]
        return
    age = _age_on(birth, today)
    if profile.role is Role.SHARER:
        low, high, who = settings["min_sharer_age"], settings["max_sharer_age"], "Sharers"
    else:
        low, high, who = settings["min_householder_age"], None, "Householders"
    if age < low:
        errors["date_of_birth"] = [f"{who} in this scheme must be at least {low} years old."]
    elif high is not None and age > high:
        errors["date_of_birth"] = [f"{who} in this scheme must be at most {high} years old."]


def _pair(changes: Mapping[str, Any], lat_key: str, lon_key: str, errors: dict[str, list[str]]) -> None:
    if (lat_key in changes) != (lon_key in changes) or (
        (changes.get(lat_key) is None) != (changes.get(lon_key) is None)
    ):
        errors.setdefault(lat_key, []).append(f"Send {lat_key} and {lon_key} together.")


def _validated_changes(profile: Profile, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten the request into column values, or raise with every problem found."""
    errors: dict[str, Any] = {}
    own_block = ROLE_BLOCKS[profile.role]
    flat = {key: value for key, value in changes.items() if key not in ("householder", "sharer")}
    for block in ("householder", "sharer"):
        if block not in changes:
            continue
        if block != own_block:
            errors[block] = [f"Only {block}s have these details."]
            continue
        details = dict(changes[block])
        task_field = TASK_FIELDS[block]
        if task_field in details:
            details[task_field], messages = check_tasks(details[task_field])
            if messages:
                errors[block] = {task_field: messages}
        _pair(details, "base_latitude", "base_longitude", errors)
        flat.update(details)
    _pair(flat, "latitude", "longitude", errors)
    if flat.get("date_of_birth") is not None:
        _check_age(profile, flat["date_of_birth"], errors)
    if "gender_preference" in flat:
        flat["gender_preference"] = list(dict.fromkeys(flat["gender_preference"]))
    if errors:
        raise ValidationFailed(errors)
    return flat


def _locate(profile: Profile, flat: Mapping[str, Any]) -> None:
    """A position the app sent wins; otherwise the postcode district's centre, if known."""
    if "latitude" in flat:
        given = flat["latitude"] is not None
        profile.location_source = "app" if given else None
    if profile.location_source == "app":
        return
    located = locate_district(district_of(profile.postcode)) if profile.postcode else None
    profile.latitude, profile.longitude = located if located else (None, None)
    profile.location_source = "postcode" if located else None


def relocate_from_postcodes() -> int:
    """Locate again every profile whose position is not the app's, after a districts load."""
    profiles = db.session.scalars(
        sa.select(Profile).where(
            Profile.postcode.is_not(None),
            sa.or_(Profile.location_source.is_(None), Profile.location_source != "app"),
        )
    ).all()
    for profile in profiles:
        _locate(profile, {})
    db.session.commit()
    return sum(1 for profile in profiles if profile.location_source == "postcode")


def snapshot(profile: Profile) -> dict[str, Any]:
    return {field: getattr(profile, field) for field in AUDITED_FIELDS}


def phone_numbers(account_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """The phone each of these people gave in their profile (``notifications.events.phone_numbers``)."""
    rows = db.session.execute(sa.select(Profile.account_id, Profile.phone).where(Profile.account_id.in_(account_ids)))
    return {account_id: phone for account_id, phone in rows}


def start_profile(account: Account) -> None:
    """A householder or sharer gets an empty profile with their account (``account_created``)."""
    if account.role in MEMBER_ROLES:
        db.session.add(Profile(account=account))


def add_person(*, actor: Account, scheme: Scheme, role: Role, details: Mapping[str, Any],
               person_id: uuid.UUID | None = None) -> tuple[Profile, bool]:
    """A coordinator adds a householder or sharer who has no login (they may get one later, by
    invitation): the account, and its profile filled with ``details`` (a profile change).

    ``person_id``, when the client chose one, makes the request safe to repeat: the person it
    already added is returned. Returns the profile and whether it was created.
    """
    if person_id is not None:
        existing = db.session.get(Account, person_id)
        if existing is not None:
            if existing.scheme_id == scheme.id and existing.role is role and existing.origin is Origin.COORDINATOR:
                return get_profile(existing.id), False
            raise Conflict("This id is already used; choose another.", kind="id-reused")
    try:
        account = accounts.add_without_login(scheme=scheme, role=role, account_id=person_id)
        profile = db.session.get(Profile, account.id)
        flat = _validated_changes(profile, details)
        for field, value in flat.items():
            setattr(profile, field, value)
        _locate(profile, flat)
        db.session.commit()
    except IntegrityError:  # the same id sent twice at once: the other request added the person
        db.session.rollback()
        if person_id is None:
            raise
        return add_person(actor=actor, scheme=scheme, role=role, details=details, person_id=person_id)
    return profile, True


def update_profile(*, actor: Account, profile: Profile, changes: Mapping[str, Any], if_match: str | None) -> Profile:
    """Apply a partial change, if ``if_match`` (the request's If-Match) names the current version."""
    require_if_match(profile.version, if_match)
    flat = _validated_changes(profile, changes)
    before = snapshot(profile)
    for field, value in flat.items():
        setattr(profile, field, value)
    _locate(profile, flat)
    if actor.id != profile.account_id:
        audit.record(
            actor_id=actor.id, scheme_id=profile.account.scheme_id, action=CORRECTED,
            target_type="profile", target_id=profile.account_id, before=before, after=snapshot(profile),
        )
    db.session.commit()
    return profile


# The coordinators' list of people ------------------------------------------------------------


@dataclass
class PersonSummary:
    profile: Profile
    vetting_status: VettingStatus
    next_expiry_on: date | None
    ready_for_vetting: bool
    ready_for_matching: bool


def list_people(
    *, scheme: Scheme, role: Role | None, vetting_status: str | None, expiring_within_days: int | None,
    ready_for_vetting: bool | None, ready_for_matching: bool | None, page: int, per_page: int,
) -> Page[PersonSummary]:
    """Householders and sharers of a scheme with their derived standing, in two statements."""
    settings = scheme.effective_settings
    today = local_today(scheme.timezone)
    standing = (
        sa.select(
            Account.id.label("person_id"),
            stored_status(today).label("vetting_status"),
            next_expiry_expression(settings, today).label("next_expiry_on"),
            completeness.ready_expression(Profile, "vetting").label("ready_for_vetting"),
            completeness.ready_expression(Profile, "matching").label("ready_for_matching"),
        )
        .join(Profile, Profile.account_id == Account.id)
        .outerjoin(VettingStanding, VettingStanding.account_id == Account.id)
        .where(Account.scheme_id == scheme.id, Account.role.in_(ROLE_BLOCKS))
        .subquery()
    )
    statement = sa.select(
        Profile, standing.c.vetting_status, standing.c.next_expiry_on,
        standing.c.ready_for_vetting, standing.c.ready_for_matching,
    ).join(standing, standing.c.person_id == Profile.account_id).join(Account, Account.id == Profile.account_id)
    if role is not None:
        statement = statement.where(Account.role == role)
    if vetting_status is not None:
        statement = statement.where(standing.c.vetting_status == vetting_status)
    if expiring_within_days is not None:
        horizon = today + timedelta(days=expiring_within_days)
        statement = statement.where(standing.c.next_expiry_on <= horizon)
    for column, wanted in ((standing.c.ready_for_vetting, ready_for_vetting),
                           (standing.c.ready_for_matching, ready_for_matching)):
        if wanted is not None:
            statement = statement.where(column.is_(sa.true()) if wanted else column.is_(sa.false()))
    statement = statement.order_by(
        sa.nulls_last(Profile.last_name.asc()), sa.nulls_last(Profile.first_name.asc()), Profile.account_id
    )
    result = paginate(statement, page=page, per_page=per_page, rows=True)
    result.items = [
        PersonSummary(row[0], VettingStatus(row.vetting_status), row.next_expiry_on, bool(row.ready_for_vetting),
                      bool(row.ready_for_matching))
        for row in result.items
    ]
    return result
