from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from homeshare.common.db import UTCDateTime, string_enum
from homeshare.extensions import db


class EntryStatus(str, enum.Enum):
    LOGGED = "logged"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"


class HoursEntry(db.Model):
    """Help a sharer gave on one day. The id is chosen by the app, so a retried sync is
    recognised rather than duplicated. Deleted entries stay as tombstones for the same reason.

    ``week_start`` (the Monday of ``worked_on``) is stored so that weekly sums are a plain
    GROUP BY on every database.
    """

    __tablename__ = "hours_entry"
    __table_args__ = (
        sa.Index("ix_hours_entry_match_id_week_start", "match_id", "week_start"),
        # Entries by week (the weekly sums of a range of weeks), holding all that the
        # dashboard's hours flags read of them, so that their sums of the weeks judged come
        # from the index alone, without the table's rows.
        sa.Index("ix_hours_entry_week_start_sums", "week_start", "match_id", "status", "minutes", "deleted_at"),
        sa.CheckConstraint("minutes > 0 AND minutes <= 720", name="minutes_in_a_day"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    match_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("match.id", ondelete="CASCADE"), nullable=False)
    sharer_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), nullable=False)
    worked_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    week_start: Mapped[date] = mapped_column(sa.Date, nullable=False)
    minutes: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    task: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    note: Mapped[str | None] = mapped_column(sa.String(500))
    status: Mapped[EntryStatus] = mapped_column(string_enum(EntryStatus, "status"), nullable=False)
    dispute_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    CONTENT = ("worked_on", "minutes", "task", "note")

    def content(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.CONTENT}
