from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from homeshare.common.db import UTCDateTime, string_enum
from homeshare.extensions import db


class AbsenceKind(str, enum.Enum):
    HOLIDAY = "holiday"
    HOSPITAL_STAY = "hospital-stay"
    VISITING_FAMILY = "visiting-family"
    OTHER = "other"


class Absence(db.Model):
    """Days one person of a live match is away, first and last day included. The id is chosen
    by the client, so a repeated request is recognised rather than duplicated. A cancelled
    absence stays, marked, for the same reason; it no longer counts anywhere.

    ``who`` is the side that is away (``householder`` or ``sharer``) and ``person_id`` that
    side's person when it was recorded.
    """

    __tablename__ = "absence"
    __table_args__ = (
        sa.Index("ix_absence_match_id_first_day", "match_id", "first_day"),
        sa.CheckConstraint("last_day >= first_day", name="absence_days_in_order"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    match_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("match.id", ondelete="CASCADE"), nullable=False)
    who: Mapped[str] = mapped_column(sa.String(12), nullable=False)
    person_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[AbsenceKind] = mapped_column(string_enum(AbsenceKind, "kind"), nullable=False)
    first_day: Mapped[date] = mapped_column(sa.Date, nullable=False)
    last_day: Mapped[date] = mapped_column(sa.Date, nullable=False)
    note: Mapped[str | None] = mapped_column(sa.String(1000))
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    CONTENT = ("who", "kind", "first_day", "last_day", "note")

    def content(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.CONTENT}

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1
