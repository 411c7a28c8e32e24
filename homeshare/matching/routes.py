from __future__ import annotations

from flask.views import MethodView

from homeshare.accounts.models import Account
from homeshare.behalf.models import Scope
from homeshare.common.access import current_account, requires
from homeshare.common.roles import MEMBER_ROLES, Role
from homeshare.common.pagination import PageQuerySchema, page_of
from homeshare.extensions import Blueprint, documents_errors
from homeshare.matching import reviews, service
from homeshare.matching.examples import OWN_MATCH_PAGE
from homeshare.common.views import retry_on_concurrent_change
from homeshare.matching.schemas import (
    EndSchema,
    ExitFeedbackRequestSchema,
    ExitFeedbackSchema,
    NoticeRequestSchema,
    NoticeWithdrawalSchema,
    ShorteningSchema,
    IntroductionSchema,
    MatchDetailSchema,
    MatchListQuerySchema,
    MatchSchema,
    OwnMatchSchema,
    PoolSuggestionSchema,
    ProposalSchema,
    MatchResponseSchema,
    SuggestionSchema,
    OwnTrialReviewSchema,
    TrialDecisionRequestSchema,
    TrialReviewSchema,
    TrialSchema,
    TrialViewRequestSchema,
    TrialViewSchema,
    WithdrawSchema,
)
from homeshare.matching.models import Match
from homeshare.schemes.models import Scheme

blp = Blueprint("matching", __name__, url_prefix="/api/v1", description="Candidates, pool suggestions and matches.")


@blp.route("/people/<uuid:person_id>/candidates")
class Candidates(MethodView):
    @blp.doc(operationId="listCandidates")
    @requires(Role.COORDINATOR)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_of(SuggestionSchema))
    @documents_errors(404)
    def get(self, query, person: Account):
        """Rank the candidates for a householder or a sharer, best first, with reasons

        Only cleared people of the other role who are in no live match and pass every
        hard filter are listed.
        """
        return service.rank_candidates(person, page=query["page"], per_page=query["per_page"])


@blp.route("/schemes/<uuid:scheme_id>/pool-suggestion")
class PoolSuggestion(MethodView):
    @blp.doc(operationId="suggestPoolPairing")
    @requires(Role.COORDINATOR)
    @blp.response(200, PoolSuggestionSchema)
    @documents_errors(404)
    def get(self, scheme: Scheme):
        """The best one-to-one pairing of everyone waiting in your scheme

        Maximises the total compatibility over pairs that pass the hard filters. Nothing
        is committed: propose the pairs you agree with.
        """
        return service.suggest_pool(scheme)


@blp.route("/schemes/<uuid:scheme_id>/matches")
class SchemeMatches(MethodView):
    @blp.doc(operationId="listSchemeMatches")
    @requires(Role.COORDINATOR)
    @blp.arguments(MatchListQuerySchema, location="query")
    @blp.response(200, page_of(MatchSchema))
    @documents_errors(404)
    def get(self, query, scheme: Scheme):
        """The matches of your scheme, newest first

        For the scheme's coordinators, filtered by state.
        """
        return service.list_matches(scheme=scheme, state=query.get("state"),
                                    page=query["page"], per_page=query["per_page"])

    @blp.doc(operationId="proposeMatch")
    @requires(Role.COORDINATOR)
    @blp.arguments(ProposalSchema)
    @blp.response(201, MatchDetailSchema)
    @blp.alt_response(200, schema=MatchDetailSchema, description="The same proposal, still open.", success=True)
    @documents_errors(404, 409)
    def post(self, data, scheme: Scheme):
        """Propose a match between a cleared householder and a cleared sharer

        For the scheme's coordinators: both people must be active and cleared by vetting. A person
        may be in several proposals and introductions at once, up to the scheme's
        `max_open_offers` (3 unless set): one more is 409 `too-many-offers`; someone in a live
        match (trial, active or notice) is 409 `already-matched`. A rematch names the ended or
        withdrawn match it follows (`follows_match_id`).
        """
        match, created = service.propose(actor=current_account(), scheme=scheme,
                                         householder_id=data["householder_id"], sharer_id=data["sharer_id"],
                                         follows_match_id=data["follows_match_id"])
        return match, 201 if created else 200


@blp.route("/me/matches")
class OwnMatches(MethodView):
    @blp.doc(operationId="listMyMatches")
    @requires(*MEMBER_ROLES)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_of(OwnMatchSchema), example=OWN_MATCH_PAGE)
    def get(self, query):
        """Your matches, the current one first, each with the next step expected of you

        For a householder or a sharer: every match they are or were in, the current one first,
        each with the step that waits on them.
        """
        return service.matches_of(current_account(), page=query["page"], per_page=query["per_page"])


@blp.route("/represented/<uuid:represented_id>/matches")
class RepresentedMatches(MethodView):
    @blp.doc(operationId="listRepresentedMatches")
    @requires(Role.REPRESENTATIVE, scopes=(Scope.SEE_MATCH,))
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_of(OwnMatchSchema))
    @documents_errors(404)
    def get(self, query, represented: Account):
        """The matches of someone you represent, as they see them (representatives)

        Needs the person's consent to let you see their matches (`see-match`); otherwise 404.
        """
        return service.matches_of(represented, page=query["page"], per_page=query["per_page"])


@blp.route("/matches/<uuid:match_id>")
class MatchDetail(MethodView):
    @blp.doc(operationId="getMatch")
    @requires(Role.COORDINATOR)
    @blp.response(200, MatchDetailSchema)
    @documents_errors(404)
    def get(self, match: Match):
        """A match in full, with every step of its history (coordinators)

        The match with both people, its state, its terms and the history of every transition, as
        its scheme's coordinators see it.
        """
        return service.match_in_full(match)


@blp.route("/me/matches/<uuid:match_id>")
class OwnMatch(MethodView):
    @blp.doc(operationId="getMyMatch")
    @requires(*MEMBER_ROLES)
    @blp.response(200, OwnMatchSchema)
    @documents_errors(404)
    def get(self, match: Match):
        """One of your matches, with what you may see of the other person

        What you may see of the other person depends on the match's stage: contact details only
        from the introduction on, and only when both agreed to share them.
        """
        return service.party_views(current_account(), [match])[0]


@blp.route("/matches/<uuid:match_id>/response")
class MatchResponse(MethodView):
    @blp.doc(operationId="respondToMatch")
    @requires(*MEMBER_ROLES, Role.COORDINATOR)
    @blp.arguments(MatchResponseSchema)
    @blp.response(200, OwnMatchSchema)
    @documents_errors(404, 409)
    @retry_on_concurrent_change
    def post(self, data, match: Match):
        """Accept or decline a proposed match (its householder or sharer, or a coordinator for them)

        The householder or the sharer of a proposed match accepts or declines it, and says
        whether they agree to share contact details from the introduction on. A coordinator
        records the answer of a person who gave it in person, by phone or on paper
        (`on_behalf`); the answer shows it was given for them.
        """
        person = service.respond(actor=current_account(), match=match, accept=data["decision"] == "accept",
                                 reason=data["reason"], share_contact=data["share_contact_details"],
                                 on_behalf=data["on_behalf"])
        return service.party_views(person, [match])[0]


@blp.route("/matches/<uuid:match_id>/introduction")
class MatchIntroduction(MethodView):
    @blp.doc(operationId="recordIntroduction")
    @requires(Role.COORDINATOR)
    @blp.arguments(IntroductionSchema)
    @blp.response(200, MatchDetailSchema)
    @documents_errors(404, 409)
    @retry_on_concurrent_change
    def post(self, data, match: Match):
        """Record the introduction meeting, once both sides have accepted

        For the match's coordinators: when and where the two people met. 409 unless both have
        accepted the proposal.
        """
        service.arrange_introduction(actor=current_account(), match=match, meeting_at=data["meeting_at"],
                                     place=data["place"])
        return match


@blp.route("/matches/<uuid:match_id>/trial")
class MatchTrial(MethodView):
    @blp.doc(operationId="startTrial")
    @requires(Role.COORDINATOR)
    @blp.arguments(TrialSchema)
    @blp.response(200, MatchDetailSchema)
    @documents_errors(404, 409)
    @retry_on_concurrent_change
    def post(self, data, match: Match):
        """Start the trial; it lasts the scheme's trial length

        For the match's coordinators, after the introduction: the check-ins are planned, and the
        trial lasts the scheme's trial length. Both people's other proposals and introductions
        are withdrawn at once ("matched elsewhere"), and their other people and the coordinators
        are told (`match_withdrawn`). A person lives in one match at most: of two trials started
        at once for the same person, one starts and the other is 409 (`matched-elsewhere`, or
        `already-matched`), nothing stored.
        """
        service.start_trial(actor=current_account(), match=match, start_on=data["start_on"],
                            scheme=service.get_scheme_of(match))
        return match


@blp.route("/matches/<uuid:match_id>/activation")
class MatchActivation(MethodView):
    @blp.doc(operationId="activateMatch")
    @requires(Role.COORDINATOR)
    @blp.response(200, MatchDetailSchema)
    @documents_errors(404, 409)
    @retry_on_concurrent_change
    def post(self, match: Match):
        """Confirm the trial went well: the match becomes active

        Both sides must have accepted the current version of the agreement. Where the scheme's
        `trial_review_required` holds (the default), a match becomes active through its trial
        review's `activate` decision (`decideTrialReview`): here it is 409 `trial-review-needed`
        until that decision was made.
        """
        service.activate(actor=current_account(), match=match)
        return match


@blp.route("/matches/<uuid:match_id>/ending")
class MatchEnding(MethodView):
    @blp.doc(operationId="endMatch")
    @requires(Role.COORDINATOR)
    @blp.arguments(EndSchema)
    @blp.response(200, MatchDetailSchema)
    @documents_errors(404, 409)
    @retry_on_concurrent_change
    def post(self, data, match: Match):
        """End a match at once, in its trial, active or in notice: who ended it, why, the notice and the last day

        For the match's coordinators. Records who ended it, why and the notice given; an ended
        match no longer changes. Most matches end by notice instead (`giveNotice`).
        """
        service.end(actor=current_account(), match=match, ended_by=data["ended_by"], reason=data["reason"],
                    notice_given_days=data["notice_given_days"], end_on=data["end_on"],
                    reason_code=data["reason_code"])
        return match


@blp.route("/matches/<uuid:match_id>/withdrawal")
class MatchWithdrawal(MethodView):
    @blp.doc(operationId="withdrawMatch")
    @requires(Role.COORDINATOR)
    @blp.arguments(WithdrawSchema)
    @blp.response(200, MatchDetailSchema)
    @documents_errors(404, 409)
    @retry_on_concurrent_change
    def post(self, data, match: Match):
        """Withdraw a proposal or an introduction

        For the match's coordinators, before the trial starts: the match ends without being
        tried.
        """
        service.withdraw(actor=current_account(), match=match, reason=data["reason"])
        return match


@blp.route("/matches/<uuid:match_id>/notice")
class MatchNotice(MethodView):
    @blp.doc(operationId="giveNotice")
    @requires(*MEMBER_ROLES, Role.COORDINATOR)
    @blp.arguments(NoticeRequestSchema)
    @blp.response(200, MatchDetailSchema)
    @documents_errors(404, 409)
    @retry_on_concurrent_change
    def post(self, data, match: Match):
        """Give notice on a match in its trial or active (either person, or a coordinator)

        The householder or the sharer gives notice for themselves; a coordinator records a
        person's notice (`on_behalf`) or, without it, gives the scheme's. The notice runs for the
        accepted agreement's `trial_notice_days` in the trial, `notice_days` once active (7 and 28
        without one), from today in the scheme's time zone; the match ends after its last day.
        The same notice again changes nothing; any other match is 409.
        """
        service.give_notice(actor=current_account(), match=match, reason=data["reason"], comment=data["comment"],
                            on_behalf=data["on_behalf"])
        return match


@blp.route("/matches/<uuid:match_id>/notice/shortening")
class MatchNoticeShortening(MethodView):
    @blp.doc(operationId="shortenNotice")
    @requires(Role.COORDINATOR)
    @blp.arguments(ShorteningSchema)
    @blp.response(200, MatchDetailSchema)
    @documents_errors(404, 409)
    @retry_on_concurrent_change
    def post(self, data, match: Match):
        """Bring a notice's last day forward, with the reason (coordinators)

        The new last day is not before today (in the scheme's time zone) nor after the current
        last day (422 otherwise); 409 when no notice runs.
        """
        service.shorten_notice(actor=current_account(), match=match, last_day=data["last_day"],
                               reason=data["reason"])
        return match


@blp.route("/matches/<uuid:match_id>/notice/withdrawal")
class MatchNoticeWithdrawal(MethodView):
    @blp.doc(operationId="withdrawNotice")
    @requires(*MEMBER_ROLES, Role.COORDINATOR)
    @blp.arguments(NoticeWithdrawalSchema)
    @blp.response(200, MatchDetailSchema)
    @documents_errors(404, 409)
    @retry_on_concurrent_change
    def post(self, data, match: Match):
        """Agree to withdraw the notice (each person, or a coordinator for them)

        Notice is withdrawn only when both people agree: each sends this (a coordinator records a
        person's agreement with `on_behalf`, never for both). Once both have, the match returns to
        its trial or active state and the notice is cleared; its steps stay in the history.
        """
        service.withdraw_notice(actor=current_account(), match=match, on_behalf=data["on_behalf"])
        return match


@blp.route("/matches/<uuid:match_id>/exit-feedback")
class MatchExitFeedback(MethodView):
    @blp.doc(operationId="putExitFeedback")
    @requires(*MEMBER_ROLES, Role.COORDINATOR)
    @blp.arguments(ExitFeedbackRequestSchema)
    @blp.response(201, ExitFeedbackSchema, description="Your side's feedback, stored.")
    @blp.alt_response(200, schema=ExitFeedbackSchema, description="Your side's feedback, replaced or unchanged.",
                      success=True)
    @documents_errors(404, 409)
    def put(self, data, match: Match):
        """Give or replace your exit feedback, once the match is in notice or ended

        Each person gives their own (a coordinator records a person's with `on_behalf`): whether
        they would homeshare again, how well the scheme supported them (1 to 5) and a comment.
        Sending it again replaces it. Coordinators see both sides' in the match.
        """
        feedback, created = service.put_exit_feedback(
            actor=current_account(), match=match, would_homeshare_again=data["would_homeshare_again"],
            scheme_support=data["scheme_support"], comment=data["comment"], on_behalf=data["on_behalf"])
        return feedback, 201 if created else 200


@blp.route("/matches/<uuid:match_id>/trial-review")
class MatchTrialReview(MethodView):
    @blp.doc(operationId="getTrialReview")
    @requires(Role.COORDINATOR)
    @blp.response(200, TrialReviewSchema)
    @documents_errors(404)
    def get(self, match: Match):
        """A match's trial review: both sides' views and the decision of each round (coordinators)

        Every round of the review, the one under way last while the match is in its trial. 404
        for a match that never started a trial.
        """
        return reviews.review_of(match)


@blp.route("/matches/<uuid:match_id>/trial-review/view")
class MatchTrialView(MethodView):
    @blp.doc(operationId="giveTrialView")
    @requires(*MEMBER_ROLES, Role.COORDINATOR, Role.REPRESENTATIVE, scopes=(Scope.ANSWER_CHECKINS,))
    @blp.arguments(TrialViewRequestSchema)
    @blp.response(200, TrialViewSchema)
    @documents_errors(404, 409)
    def put(self, data, match: Match):
        """Say how the trial went: carry on, not sure or stop (or change what you said)

        The householder or the sharer gives their own view, a representative who may answer
        check-ins gives the person's, and a coordinator records a view given in person, by phone
        or on paper (`on_behalf`). The same view again changes nothing; another replaces it until
        the coordinator decides. 409 `not-in-trial` once the match is not in its trial.
        """
        return reviews.give_view(actor=current_account(), match=match, view=data["view"], comment=data["comment"],
                                 on_behalf=data["on_behalf"])


@blp.route("/matches/<uuid:match_id>/trial-review/decision")
class MatchTrialDecision(MethodView):
    @blp.doc(operationId="decideTrialReview")
    @requires(Role.COORDINATOR)
    @blp.arguments(TrialDecisionRequestSchema, example={"decision": "activate", "comment": "Both want to carry on."})
    @blp.response(200, TrialReviewSchema)
    @documents_errors(404, 409)
    @retry_on_concurrent_change
    def post(self, data, match: Match):
        """Decide the trial review: activate the match, extend its trial, or stop it with notice (coordinators)

        `activate`: the match becomes active at once, under the activation rules (both sides
        accepted the current agreement; both people active and cleared), 409 with nothing
        stored otherwise. `extend`: the trial goes on until `trial_ends_on` (after today and after
        its current end, 422 otherwise), the check-ins are planned again for the new end and a
        new round of the review opens. `stop`: the scheme gives notice with `reason` and
        `comment`, as `giveNotice` does. Both people are told. The same decision again changes
        nothing; 409 `not-in-trial` for a match not in its trial.
        """
        reviews.decide(actor=current_account(), match=match, decision=data["decision"],
                       trial_ends_on=data["trial_ends_on"], reason=data["reason"], comment=data["comment"])
        return reviews.review_of(match)


@blp.route("/me/matches/<uuid:match_id>/trial-review")
class OwnTrialReview(MethodView):
    @blp.doc(operationId="getMyTrialReview")
    @requires(*MEMBER_ROLES, Role.REPRESENTATIVE, scopes=(Scope.ANSWER_CHECKINS,))
    @blp.response(200, OwnTrialReviewSchema)
    @documents_errors(404)
    def get(self, match: Match):
        """Your trial review: your own view and the decision of each round

        For the householder or the sharer (a representative who may answer check-ins sees the
        person's). 404 for a match that never started a trial.
        """
        return reviews.own_review(current_account(), match)
