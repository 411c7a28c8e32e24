from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from homeshare.common.db import IdMixin, UTCDateTime, string_enum
from homeshare.extensions import db


class Term(str, enum.Enum):
    """How long the homeshare runs: until either side gives notice, or to a fixed end date."""

    OPEN_ENDED = "open-ended"
    FIXED = "fixed"


class FeePeriod(str, enum.Enum):
    """What a fee to the scheme is paid per."""

    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    ONE_OFF = "one-off"


HOUSE_RULE_TOPIC_LENGTH = 100
HOUSE_RULE_LENGTH = 5000
MAX_HOUSE_RULES = 30
MIGRATED_RULES_TOPIC = "House rules"
"""The topic of the one rule that holds the free text house rules of versions written before
rules had topics."""


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
    # The trial's length: the match holds its end date, from the day its trial starts.
    trial_length_days: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    term: Mapped[Term] = mapped_column(string_enum(Term, "term"), nullable=False, server_default=Term.OPEN_ENDED.value)
    term_ends_on: Mapped[date | None] = mapped_column(sa.Date)  # a fixed term's last day
    review_on: Mapped[date | None] = mapped_column(sa.Date)
    minimum_stay_months: Mapped[int | None] = mapped_column(sa.Integer)
    notice_days: Mapped[int] = mapped_column(sa.Integer, nullable=False)  # once the match is active
    trial_notice_days: Mapped[int] = mapped_column(sa.Integer, nullable=False, server_default="7")
    nights_away_per_month: Mapped[int | None] = mapped_column(sa.Integer)  # the sharer's
    days_off_per_week: Mapped[int | None] = mapped_column(sa.Integer)
    # [{"topic": ..., "rule": ...}], in the order the coordinator wrote them.
    house_rules: Mapped[list[dict[str, str]]] = mapped_column(sa.JSON, nullable=False, default=list)
    # {"amount_pence": int, "period": FeePeriod value}, or None where that side pays nothing.
    householder_fee: Mapped[dict[str, object] | None] = mapped_column(sa.JSON(none_as_null=True))
    sharer_fee: Mapped[dict[str, object] | None] = mapped_column(sa.JSON(none_as_null=True))
    hours_reason: Mapped[str | None] = mapped_column(sa.Text)  # why the hours exceed the scheme's cap
    householder_must_know: Mapped[str | None] = mapped_column(sa.Text)
    sharer_must_know: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    householder_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sharer_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def accepted_by_both(self) -> bool:
        return self.householder_accepted_at is not None and self.sharer_accepted_at is not None
