from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from homeshare.common.db import IdMixin, UTCDateTime
from homeshare.extensions import db


class AuditEvent(IdMixin, db.Model):
    """One recorded action. Rows are only ever inserted."""

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_scheme_id_occurred_at", "scheme_id", "occurred_at"),)

    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    scheme_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("scheme.id", ondelete="RESTRICT"))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    target_type: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    target_id: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
