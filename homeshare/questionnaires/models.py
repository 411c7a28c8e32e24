from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from homeshare.behalf.models import GivenAs
from homeshare.common.db import IdMixin, UTCDateTime, string_enum
from homeshare.extensions import db


class Occasion(str, enum.Enum):
    """When a questionnaire is asked."""

    BASELINE = "baseline"  # at approval (vetting cleared), before any match
    MONTHS_3 = "months-3"  # three months after the match's trial started
    MONTHS_6 = "months-6"
    MONTHS_12 = "months-12"
    END = "end"  # when the match ended


FOLLOW_UP_MONTHS = {Occasion.MONTHS_3: 3, Occasion.MONTHS_6: 6, Occasion.MONTHS_12: 12}
FOLLOW_UPS = (*FOLLOW_UP_MONTHS, Occasion.END)


class Questionnaire(IdMixin, db.Model):
    """One questionnaire due to one person: the instruments their scheme uses, asked on one
    occasion, and once answered, the answers and their scores.

    ``key`` names the occasion for the person (``baseline``, or ``<match id>:<occasion>``): a
    person has each at most once, however often the schedule is made again.
    """

    __tablename__ = "questionnaire"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "key"),
        sa.Index("ix_questionnaire_scheme_id_due_on", "scheme_id", "due_on"),
    )

    scheme_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("scheme.id", ondelete="RESTRICT"), nullable=False)
    person_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), nullable=False)
    role: Mapped[str] = mapped_column(sa.String(12), nullable=False)
    occasion: Mapped[Occasion] = mapped_column(string_enum(Occasion, "occasion"), nullable=False)
    match_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("match.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    due_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    instruments: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The answers, by instrument and item ({"swemwbs": {"optimistic": 4, ...}}), and the scores
    # they give ({"swemwbs": 21.54, ...}); null until answered.
    answers: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    scores: Mapped[dict[str, float] | None] = mapped_column(sa.JSON)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Whose hand the answers came by (who and how: the questionnaire's behalf records).
    given_as: Mapped[GivenAs | None] = mapped_column(string_enum(GivenAs, "given_as"))
    answered_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
