"""Vetting rules and transactions: coordinators record checks; status is derived from them,
and stored (``VettingStanding``) in the same transaction as every change that moves it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from homeshare.accounts.models import Account
from homeshare.common.roles import Role
from homeshare.audit import service as audit
from homeshare.common.clock import local_today, utcnow
from homeshare.common.db import Unindexed, insert_or_update
from homeshare.errors import Conflict, ValidationFailed
from homeshare.extensions import db
from homeshare.schemes.models import Scheme
from homeshare.schemes.settings import resolved_settings
from homeshare.vetting.models import CheckKind, CheckStatus, VettingCheck, VettingStanding, VettingStatus
from homeshare.vetting.rules import (
    REFERENCE_CHECKS, check_lapsed, required_checks, standings, stored_status,
)

RECORDED_FIELDS = (
    "status", "waived_reason", "expires_on", "notes", "certificate_number", "issued_on",
    "referee_name", "referee_relationship", "referee_contact", "reference_received", "reference_satisfactory",
)
BACKGROUND_ONLY = ("certificate_number", "issued_on")
EXPIRY_WARNING_DAYS = 30
"""A valid check expiring within this many days is shown to coordinators and reminded of."""

# Kept out of the append-only audit trail: the trail says they changed, not what they say.
PERSONAL_FIELDS = frozenset({"certificate_number", "notes", "waived_reason", "referee_name", "referee_relationship",
                             "referee_contact"})
RECORDED = audit.declare("vetting.check_recorded",
                         plain=[name for name in RECORDED_FIELDS if name not in PERSONAL_FIELDS])
REFERENCE_ONLY = ("referee_name", "referee_relationship", "referee_contact", "reference_received",
                  "reference_satisfactory")


@dataclass
class CheckView:
    kind: CheckKind
    status: CheckStatus = CheckStatus.NOT_STARTED
    expired: bool = False
    waived_reason: str | None = None
    expires_on: date | None = None
    notes: str | None = None
    certificate_number: str | None = None
    issued_on: date | None = None
    referee_name: str | None = None
    referee_relationship: str | None = None
    referee_contact: str | None = None
    reference_received: bool | None = None
    reference_satisfactory: bool | None = None
    recorded_by_id: uuid.UUID | None = None
    recorded_at: datetime | None = None


@dataclass
class Checklist:
    person_id: uuid.UUID
    role: str
    status: VettingStatus
    outstanding: list[CheckKind] = field(default_factory=list)
    checks: list[CheckView] = field(default_factory=list)


_VIEW_FIELDS = tuple(f.name for f in fields(CheckView) if f.name not in ("kind", "expired"))


def checklist_for_coordinator(actor: Account, person: Account) -> Checklist:
    """The full checklist; reading vetting details is recorded in the audit trail, and the
    checklist is shown once that record is committed. It is read before the commit, which
    would expire ``person`` and read it again."""
    found = checklist(person)
    audit.record(actor_id=actor.id, scheme_id=person.scheme_id, action="vetting.read", target_type="person",
                 target_id=person.id)
    db.session.commit()
    return found


def checklist(person: Account) -> Checklist:
    """The person's checklist, each check's state and their overall status (one statement: the
    status comes with each recorded check, or alone on a row without one)."""
    scheme = person.scheme
    settings, today = scheme.effective_settings, local_today(scheme.timezone)
    rows = db.session.execute(
        sa.select(stored_status(today), VettingCheck, check_lapsed(today)).select_from(Account)
        .outerjoin(VettingStanding, VettingStanding.account_id == Account.id)
        .outerjoin(VettingCheck, VettingCheck.account_id == Account.id)
        .where(Account.id == person.id)
    ).all()
    status = rows[0][0]
    recorded = {check.kind: (check, lapsed) for _status, check, lapsed in rows if check is not None}
    views = []
    for kind in required_checks(person.role, settings):
        if kind in recorded:
            check, lapsed = recorded[kind]
            view = CheckView(kind=kind, expired=bool(lapsed), **{name: getattr(check, name) for name in _VIEW_FIELDS})
        else:
            view = CheckView(kind=kind)
        views.append(view)
    outstanding = [v.kind for v in views if v.expired or v.status not in (CheckStatus.PASSED, CheckStatus.WAIVED)]
    return Checklist(person_id=person.id, role=person.role.value, status=VettingStatus(status), outstanding=outstanding, checks=views)


def _plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def _validated(person: Account, kind: CheckKind, values: Mapping[str, Any]) -> dict[str, Any]:
    settings = person.scheme.effective_settings
    today = local_today(person.scheme.timezone)
    if kind not in required_checks(person.role, settings):
        raise ValidationFailed({"kind": [f"A {person.role.value} of this scheme has no {kind.value} check."]})
    record = {name: values.get(name) for name in RECORDED_FIELDS}
    status = record["status"]
    errors: dict[str, list[str]] = {}
    for name in BACKGROUND_ONLY if kind is not CheckKind.BACKGROUND else ():
        if record[name] is not None:
            errors[name] = ["Only background checks have this."]
    for name in REFERENCE_ONLY if kind not in REFERENCE_CHECKS else ():
        if record[name] is not None:
            errors[name] = ["Only references have this."]
    if status is CheckStatus.WAIVED and not record["waived_reason"]:
        errors["waived_reason"] = ["Say why the check is waived."]
    if status is not CheckStatus.WAIVED and record["waived_reason"]:
        errors["waived_reason"] = ["Only a waived check has a reason for waiving."]
    if record["issued_on"] is not None and record["issued_on"] > today:
        errors["issued_on"] = ["Cannot be in the future."]
    if record["expires_on"] is not None and record["issued_on"] is not None and record["expires_on"] <= record["issued_on"]:
        errors["expires_on"] = ["Must be after the issue date."]
    if kind is CheckKind.BACKGROUND and status is CheckStatus.PASSED:
        for name in BACKGROUND_ONLY:
            if record[name] is None:
                errors.setdefault(name, []).append("A passed background check needs this.")
        if record["issued_on"] is not None:
            latest = _plus_years(record["issued_on"], settings["background_check_renewal_years"])
            if record["expires_on"] is None:
                record["expires_on"] = latest
            elif not record["issued_on"] < record["expires_on"] <= latest:
                errors["expires_on"] = [f"Must be after the issue date and no later than {latest.isoformat()} "
                                        "(the scheme's renewal interval)."]
    if kind in REFERENCE_CHECKS and status is CheckStatus.PASSED:
        if not record["referee_name"]:
            errors["referee_name"] = ["A passed reference needs the referee's name."]
        if record["reference_received"] is not True or record["reference_satisfactory"] is not True:
            errors["reference_satisfactory"] = ["A passed reference must be received and satisfactory."]
    if errors:
        raise ValidationFailed(errors)
    return record


def record_check(*, actor: Account, person: Account, kind: CheckKind, values: Mapping[str, Any]) -> Checklist:
    """Record the whole state of one check, and the person's status with it. Repeating the
    same record changes nothing."""
    _hold(person)
    record = _validated(person, kind, values)
    check = _recorded(person, kind)
    before = {name: getattr(check, name) for name in RECORDED_FIELDS} if check else None
    if before == record:
        return checklist(person)
    if check is None:
        check = VettingCheck(account_id=person.id, kind=kind)
        db.session.add(check)
    for name, value in record.items():
        setattr(check, name, value)
    check.recorded_by_id = actor.id
    check.recorded_at = utcnow()
    audit.record(
        actor_id=actor.id, scheme_id=person.scheme_id, action=RECORDED,
        target_type="vetting_check", target_id=f"{person.id}/{kind.value}",
        before=_audit_values(before) if before else None,
        after=_audit_values(record if before else {k: v for k, v in record.items() if v is not None}),
    )
    try:
        store_statuses(person.scheme, Account.id == person.id)  # flushes the check first
        db.session.commit()
    except IntegrityError:
        # The same check's first record arrived twice at once; the other request stored it.
        db.session.rollback()
        stored = _recorded(person, kind)
        if stored is None or {name: getattr(stored, name) for name in RECORDED_FIELDS} != record:
            raise Conflict("This check was recorded by someone else meanwhile; read it again.",
                           kind="concurrent-change") from None
    return checklist(person)


def _hold(person: Account) -> None:
    """Make check writes for one person take turns, and wait for a change of the scheme's
    checklist under way, so that the status each stores counts what the other stored: on
    PostgreSQL the person's account row is held (not against keys, so rows that refer to it
    are not blocked) and the scheme's row is shared (a change to the scheme waits, and the
    scheme is read again as it now is); on SQLite the first write takes the one write lock."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    db.session.execute(sa.select(Account.id).where(Account.id == person.id).with_for_update(key_share=True))
    db.session.execute(sa.select(Scheme).where(Scheme.id == person.scheme_id).with_for_update(read=True)
                       .execution_options(populate_existing=True))


def store_statuses(scheme: Scheme, which: sa.ColumnElement[bool], today: date | None = None) -> None:
    """Work out and store the status of the scheme's people that ``which`` picks out (a
    condition on ``Account``), as of ``today`` (by default today in the scheme's time zone).
    Run in the transaction that changed what their status follows from, before it commits."""
    db.session.flush()
    rows = standings(scheme.effective_settings, today or local_today(scheme.timezone)).where(
        Account.scheme_id == scheme.id, which)
    db.session.execute(insert_or_update(VettingStanding, unique=["account_id"],
                                        names=["account_id", "status", "lapses_on"], rows=rows))


def checklist_changed(scheme: Scheme, *, before: Mapping[str, Any], after: Mapping[str, Any], **_: Any) -> None:
    """Receiver of ``scheme_updated``: when the scheme's checklists or its time zone (its
    "today") change, every person's status is worked out again, in the same transaction."""
    def checklists(described: Mapping[str, Any]) -> tuple:
        settings = resolved_settings(described["settings"])
        return tuple(required_checks(role, settings) for role in (Role.HOUSEHOLDER, Role.SHARER))

    if checklists(before) != checklists(after) or before["timezone"] != after["timezone"]:
        store_statuses(scheme, Account.role.in_((Role.HOUSEHOLDER, Role.SHARER)))


def lapse_statuses(scheme: Scheme, today: date) -> int:
    """The daily part: store the status of the scheme's people whose stored status lapses
    by ``today`` (readers already take them as expired from that day). Returns how many."""
    due = sa.select(VettingStanding.account_id).where(VettingStanding.lapses_on <= today)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Account).where(
        Account.scheme_id == scheme.id, Account.id.in_(due))) or 0
    if count:
        store_statuses(scheme, Account.id.in_(due), today)
    return count


def _recorded(person: Account, kind: CheckKind) -> VettingCheck | None:
    return db.session.scalars(
        sa.select(VettingCheck).where(VettingCheck.account_id == person.id, VettingCheck.kind == kind)
    ).first()


def _audit_values(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: (value.value if isinstance(value, CheckStatus) else value) for name, value in values.items()}


def expiring_checks(scheme_id: uuid.UUID | sa.ColumnElement, today: date | sa.ColumnElement,
                    until: date | sa.ColumnElement | None = None) -> sa.Select:
    """The valid checks of the scheme's active people that expire within ``EXPIRY_WARNING_DAYS``
    after ``today``: rows of (check id, person id, kind, expiry date).

    The values may be bound parameters, for a statement built once and run for any scheme and
    day; ``until`` (``today`` plus ``EXPIRY_WARNING_DAYS``) is then one of them too, the
    databases having no date arithmetic in common."""
    if until is None:
        until = today + timedelta(days=EXPIRY_WARNING_DAYS)
    return (sa.select(VettingCheck.id, VettingCheck.account_id, VettingCheck.kind, VettingCheck.expires_on)
            .join(Account, Account.id == VettingCheck.account_id)
            .where(Unindexed(Account.scheme_id) == scheme_id, Account.is_active.is_(True),
                   VettingCheck.status.in_((CheckStatus.PASSED, CheckStatus.WAIVED)),
                   VettingCheck.expires_on > today, VettingCheck.expires_on <= until))
