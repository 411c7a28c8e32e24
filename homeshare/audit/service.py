"""Recording audit events, inside the caller's transaction (they commit or roll back together)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Mapping

from flask import g, has_request_context

from homeshare.audit.models import AuditEvent
from homeshare.common.clock import utcnow
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
) -> AuditEvent:
    """Add an audit event to the current transaction. For changes, only the fields that
    changed are kept in ``before`` and ``after``."""
    if before is not None and after is not None:
        changed = {key for key in set(before) | set(after) if before.get(key) != after.get(key)}
        before = {key: before.get(key) for key in sorted(changed)}
        after = {key: after.get(key) for key in sorted(changed)}
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
    return event
