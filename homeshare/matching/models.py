from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from homeshare.accounts.models import Account
from homeshare.behalf.models import GivenAs
from homeshare.common.db import IdMixin, UTCDateTime, string_enum
from homeshare.extensions import db


class MatchState(str, enum.Enum):
    PROPOSED = "proposed"
    INTRODUCTION = "introduction"
    TRIAL = "trial"
    ACTIVE = "active"
    NOTICE = "notice"
    ENDED = "ended"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


OPEN_STATES = (MatchState.PROPOSED, MatchState.INTRODUCTION, MatchState.TRIAL, MatchState.ACTIVE, MatchState.NOTICE)
"""The match still holds its two people: it is not closed (declined, withdrawn or ended), so
its check-ins, agreement and people's next steps still matter."""

OFFER_STATES = (MatchState.PROPOSED, MatchState.INTRODUCTION)
"""An offer still being weighed: a person may be in several at once, up to the scheme's
``max_open_offers``; when one of them starts its trial, the others of both its people are
withdrawn ("matched elsewhere")."""

LIVE_STATES = (MatchState.TRIAL, MatchState.ACTIVE, MatchState.NOTICE)
"""The match a person lives in (or is about to leave): nobody is in more than one (partial
unique indexes hold that, however many requests race), and nobody in one is proposed or
offered as a candidate."""

ACQUAINTED_STATES = (MatchState.INTRODUCTION, MatchState.TRIAL, MatchState.ACTIVE, MatchState.NOTICE)
"""Both said yes and were introduced: the agreement can be drafted, contact details shared,
and each side has next steps."""

SHARING_STATES = (MatchState.TRIAL, MatchState.ACTIVE, MatchState.NOTICE)
"""The sharer lives in the householder's home: check-ins are scheduled and due, and the agreed
hours are owed and watched for shortfalls. A match in notice still is: the sharer lives there
until the notice's last day."""

NOTICE_FROM_STATES = (MatchState.TRIAL, MatchState.ACTIVE)
"""Where notice may be given: a match in its trial (the agreement's trial notice) or active
(its settled notice); withdrawing the notice returns the match to the one it came from."""

DEFAULT_NOTICE_DAYS = 28
DEFAULT_TRIAL_NOTICE_DAYS = 7
"""Notice lengths where the match has no accepted agreement (or one drafted before they existed)."""

TRIAL_REVIEW_NOTICE_DAYS = 7
"""A trial ending within this many days is due for its review: coordinators are reminded, and
the dashboard lists it."""

_LIVE_SQL = "state IN (" + ", ".join(f"'{state.value}'" for state in LIVE_STATES) + ")"

# The state machine: for each state, the actions allowed from it and the state each leads to.
TRANSITIONS: dict[MatchState, dict[str, MatchState]] = {
    MatchState.PROPOSED: {"accept": MatchState.PROPOSED, "decline": MatchState.DECLINED,
                          "introduce": MatchState.INTRODUCTION, "withdraw": MatchState.WITHDRAWN},
    MatchState.INTRODUCTION: {"start_trial": MatchState.TRIAL, "withdraw": MatchState.WITHDRAWN},
    MatchState.TRIAL: {"activate": MatchState.ACTIVE, "give_notice": MatchState.NOTICE, "end": MatchState.ENDED},
    MatchState.ACTIVE: {"give_notice": MatchState.NOTICE, "end": MatchState.ENDED},
    MatchState.NOTICE: {"shorten_notice": MatchState.NOTICE, "agree_to_withdraw_notice": MatchState.NOTICE,
                        "resume_trial": MatchState.TRIAL,
                        "resume_active": MatchState.ACTIVE, "notice_runs_out": MatchState.ENDED,
                        "end": MatchState.ENDED},
    MatchState.ENDED: {},
    MatchState.DECLINED: {},
    MatchState.WITHDRAWN: {},
}
PARTY_ACTIONS = frozenset({"accept", "decline", "agree_to_withdraw_notice"})
"""The actions the householder and the sharer take; coordinators take the others (and give
notice, and agree to withdraw it, as the people do)."""
AUTOMATIC_ACTIONS = frozenset({"notice_runs_out", "resume_trial", "resume_active"})
"""Actions nobody asks for by name: the scheduler ends a notice on its last day, and a notice
both people agreed to withdraw returns the match to the state it came from."""


def allowed_actions(state: MatchState) -> list[str]:
    """What may be asked of a match in ``state`` (not what happens by itself)."""
    return [action for action in TRANSITIONS[state] if action not in AUTOMATIC_ACTIONS]


def refusal(state: MatchState, action: str) -> dict[str, object]:
    """The members of a 409 that refuses a coordinator's ``action`` on a match in ``state`` for
    a condition not met: the state, and what the coordinator may do instead."""
    others = [name for name in TRANSITIONS[state]
              if name != action and name not in PARTY_ACTIONS and name not in AUTOMATIC_ACTIONS]
    return {"state": state.value, "allowed_transitions": others}


def state_diagram() -> str:
    """The state machine as a Mermaid diagram, made from ``TRANSITIONS`` (docs/api-guide.md
    carries it; a test fails when the committed copy is stale)."""
    lines = ["stateDiagram-v2", f"    [*] --> {MatchState.PROPOSED.value}: propose"]
    for state, actions in TRANSITIONS.items():
        for action, target in actions.items():
            lines.append(f"    {state.value} --> {target.value}: {action}")
        if not actions:
            lines.append(f"    {state.value} --> [*]")
    return "\n".join(lines) + "\n"


class Response(str, enum.Enum):
    ACCEPTED = "accepted"
    DECLINED = "declined"


class EndedBy(str, enum.Enum):
    HOUSEHOLDER = "householder"
    SHARER = "sharer"
    BOTH = "both"
    SCHEME = "scheme"


class NoticeGiver(str, enum.Enum):
    """Who gave notice: one of the two people (themselves or through someone), or the scheme."""

    HOUSEHOLDER = "householder"
    SHARER = "sharer"
    SCHEME = "scheme"


class EndReason(str, enum.Enum):
    """Why a match ends, as schemes count it."""

    HOUSEHOLDER_MOVED_TO_CARE = "householder-moved-to-care"  # into care or hospital
    HOUSEHOLDER_HEALTH_CHANGED = "householder-health-changed"
    HOUSEHOLDER_DIED = "householder-died"
    SHARER_MOVED_FOR_WORK_OR_STUDY = "sharer-moved-for-work-or-study"
    SHARER_CIRCUMSTANCES_CHANGED = "sharer-circumstances-changed"
    RELATIONSHIP_BROKE_DOWN = "relationship-broke-down"
    DISAGREEMENT_ABOUT_HOURS_OR_EXPECTATIONS = "disagreement-about-hours-or-expectations"
    SAFEGUARDING = "safeguarding"
    SCHEME_ENDED = "scheme-ended"
    OTHER = "other"


END_REASON_LENGTH = 40



class Match(IdMixin, db.Model):
    """A householder and a sharer, from proposal to the end of their homeshare.

    A person is in at most one live match (trial, active or notice): partial unique indexes
    hold that in the database, whatever the code does and however many requests race. Offers
    (proposed, introduction) may be several at once, up to the scheme's ``max_open_offers``.
    """

    __tablename__ = "match"
    __table_args__ = (
        sa.Index("uq_match_live_householder", "householder_id", unique=True,
                 sqlite_where=sa.text(_LIVE_SQL), postgresql_where=sa.text(_LIVE_SQL)),
        sa.Index("uq_match_live_sharer", "sharer_id", unique=True,
                 sqlite_where=sa.text(_LIVE_SQL), postgresql_where=sa.text(_LIVE_SQL)),
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
    # Why it ended, from the closed vocabulary (a notice's reason, or a coordinator's ending).
    end_reason_code: Mapped[EndReason | None] = mapped_column(
        string_enum(EndReason, "end_reason_code", length=END_REASON_LENGTH))
    # The notice, while it runs (and, once the match ends on its last day, as it was).
    notice_given_by: Mapped[NoticeGiver | None] = mapped_column(string_enum(NoticeGiver, "notice_given_by"))
    notice_reason: Mapped[EndReason | None] = mapped_column(
        string_enum(EndReason, "notice_reason", length=END_REASON_LENGTH))
    notice_comment: Mapped[str | None] = mapped_column(sa.String(2000))
    notice_given_on: Mapped[date | None] = mapped_column(sa.Date)
    notice_last_day: Mapped[date | None] = mapped_column(sa.Date)
    # Each person's agreement to withdraw the notice; both withdraw it.
    householder_withdraws_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sharer_withdraws_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    follows_match_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("match.id", ondelete="SET NULL"))

    householder: Mapped[Account] = relationship(foreign_keys=[householder_id], lazy="raise")
    sharer: Mapped[Account] = relationship(foreign_keys=[sharer_id], lazy="raise")
    events: Mapped[list[MatchEvent]] = relationship(
        order_by="(MatchEvent.occurred_at, MatchEvent.id)", lazy="select", viewonly=True
    )
    exit_feedback: Mapped[list[ExitFeedback]] = relationship(order_by="ExitFeedback.side", lazy="select",
                                                             viewonly=True)

    __mapper_args__ = {"version_id_col": version}

    @property
    def notice(self) -> dict[str, Any] | None:
        """The notice running on the match, or None."""
        if self.state is not MatchState.NOTICE:
            return None
        return {"given_by": self.notice_given_by, "reason": self.notice_reason, "comment": self.notice_comment,
                "given_on": self.notice_given_on, "last_day": self.notice_last_day,
                "withdrawal_agreed_by": [side for side in ("householder", "sharer")
                                         if getattr(self, f"{side}_withdraws_notice_at") is not None]}

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


class ExitFeedback(IdMixin, db.Model):
    """What one side says about the homeshare as it ends: once per side, replaceable."""

    __tablename__ = "exit_feedback"
    __table_args__ = (sa.UniqueConstraint("match_id", "side"),)

    match_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("match.id", ondelete="CASCADE"), nullable=False)
    side: Mapped[str] = mapped_column(sa.String(12), nullable=False)
    would_homeshare_again: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    scheme_support: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    comment: Mapped[str | None] = mapped_column(sa.String(2000))
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class TrialView(str, enum.Enum):
    """How one side says the trial went, at its review."""

    CARRY_ON = "carry-on"
    NOT_SURE = "not-sure"
    STOP = "stop"


class TrialDecision(str, enum.Enum):
    """The coordinator's decision at a trial review: the match becomes active, its trial is
    extended (a new round of the review opens), or it is given the scheme's notice."""

    ACTIVATE = "activate"
    EXTEND = "extend"
    STOP = "stop"


class TrialReview(IdMixin, db.Model):
    """One round of a match's trial review: both sides' views, then the coordinator's decision.
    Round 1 reviews the trial as started; each extension opens the next round."""

    __tablename__ = "trial_review"
    __table_args__ = (sa.UniqueConstraint("match_id", "round"),)

    match_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("match.id", ondelete="CASCADE"), nullable=False)
    round: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    # The trial's end this round reviews.
    trial_ends_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    decision: Mapped[TrialDecision | None] = mapped_column(string_enum(TrialDecision, "decision"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    # An extension's new end; a stop's reason, from the notice's vocabulary.
    extended_to: Mapped[date | None] = mapped_column(sa.Date)
    stop_reason: Mapped[EndReason | None] = mapped_column(string_enum(EndReason, "stop_reason",
                                                                      length=END_REASON_LENGTH))
    # The coordinator's words about the decision (for a stop, the notice's comment too).
    decision_comment: Mapped[str | None] = mapped_column(sa.String(2000))

    views: Mapped[list[TrialReviewView]] = relationship(order_by="TrialReviewView.side", lazy="raise",
                                                        viewonly=True)


class TrialReviewView(IdMixin, db.Model):
    """One side's view at a round of the trial review: replaceable until the decision."""

    __tablename__ = "trial_review_view"
    __table_args__ = (sa.UniqueConstraint("review_id", "side"),)

    review_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("trial_review.id", ondelete="CASCADE"),
                                                 nullable=False)
    side: Mapped[str] = mapped_column(sa.String(12), nullable=False)
    account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), nullable=False,
                                                  index=True)
    view: Mapped[TrialView] = mapped_column(string_enum(TrialView, "view"), nullable=False)
    comment: Mapped[str | None] = mapped_column(sa.String(2000))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # Whose hand the view came by (who and how: the view's behalf records).
    given_as: Mapped[GivenAs] = mapped_column(string_enum(GivenAs, "given_as"), nullable=False,
                                              default=GivenAs.SELF)


class ScoringFeatures(db.Model):
    """What the ranking scores of one person, as ``matching.features`` encodes it from their
    profile: kept in the transaction of every change of the profile. Read only where ``format``
    is the code's ``features.FORMAT`` and ``profile_version`` the profile's current version."""

    __tablename__ = "scoring_features"

    account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    format: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    profile_version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    fixed: Mapped[bytes] = mapped_column(sa.LargeBinary, nullable=False)
    items: Mapped[bytes] = mapped_column(sa.LargeBinary, nullable=False)
