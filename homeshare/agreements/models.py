from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from homeshare.common.db import IdMixin, UTCDateTime
from homeshare.extensions import db


class AgreementVersion(IdMixin, db.Model):
    """One version of a match's agreement. Versions are never edited: a change is a new one,
    and each side's acceptance belongs to the version they accepted."""

    __tablename__ = "agreement_version"
    __table_args__ = (sa.UniqueConstraint("match_id", "number"),)

    match_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("match.id", ondelete="CASCADE"), nullable=False)
    number: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    hours_per_week: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    tasks: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False)
    monthly_contribution_pence: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    start_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    trial_ends_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    notice_days: Mapped[int] = mapped_column(sa.Integer, nullable=False)  # once the match is active
    trial_notice_days: Mapped[int] = mapped_column(sa.Integer, nullable=False, server_default="7")
    house_rules: Mapped[str | None] = mapped_column(sa.Text)
    householder_must_know: Mapped[str | None] = mapped_column(sa.Text)
    sharer_must_know: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    householder_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sharer_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def accepted_by_both(self) -> bool:
        return self.householder_accepted_at is not None and self.sharer_accepted_at is not None
