"""Recording audit events, inside the caller's transaction (they commit or roll back together)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Mapping

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy.orm import Session

from homeshare.audit.models import AuditEvent
from homeshare.common.clock import utcnow
from homeshare.common.pagination import Page, paginate
from homeshare.extensions import db


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    return value


def record(
    *,
    actor_id: uuid.UUID | None,
    scheme_id: uuid.UUID | None,
    action: str,
    target_type: str,
    target_id: Any,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    personal: frozenset[str] = frozenset(),
) -> AuditEvent:
    """Add an audit event to the current transaction. For changes, only the fields that
    changed are kept in ``before`` and ``after``.

    The trail is append-only, so it never holds personal data that a person may ask to have
    erased: fields named in ``personal`` are kept as ``"[personal data]"`` (the trail still
    says who changed them and when). Ids are kept: they point at records that erasure
    anonymises.
    """
    if before is not None and after is not None:
        changed = {key for key in set(before) | set(after) if before.get(key) != after.get(key)}
        before = {key: before.get(key) for key in sorted(changed)}
        after = {key: after.get(key) for key in sorted(changed)}
    before = _redacted(before, personal)
    after = _redacted(after, personal)
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_id=actor_id,
        scheme_id=scheme_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        request_id=g.get("request_id") if has_request_context() else None,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
    )
    db.session.add(event)
    if has_request_context():
        g.audit_written = True
    return event


PERSONAL_MARK = "[personal data]"


def _redacted(values: Mapping[str, Any] | None, personal: frozenset[str]) -> Mapping[str, Any] | None:
    if values is None:
        return None
    return {key: (PERSONAL_MARK if key in personal and value is not None else value) for key, value in values.items()}


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def staff_write(actor) -> None:
    """Mark this request as a coordinator's or admin's write: its commit will be audited
    (unless the service recorded a more precise event with values before and after)."""
    if request.method in WRITE_METHODS:
        g.audit_actor = actor


def _audit_staff_write(session) -> None:
    if not has_request_context() or g.get("audit_written") or g.get("audit_actor") is None:
        return
    actor = g.audit_actor
    g.audit_written = True
    view_args = request.view_args or {}
    session.add(AuditEvent(
        occurred_at=utcnow(), actor_id=actor.id, scheme_id=actor.scheme_id or _scheme_of_target(session, view_args),
        action=f"{request.method} {request.endpoint}"[:60], target_type="request",
        target_id=",".join(str(v) for v in view_args.values())[:80] or "-",
        request_id=g.get("request_id"),
    ))


def _scheme_of_target(session, view_args) -> uuid.UUID | None:
    """For an admin (who belongs to no scheme): the scheme the request was about."""
    from homeshare.accounts.models import Account

    if "scheme_id" in view_args:
        return view_args["scheme_id"]
    if "account_id" in view_args:
        return session.scalar(sa.select(Account.scheme_id).where(Account.id == view_args["account_id"]))
    return None


def _forget_rolled_back_events(session, previous_transaction) -> None:
    """A rollback took this request's audit event with it: a retried write records its own."""
    if has_request_context() and previous_transaction.parent is None:
        g.pop("audit_written", None)


def register_audit_hooks() -> None:
    """Audit every committed write a coordinator or admin makes (once per request)."""
    if not sa.event.contains(Session, "before_commit", _audit_staff_write):
        sa.event.listen(Session, "before_commit", _audit_staff_write)
    if not sa.event.contains(Session, "after_soft_rollback", _forget_rolled_back_events):
        sa.event.listen(Session, "after_soft_rollback", _forget_rolled_back_events)


def trail(*, scheme_id: uuid.UUID, actor_id=None, action=None, target_type=None, target_id=None,
          first: datetime | None = None, last: datetime | None = None, page: int, per_page: int) -> Page[AuditEvent]:
    statement = sa.select(AuditEvent).where(AuditEvent.scheme_id == scheme_id)
    for column, value in ((AuditEvent.actor_id, actor_id), (AuditEvent.action, action),
                          (AuditEvent.target_type, target_type), (AuditEvent.target_id, target_id)):
        if value is not None:
            statement = statement.where(column == value)
    if first is not None:
        statement = statement.where(AuditEvent.occurred_at >= first)
    if last is not None:
        statement = statement.where(AuditEvent.occurred_at <= last)
    return paginate(statement.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id), page=page, per_page=per_page)
