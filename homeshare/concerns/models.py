from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from homeshare.common.db import IdMixin, UTCDateTime, string_enum
from homeshare.extensions import db


class Category(str, enum.Enum):
    SAFEGUARDING = "safeguarding"
    WELLBEING = "wellbeing"
    HOME = "home"
    HOURS = "hours"
    MONEY = "money"
    OTHER = "other"


class Severity(str, enum.Enum):
    LOW = "low"
    MEDIUM = "medium"
    URGENT = "urgent"


class ConcernStatus(str, enum.Enum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Concern(IdMixin, db.Model):
    """A concern raised about a match or a person. Kept when people are erased (detached
    from them and marked), as safeguarding records must be."""

    __tablename__ = "concern"
    __table_args__ = (sa.Index("ix_concern_scheme_id_status", "scheme_id", "status"),)

    scheme_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("scheme.id", ondelete="RESTRICT"), nullable=False)
    match_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("match.id", ondelete="SET NULL"))
    about_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    raised_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"),
                                                           index=True)
    raised_by_role: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    category: Mapped[Category] = mapped_column(string_enum(Category, "category"), nullable=False)
    severity: Mapped[Severity] = mapped_column(string_enum(Severity, "severity"), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, nullable=False)
    status: Mapped[ConcernStatus] = mapped_column(string_enum(ConcernStatus, "status"), nullable=False)
    outcome: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    subject_erased: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    raiser_erased: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)

    notes: Mapped[list[ConcernNote]] = relationship(lazy="raise", order_by="ConcernNote.created_at")


class ConcernNote(IdMixin, db.Model):
    """A coordinator's internal note on a concern: never shown to the person who raised it."""

    __tablename__ = "concern_note"

    concern_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("concern.id", ondelete="CASCADE"), nullable=False,
                                                  index=True)
    author_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
