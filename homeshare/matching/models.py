from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from homeshare.accounts.models import Account
from homeshare.common.db import IdMixin, UTCDateTime, string_enum
from homeshare.extensions import db


class MatchState(str, enum.Enum):
    PROPOSED = "proposed"
    INTRODUCTION = "introduction"
    TRIAL = "trial"
    ACTIVE = "active"
    ENDED = "ended"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


OPEN_STATES = (MatchState.PROPOSED, MatchState.INTRODUCTION, MatchState.TRIAL, MatchState.ACTIVE)
"""The match still holds its two people: nobody is in more than one open match (partial
unique indexes hold that), and nobody in one is offered as a candidate."""

ACQUAINTED_STATES = (MatchState.INTRODUCTION, MatchState.TRIAL, MatchState.ACTIVE)
"""Both said yes and were introduced: the agreement can be drafted, contact details shared,
and each side has next steps."""

SHARING_STATES = (MatchState.TRIAL, MatchState.ACTIVE)
"""The sharer lives in the householder's home: check-ins are scheduled and due, and the agreed
hours are owed and watched for shortfalls."""

TRIAL_REVIEW_NOTICE_DAYS = 7
"""A trial ending within this many days is due for its review: coordinators are reminded, and
the dashboard lists it."""

_OPEN_SQL = "state IN (" + ", ".join(f"'{state.value}'" for state in OPEN_STATES) + ")"

# The state machine: for each state, the actions allowed from it and the state each leads to.
TRANSITIONS: dict[MatchState, dict[str, MatchState]] = {
    MatchState.PROPOSED: {"accept": MatchState.PROPOSED, "decline": MatchState.DECLINED,
                          "introduce": MatchState.INTRODUCTION, "withdraw": MatchState.WITHDRAWN},
    MatchState.INTRODUCTION: {"start_trial": MatchState.TRIAL, "withdraw": MatchState.WITHDRAWN},
    MatchState.TRIAL: {"activate": MatchState.ACTIVE, "end": MatchState.ENDED},
    MatchState.ACTIVE: {"end": MatchState.ENDED},
    MatchState.ENDED: {},
    MatchState.DECLINED: {},
    MatchState.WITHDRAWN: {},
}
PARTY_ACTIONS = frozenset({"accept", "decline"})
"""The actions the householder and the sharer take; coordinators take the others."""


def allowed_actions(state: MatchState) -> list[str]:
    return list(TRANSITIONS[state])


def refusal(state: MatchState, action: str) -> dict[str, object]:
    """The members of a 409 that refuses a coordinator's ``action`` on a match in ``state`` for
    a condition not met: the state, and what the coordinator may do instead."""
    others = [name for name in TRANSITIONS[state] if name != action and name not in PARTY_ACTIONS]
    return {"state": state.value, "allowed_transitions": others}


class Response(str, enum.Enum):
    ACCEPTED = "accepted"
    DECLINED = "declined"


class EndedBy(str, enum.Enum):
    HOUSEHOLDER = "householder"
    SHARER = "sharer"
    BOTH = "both"
    SCHEME = "scheme"



class Match(IdMixin, db.Model):
    """A householder and a sharer, from proposal to the end of their homeshare.

    A person is in at most one live match: partial unique indexes hold that in the
    database, whatever the code does and however many requests race.
    """

    __tablename__ = "match"
    __table_args__ = (
        sa.Index("uq_match_live_householder", "householder_id", unique=True,
                 sqlite_where=sa.text(_OPEN_SQL), postgresql_where=sa.text(_OPEN_SQL)),
        sa.Index("uq_match_live_sharer", "sharer_id", unique=True,
                 sqlite_where=sa.text(_OPEN_SQL), postgresql_where=sa.text(_OPEN_SQL)),
        sa.CheckConstraint("householder_id <> sharer_id", name="two_people"),
    )

    scheme_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("scheme.id", ondelete="RESTRICT"),
                                                 nullable=False, index=True)
    householder_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="RESTRICT"),
                                                      nullable=False, index=True)
    sharer_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="RESTRICT"),
                                                 nullable=False, index=True)
    state: Mapped[MatchState] = mapped_column(string_enum(MatchState, "state"), nullable=False)
    # Counts changes: every step is a conditional write, so two racing steps cannot both land.
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, server_default="1")
    score: Mapped[int | None] = mapped_column(sa.Integer)

    proposed_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    householder_response: Mapped[Response | None] = mapped_column(string_enum(Response, "householder_response"))
    householder_responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    householder_decline_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    householder_shares_contact: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    sharer_response: Mapped[Response | None] = mapped_column(string_enum(Response, "sharer_response"))
    sharer_responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sharer_decline_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    sharer_shares_contact: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)

    introduction_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    introduction_place: Mapped[str | None] = mapped_column(sa.String(300))
    trial_started_on: Mapped[date | None] = mapped_column(sa.Date)
    trial_ends_on: Mapped[date | None] = mapped_column(sa.Date)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_on: Mapped[date | None] = mapped_column(sa.Date)
    ended_by: Mapped[EndedBy | None] = mapped_column(string_enum(EndedBy, "ended_by"))
    end_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    notice_given_days: Mapped[int | None] = mapped_column(sa.Integer)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    householder: Mapped[Account] = relationship(foreign_keys=[householder_id], lazy="raise")
    sharer: Mapped[Account] = relationship(foreign_keys=[sharer_id], lazy="raise")
    events: Mapped[list[MatchEvent]] = relationship(
        order_by="(MatchEvent.occurred_at, MatchEvent.id)", lazy="select", viewonly=True
    )

    __mapper_args__ = {"version_id_col": version}

    def side_of(self, account_id: uuid.UUID) -> str | None:
        if account_id == self.householder_id:
            return "householder"
        if account_id == self.sharer_id:
            return "sharer"
        return None


class MatchEvent(IdMixin, db.Model):
    """One step of a match's life: who moved it, when, from which state to which."""

    __tablename__ = "match_event"

    match_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("match.id", ondelete="CASCADE"),
                                                nullable=False, index=True)
    action: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    from_state: Mapped[MatchState | None] = mapped_column(string_enum(MatchState, "from_state"))
    to_state: Mapped[MatchState] = mapped_column(string_enum(MatchState, "to_state"), nullable=False)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    details: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
