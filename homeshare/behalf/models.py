from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from homeshare.common.db import IdMixin, UTCDateTime, string_enum
from homeshare.extensions import db


class Relationship(str, enum.Enum):
    """Who a representative is to the person they support."""

    FAMILY = "family"
    FRIEND = "friend"
    ATTORNEY_PROPERTY = "attorney-property"  # lasting power of attorney, property and financial affairs
    ATTORNEY_HEALTH = "attorney-health"  # lasting power of attorney, health and welfare


class Scope(str, enum.Enum):
    """What a representative may do for the person they support."""

    SEE_MATCH = "see-match"  # see the person's matches and their agreements
    ACCEPT_AGREEMENT = "accept-agreement"
    CONFIRM_HOURS = "confirm-hours"  # confirm or dispute the sharer's hours (a householder's)
    ANSWER_CHECKINS = "answer-checkins"
    RAISE_CONCERNS = "raise-concerns"
    RECEIVE_NOTIFICATIONS = "receive-notifications"


class How(str, enum.Enum):
    """How a person gave their view, or their consent, to the one who recorded it."""

    IN_PERSON = "in-person"
    BY_PHONE = "by-phone"
    ON_PAPER = "on-paper"
    THROUGH_REPRESENTATIVE = "representative"  # through their representative


class GivenAs(str, enum.Enum):
    """Whose hand an answer came by."""

    SELF = "self"  # the person, in the app
    ON_BEHALF = "on-behalf"  # a coordinator, recording the person's view
    PROXY = "proxy"  # a representative, within the scope the person consented to


class Representative(db.Model):
    """Who a representative is, for their scheme's coordinators: their login (if they claimed
    one) is the account's."""

    __tablename__ = "representative"

    account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    full_name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Representation(IdMixin, db.Model):
    """A representative linked to the person they support, with the person's consent and its
    scope. Removing it (``ended_at``) or narrowing the scope takes effect at the
    representative's next request: every request reads it."""

    __tablename__ = "representation"
    __table_args__ = (
        sa.Index("uq_representation_live", "representative_id", "person_id", unique=True,
                 sqlite_where=sa.text("ended_at IS NULL"), postgresql_where=sa.text("ended_at IS NULL")),
        sa.Index("ix_representation_person_id", "person_id"),
    )

    scheme_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("scheme.id", ondelete="RESTRICT"), nullable=False)
    representative_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"),
                                                         nullable=False)
    person_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), nullable=False)
    relationship: Mapped[Relationship] = mapped_column(string_enum(Relationship, "relationship"), nullable=False)
    consent_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    consent_how: Mapped[How] = mapped_column(string_enum(How, "consent_how"), nullable=False)
    scopes: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def allows(self, *scopes: Scope) -> bool:
        """Live, and covering any of ``scopes``."""
        return self.ended_at is None and any(scope.value in self.scopes for scope in scopes)


class BehalfRecord(IdMixin, db.Model):
    """That something was done for a person by someone else: a coordinator recording the
    person's view (and how and when they gave it), or a representative. The record it is about
    (``target_type``, ``target_id``) shows it in the API."""

    __tablename__ = "behalf_record"
    __table_args__ = (sa.Index("ix_behalf_record_target", "target_type", "target_id"),)

    scheme_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("scheme.id", ondelete="RESTRICT"), nullable=False)
    person_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), nullable=False,
                                                 index=True)
    side: Mapped[str] = mapped_column(sa.String(12), nullable=False)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    given_as: Mapped[GivenAs] = mapped_column(string_enum(GivenAs, "given_as"), nullable=False)
    how: Mapped[How | None] = mapped_column(string_enum(How, "how"))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    action: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    target_type: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    target_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
