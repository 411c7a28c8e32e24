"""Recording audit events, inside the caller's transaction (they commit or roll back together)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from homeshare.audit.models import AuditEvent
from homeshare.common.clock import utcnow
from homeshare.common.db import AUDIT_CONTEXT, AuditContext
from homeshare.common.roles import Role
from homeshare.common.pagination import Page, paginate
from homeshare.extensions import Session as AppSession
from homeshare.extensions import db

# Session.info key: this transaction holds an event a service recorded.
AUDIT_WRITTEN = "homeshare.audit_written"


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


_PLAIN: dict[str, frozenset[str]] = {}


def declare(action: str, *, plain: Iterable[str] = ()) -> str:
    """Declare an action recorded with values before and after, and its ``plain`` fields: those
    whose values hold nothing personal (codes, closed vocabularies, dates of a record's terms,
    counts). Every other field's value is kept as ``"[personal data]"``. Returns ``action``."""
    _PLAIN[action] = frozenset(plain)
    return action


def declared() -> dict[str, frozenset[str]]:
    """Every action recorded with values, and its plain fields (for the tests that walk them)."""
    return dict(_PLAIN)


def record(
    *,
    actor_id: uuid.UUID | None,
    scheme_id: uuid.UUID | None,
    action: str,
    target_type: str,
    target_id: Any,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction. For changes, only the fields that
    changed are kept in ``before`` and ``after``. The request id comes from the session's
    ``AuditContext`` when there is one.

    The trail is append-only, so it never holds personal data that a person may ask to have
    erased: personal is the default. An action with values must be ``declare``d, and only
    its plain fields keep their values; every other value is kept as ``"[personal data]"``
    (the trail still says who changed it and when). Ids are kept: they point at records that
    erasure anonymises.
    """
    if before is not None or after is not None:
        if action not in _PLAIN:
            raise LookupError(f"Declare the audited action {action!r} and its plain fields (audit.declare).")
        plain = _PLAIN[action]
    if before is not None and after is not None:
        changed = {key for key in set(before) | set(after) if before.get(key) != after.get(key)}
        before = {key: before.get(key) for key in sorted(changed)}
        after = {key: after.get(key) for key in sorted(changed)}
    before = _redacted(before, plain) if before is not None else None
    after = _redacted(after, plain) if after is not None else None
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_id=actor_id,
        scheme_id=scheme_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        request_id=_context(db.session).request_id,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
    )
    db.session.add(event)
    db.session.info[AUDIT_WRITTEN] = True
    return event


def record_export(*, actor_id: uuid.UUID, scheme_id: uuid.UUID, kind: str) -> None:
    """Record, and commit, that someone downloaded one of the scheme's exports."""
    record(actor_id=actor_id, scheme_id=scheme_id, action=f"export.{kind}", target_type="scheme",
           target_id=scheme_id)
    db.session.commit()


# What the packages below the audit trail tell it (blinker signals, connected by the app factory).

SCHEME_UPDATED = declare("scheme.updated", plain=("name", "timezone", "settings", "contact"))


def record_scheme_updated(scheme: Any, *, actor_id: uuid.UUID | None, before: Mapping[str, Any],
                          after: Mapping[str, Any]) -> None:
    """``schemes.events.scheme_updated``: the scheme's name, time zone, settings or contact details changed."""
    record(actor_id=actor_id, scheme_id=scheme.id, action=SCHEME_UPDATED, target_type="scheme",
           target_id=scheme.id, before=before, after=after)


def record_account_created(account: Any) -> None:
    """``accounts.events.account_created``: an account staff create is recorded: a coordinator,
    or a person or representative a coordinator adds without a login (householders and sharers
    who register themselves are not; the command line makes admins)."""
    context = _context(db.session)
    if context.staff_write:
        if account.id is None:  # chosen by the application (IdMixin) at the flush: here a little early
            account.id = uuid.uuid4()
        action = "coordinator.created" if account.role is Role.COORDINATOR else f"{account.role.value}.added"
        record(actor_id=context.actor_id, scheme_id=context.scheme_id, action=action,
               target_type="account", target_id=account.id)


_NO_CONTEXT = AuditContext(request_id=None)


def _context(session: Session) -> AuditContext:
    return session.info.get(AUDIT_CONTEXT, _NO_CONTEXT)


PERSONAL_MARK = "[personal data]"


def _redacted(values: Mapping[str, Any], plain: frozenset[str]) -> dict[str, Any]:
    return {key: (value if key in plain or value is None else PERSONAL_MARK) for key, value in values.items()}


def _audit_staff_write(session: Session) -> None:
    """Before a coordinator's or admin's write commits, audit it (once per request), unless a
    service recorded a more precise event with values before and after."""
    context = _context(session)
    if not context.staff_write or session.info.get(AUDIT_WRITTEN):
        return
    session.info[AUDIT_WRITTEN] = True
    session.add(AuditEvent(
        occurred_at=utcnow(), actor_id=context.actor_id, scheme_id=context.scheme_id, action=context.action,
        target_type="request", target_id=context.target_id, request_id=context.request_id,
    ))


def _forget_rolled_back_events(session: Session, previous_transaction) -> None:
    """A rollback took this transaction's audit event with it: a retried write records its own."""
    if previous_transaction.parent is None:
        session.info.pop(AUDIT_WRITTEN, None)


def register_audit_hooks() -> None:
    """Audit every committed write a coordinator or admin makes (once per request), on the
    sessions the application makes (``homeshare.extensions.Session``)."""
    if not sa.event.contains(AppSession, "before_commit", _audit_staff_write):
        sa.event.listen(AppSession, "before_commit", _audit_staff_write)
    if not sa.event.contains(AppSession, "after_soft_rollback", _forget_rolled_back_events):
        sa.event.listen(AppSession, "after_soft_rollback", _forget_rolled_back_events)


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
