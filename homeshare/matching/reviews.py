"""The trial review: each side says how the trial went, and a coordinator decides.

A review comes in rounds: the first reviews the trial as started, and each extension of the
trial opens the next. While the match is in its trial each side gives (or changes) its view:
the person, their representative who may answer check-ins, or a coordinator recording what the
person said (``behalf.answerer``). The coordinator's decision ends the round: ``activate`` makes
the match active through the activation rules, ``extend`` moves the trial's end later (the
check-ins are planned again) and opens a new round, ``stop`` gives the scheme's notice.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from flask_babel import lazy_gettext as _l

from homeshare.accounts.models import Account
from homeshare.audit import service as audit
from homeshare.behalf import service as behalf
from homeshare.behalf.models import Scope
from homeshare.common.clock import local_today, utcnow
from homeshare.errors import ApiError, Conflict, NotFound, ValidationFailed
from homeshare.extensions import db
from homeshare.matching import service
from homeshare.matching.events import trial_extended
from homeshare.matching.models import (
    EndReason, Match, MatchState, TrialDecision, TrialReview, TrialReviewView, TrialView, refusal,
)
from homeshare.notifications import kinds
from homeshare.notifications.service import notify
from homeshare.schemes.models import Scheme

DECIDED = audit.declare("match.trial_review_decided", plain=("round", "decision", "trial_ends_on", "reason"))

ATTEMPTS = 3
"""A write that meets another request's at once (the first round opened, a side's view stored)
is tried again on what that request stored: a side's view may meet both in turn."""

# What was done for someone, as ``behalf.record`` names it.
GIVING_VIEW = "match.trial_review_view_given"

DECISION_WORDS = {
    TrialDecision.ACTIVATE: lambda ends_on: (_l("Your trial went well: the homeshare carries on"),
                                             _l("Your coordinator confirmed the trial: your homeshare is now active.")),
    TrialDecision.EXTEND: lambda ends_on: (_l("Your trial is extended"),
                                           _l("Your coordinator extended the trial until %(day)s.", day=ends_on)),
    TrialDecision.STOP: lambda ends_on: (_l("Your homeshare will stop after its trial"),
                                         _l("Your coordinator decided to stop the homeshare; notice is given.")),
}


def rounds_of(match: Match) -> list[TrialReview]:
    """The match's review rounds, first to last, with their views."""
    return list(db.session.scalars(sa.select(TrialReview).where(TrialReview.match_id == match.id)
                                   .options(selectinload(TrialReview.views)).order_by(TrialReview.round)))


def _latest(match: Match) -> TrialReview | None:
    return db.session.scalars(sa.select(TrialReview).where(TrialReview.match_id == match.id)
                              .order_by(TrialReview.round.desc()).limit(1)).first()


def _open_round(match: Match) -> TrialReview:
    """The round under way: the latest undecided one, or a new one opened now (the caller
    commits): the first, or the next after a stop whose notice both people withdrew."""
    review = _latest(match)
    if review is None or review.decision is not None:
        review = TrialReview(id=uuid.uuid4(), match_id=match.id, round=review.round + 1 if review else 1,
                             trial_ends_on=match.trial_ends_on, opened_at=utcnow())
        db.session.add(review)
    return review


def _not_in_trial(match: Match, what: str) -> Conflict:
    return Conflict(f"A match that is {match.state.value} has no trial to review; {what} only during the trial.",
                    kind="not-in-trial", extensions=refusal(match.state, "review_trial"))


# Views -------------------------------------------------------------------------------------------


def give_view(*, actor: Account, match: Match, view: TrialView, comment: str | None,
              on_behalf: Mapping[str, Any] | None = None, attempt: int = 1) -> TrialReviewView:
    """One side's view of the trial, at the round under way: the person's own, their
    representative's (who may answer check-ins) or a coordinator's record of it (``on_behalf``).
    The same view again changes nothing; another replaces it until the coordinator decides.
    Refused (409 ``not-in-trial``, nothing stored) once the match is not in its trial."""
    answerer = behalf.answerer(actor, match, on_behalf=on_behalf, scope=Scope.ANSWER_CHECKINS)
    if match.state is not MatchState.TRIAL:
        raise _not_in_trial(match, "views are given")
    try:
        review = _open_round(match)
        found = db.session.scalars(sa.select(TrialReviewView).where(
            TrialReviewView.review_id == review.id, TrialReviewView.side == answerer.side)).first()
        if found is not None and (found.view, found.comment) == (view, comment):
            found.round = review.round
            return behalf.attach([found], "trial_review_view")[0]
        if found is None:
            found = TrialReviewView(id=uuid.uuid4(), review_id=review.id, side=answerer.side,
                                    account_id=answerer.person_id)
            db.session.add(found)
        found.view, found.comment, found.given_at, found.given_as = view, comment, utcnow(), answerer.given_as
        behalf.record(answerer, scheme_id=match.scheme_id, action=GIVING_VIEW, target_type="trial_review_view",
                      target_id=found.id)
        db.session.commit()
    except IntegrityError:  # the first round opened, or this side's view stored, by a request at the same time
        db.session.rollback()
        if attempt == ATTEMPTS:
            raise
        return give_view(actor=actor, match=match, view=view, comment=comment, on_behalf=on_behalf,
                         attempt=attempt + 1)
    found.round = review.round
    return behalf.attach([found], "trial_review_view")[0]


# The decision ----------------------------------------------------------------------------------


def _repeated(match: Match, decision: TrialDecision, trial_ends_on: date | None, reason: EndReason | None,
              comment: str | None) -> TrialReview | None:
    """The round a decision already made answers, when this one repeats it."""
    reviews = db.session.scalars(sa.select(TrialReview).where(TrialReview.match_id == match.id)
                                 .order_by(TrialReview.round.desc()).limit(2)).all()
    decided = next((review for review in reviews if review.decision is not None), None)
    if decided is None or decided.decision is not decision or decided.decision_comment != comment:
        return None
    if decision is TrialDecision.ACTIVATE and match.state is MatchState.ACTIVE:
        return decided
    if decision is TrialDecision.STOP and match.state is MatchState.NOTICE and decided.stop_reason is reason:
        return decided
    if (decision is TrialDecision.EXTEND and match.state is MatchState.TRIAL and decided is not reviews[0]
            and decided.extended_to == trial_ends_on == match.trial_ends_on):
        return decided
    return None


def _check(match: Match, scheme: Scheme, decision: TrialDecision, trial_ends_on: date | None,
           reason: EndReason | None) -> None:
    if decision is TrialDecision.EXTEND:
        today = local_today(scheme.timezone)
        if trial_ends_on is None:
            raise ValidationFailed({"trial_ends_on": ["Required to extend the trial: its new last day."]})
        if trial_ends_on <= match.trial_ends_on or trial_ends_on <= today:
            raise ValidationFailed({"trial_ends_on": [
                f"Must be after the trial's current end ({match.trial_ends_on.isoformat()}) and after today "
                f"({today.isoformat()})."]})
    elif trial_ends_on is not None:
        raise ValidationFailed({"trial_ends_on": ["Only an extension sets a new end; leave this out."]})
    if decision is TrialDecision.STOP and reason is None:
        raise ValidationFailed({"reason": ["Required to stop: the notice's reason."]})
    if decision is not TrialDecision.STOP and reason is not None:
        raise ValidationFailed({"reason": ["Only a stop gives a reason; leave this out."]})


def decide(*, actor: Account, match: Match, decision: TrialDecision, trial_ends_on: date | None = None,
           reason: EndReason | None = None, comment: str | None = None, attempt: int = 1) -> Match:
    """A coordinator's decision at the round under way, in one transaction with what follows
    from it: ``activate`` (the activation rules apply: 409 and nothing stored when one is not
    met), ``extend`` to ``trial_ends_on`` (after today and after the current end; the check-ins
    are planned again and a new round opens) or ``stop`` (the scheme's notice, with ``reason``
    and ``comment``). Both people are told. The same decision again changes nothing."""
    if _repeated(match, decision, trial_ends_on, reason, comment) is not None:
        return match
    if match.state is not MatchState.TRIAL:
        raise _not_in_trial(match, "decisions are made")
    scheme = service.get_scheme_of(match)
    _check(match, scheme, decision, trial_ends_on, reason)
    try:
        review = _open_round(match)
        review.decision, review.decided_at, review.decided_by_id = decision, utcnow(), actor.id
        review.extended_to, review.stop_reason, review.decision_comment = trial_ends_on, reason, comment
        audit.record(actor_id=actor.id, scheme_id=match.scheme_id, action=DECIDED, target_type="match",
                     target_id=match.id, after={"round": review.round, "decision": decision.value,
                                                "trial_ends_on": trial_ends_on,
                                                "reason": reason.value if reason else None, "comment": comment})
        title, body = DECISION_WORDS[decision](trial_ends_on.isoformat() if trial_ends_on else "")
        notify([kinds.TRIAL_REVIEW_DECIDED.message(
                    person, event=f"trial-review:{review.id}:decided", title=title, body=body,
                    data={"match_id": str(match.id), "decision": decision.value})
                for person in (match.householder_id, match.sharer_id)])
        if decision is TrialDecision.ACTIVATE:
            return service.activate(actor=actor, match=match)
        if decision is TrialDecision.STOP:
            return service.give_notice(actor=actor, match=match, reason=reason, comment=comment)
        previous, match.trial_ends_on = match.trial_ends_on, trial_ends_on
        db.session.add(TrialReview(id=uuid.uuid4(), match_id=match.id, round=review.round + 1,
                                   trial_ends_on=trial_ends_on, opened_at=utcnow()))
        trial_extended.send(match, scheme=scheme, previous_end=previous)
        db.session.commit()
    except ApiError:
        db.session.rollback()
        raise
    except IntegrityError:  # the first round opened by another request at the same time: decide on it
        db.session.rollback()
        if attempt == ATTEMPTS:
            raise
        return decide(actor=actor, match=match, decision=decision, trial_ends_on=trial_ends_on, reason=reason,
                      comment=comment, attempt=attempt + 1)
    return match


def refuse_activation_without_review(match: Match, **_kwargs: Any) -> None:
    """``matching.events.activating``: where the scheme's ``trial_review_required`` holds, a match
    becomes active only through its trial review's ``activate`` decision (409
    ``trial-review-needed`` otherwise)."""
    if not service.get_scheme_of(match).effective_settings["trial_review_required"]:
        return
    review = _latest(match)
    if review is None or review.decision is not TrialDecision.ACTIVATE:
        raise Conflict("The trial has not been reviewed: decide `activate` in its trial review (both sides' views, "
                       "then your decision) to make the match active.", kind="trial-review-needed",
                       extensions=refusal(match.state, "activate"))


# Reading -------------------------------------------------------------------------------------


def _decision(review: TrialReview) -> dict[str, Any] | None:
    if review.decision is None:
        return None
    return {"decision": review.decision, "decided_at": review.decided_at, "decided_by_id": review.decided_by_id,
            "trial_ends_on": review.extended_to, "reason": review.stop_reason, "comment": review.decision_comment}


def _rounds(match: Match) -> list[dict[str, Any]]:
    """The rounds, and while the match is in its trial with none opened yet, the first as it
    stands (nothing said yet; it is stored with the first view or decision)."""
    if match.trial_started_on is None:
        raise NotFound("This match has had no trial to review.")
    found = [{"round": review.round, "trial_ends_on": review.trial_ends_on, "views": list(review.views),
              "decision": _decision(review)} for review in rounds_of(match)]
    if not found and match.state is MatchState.TRIAL:
        found = [{"round": 1, "trial_ends_on": match.trial_ends_on, "views": [], "decision": None}]
    views = [view for item in found for view in item["views"]]
    behalf.attach(views, "trial_review_view")
    for item in found:
        for view in item["views"]:
            view.round = item["round"]
    return found


def review_of(match: Match) -> dict[str, Any]:
    """The trial review as coordinators see it: every round with both views and the decision."""
    return {"match_id": match.id, "state": match.state, "trial_ends_on": match.trial_ends_on,
            "rounds": _rounds(match)}


def own_review(actor: Account, match: Match) -> dict[str, Any]:
    """The trial review as one side sees it (the person, or their representative who may answer
    check-ins): their own view and the decision of each round."""
    side = behalf.side_seen_by(actor, match, (Scope.ANSWER_CHECKINS,))
    return {"match_id": match.id, "side": side, "state": match.state, "trial_ends_on": match.trial_ends_on,
            "rounds": [{"round": item["round"], "trial_ends_on": item["trial_ends_on"],
                        "your_view": next((view for view in item["views"] if view.side == side), None),
                        "decision": item["decision"]} for item in _rounds(match)]}
