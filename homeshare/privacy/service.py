"""Export and erasure of a householder's or sharer's data (UK GDPR).

Erasure closes the account and removes or blanks what is personal; records another
person relies on keep only anonymised facts; safeguarding concerns are kept, detached
from the person and marked. docs/api-guide.md, "Your data and how long it is kept", states
the rules; this module is their one implementation.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from homeshare.absences.models import Absence
from homeshare.absences.schemas import AbsenceSchema
from homeshare.accounts.models import Account, AccountCode, AuthSession, Invitation
from homeshare.agreements.models import AgreementVersion
from homeshare.agreements.schemas import AgreementVersionSchema
from homeshare.audit import service as audit
from homeshare.behalf import service as behalf
from homeshare.behalf.models import BehalfRecord, Representation, Representative
from homeshare.behalf.schemas import BehalfRecordSchema, LinkViewSchema
from homeshare.checkins.models import CheckIn, CheckInAnswer
from homeshare.checkins.schemas import AnswerViewSchema
from homeshare.common.clock import local_today, utcnow
from homeshare.concerns.models import Concern
from homeshare.concerns.schemas import OwnConcernSchema
from homeshare.conversations import service as conversations
from homeshare.enquiries.models import Enquiry
from homeshare.extensions import db
from homeshare.hours.models import HoursEntry
from homeshare.hours.schemas import EntrySchema
from homeshare.matching.models import (
    OPEN_STATES, EndedBy, ExitFeedback, Match, MatchEvent, MatchState, TrialReview, TrialReviewView,
)
from homeshare.matching.schemas import OwnMatchSchema, TrialViewSchema
from homeshare.matching.service import party_views
from homeshare.meetings.models import Meeting, MeetingFeedback
from homeshare.meetings.schemas import FeedbackViewSchema
from homeshare.notifications.models import Device, Notification, NotificationPreference, QuietHours
from homeshare.notifications.schemas import DeviceSchema, NotificationSchema
from homeshare.profiles.models import Profile
from homeshare.profiles.schemas import ProfileSchema
from homeshare.questionnaires import service as questionnaires
from homeshare.questionnaires.models import Questionnaire
from homeshare.questionnaires.schemas import QuestionnaireSchema
from homeshare.vetting.schemas import OwnChecklistSchema
from homeshare.vetting.service import checklist, store_statuses
from homeshare.vetting.models import VettingCheck

ERASED_DOMAIN = "erased.invalid"


EXPORTED = "privacy.export"


def export(account: Account, *, actor: Account | None = None) -> dict[str, Any]:
    """Everything held about ``account``, as the person may see it (no coordinator notes): what
    they did, what was done for them and by whom, and who represents them.

    ``actor`` is who asks for it: the person (the default), or a coordinator of their scheme for a
    person without the app; the audit trail says which.
    """
    actor = actor or account
    matches = db.session.scalars(sa.select(Match).where(
        sa.or_(Match.householder_id == account.id, Match.sharer_id == account.id))).all()
    match_ids = [m.id for m in matches]
    entries = db.session.scalars(sa.select(HoursEntry).where(
        HoursEntry.match_id.in_(match_ids), HoursEntry.deleted_at.is_(None))).all() if match_ids else []
    versions = db.session.scalars(sa.select(AgreementVersion).where(
        AgreementVersion.match_id.in_(match_ids))).all() if match_ids else []
    answers = db.session.scalars(sa.select(CheckInAnswer).where(CheckInAnswer.account_id == account.id)).all()
    trial_views = []
    for view, number, match_id in db.session.execute(
            sa.select(TrialReviewView, TrialReview.round, TrialReview.match_id)
            .join(TrialReview, TrialReview.id == TrialReviewView.review_id)
            .where(TrialReviewView.account_id == account.id).order_by(TrialReview.match_id, TrialReview.round)):
        view.round, view.match_id = number, match_id
        trial_views.append(view)
    feedback = db.session.scalars(sa.select(MeetingFeedback).where(MeetingFeedback.account_id == account.id)
                                  .order_by(MeetingFeedback.given_at, MeetingFeedback.id)).all()
    done_for = db.session.scalars(sa.select(BehalfRecord).where(BehalfRecord.person_id == account.id)
                                  .order_by(BehalfRecord.created_at, BehalfRecord.id)).all()
    links = db.session.scalars(sa.select(Representation).where(Representation.person_id == account.id)
                               .order_by(Representation.created_at, Representation.id)).all()
    behalf.with_people(links)
    data = {
        "account": {"id": str(account.id), "email": account.email, "role": account.role.value,
                    "has_login": account.has_login, "origin": account.origin.value,
                    "behalf_agreed_on": account.behalf_agreed_on.isoformat() if account.behalf_agreed_on else None,
                    "language": account.language, "display_name": account.display_name,
                    "work_phone": account.work_phone, "created_at": account.created_at.isoformat()},
        "profile": ProfileSchema().dump(db.session.get(Profile, account.id)),
        "vetting": OwnChecklistSchema().dump(checklist(account)),
        "matches": OwnMatchSchema(many=True).dump(party_views(account, matches)),
        "agreements": [{"match_id": str(v.match_id), **AgreementVersionSchema().dump(v)} for v in versions],
        "hours": EntrySchema(many=True).dump(behalf.attach(entries, "hours_entry")),
        "checkin_answers": AnswerViewSchema(many=True).dump(behalf.attach(answers, "checkin_answer")),
        "questionnaires": QuestionnaireSchema(many=True).dump(questionnaires.described_all(db.session.scalars(
            sa.select(Questionnaire).where(Questionnaire.person_id == account.id)
            .order_by(Questionnaire.due_on, Questionnaire.key)).all())),
        "absences": AbsenceSchema(many=True).dump(behalf.attach(db.session.scalars(
            sa.select(Absence).where(Absence.person_id == account.id, Absence.cancelled_at.is_(None))
            .order_by(Absence.first_day)).all(), "absence")),
        "trial_review_views": [{"match_id": str(view.match_id), **TrialViewSchema().dump(view)}
                               for view in behalf.attach(trial_views, "trial_review_view")],
        "meeting_feedback": [{"meeting_id": str(item.meeting_id), **FeedbackViewSchema().dump(item)}
                             for item in behalf.attach(feedback, "meeting_feedback")],
        "done_on_behalf": [{**BehalfRecordSchema().dump(item), "target_type": item.target_type,
                            "target_id": str(item.target_id)} for item in done_for],
        "representatives": LinkViewSchema(many=True).dump(links),
        "notifications": NotificationSchema(many=True).dump(db.session.scalars(
            sa.select(Notification).where(Notification.account_id == account.id)).all()),
        "devices": DeviceSchema(many=True).dump(db.session.scalars(
            sa.select(Device).where(Device.account_id == account.id)).all()),
        "notification_choices": [
            {"kind": row.kind, "channel": row.channel, "enabled": row.enabled} for row in db.session.scalars(
                sa.select(NotificationPreference).where(NotificationPreference.account_id == account.id)
                .order_by(NotificationPreference.kind, NotificationPreference.channel))],
        "quiet_hours": next(({"starts_at": row.starts_at.strftime("%H:%M"), "ends_at": row.ends_at.strftime("%H:%M")}
                             for row in db.session.scalars(sa.select(QuietHours).where(
                                 QuietHours.account_id == account.id))), None),
        "conversations": conversations.export_of(account),
        "concerns_raised": OwnConcernSchema(many=True).dump(db.session.scalars(
            sa.select(Concern).where(Concern.raised_by_id == account.id)).all()),
        # The enquiries they came from, without the coordinators' notes.
        "enquiries": [{"name": e.name, "contact": e.contact, "contact_name": e.contact_name,
                       "seeking": e.seeking.value, "source": e.source.value, "stage": e.stage.value,
                       "enquiry_on": e.enquiry_on.isoformat()} for e in db.session.scalars(
            sa.select(Enquiry).where(Enquiry.person_id == account.id)).all()],
    }
    audit.record(actor_id=actor.id, scheme_id=account.scheme_id, action=EXPORTED, target_type="person",
                 target_id=account.id)
    db.session.commit()
    return data


PROFILE_KEEPS = {"account_id", "version", "created_at", "updated_at"}

# What becomes of every text column (String, Text, JSON) of every table when a person is erased.
# Each column is in exactly one of the three sets (tests/privacy/test_erasure.py enumerates the
# tables, so a new text column fails until it is classified here, and checks the first set's
# promise through the API). docs/api-guide.md, "Your data and how long it is kept", says the same.

ERASED: dict[str, str] = {
    "account.email": "replaced by erased-<id>@erased.invalid (a person without a login has none)",
    "account.password_hash": "replaced by a hash that matches no password",
    "account.left_reason": "replaced by \"erased at their request\" (a coordinator's words about why they left)",
    **{f"account.{name}": "blanked (only a coordinator's account holds one)"
       for name in ("display_name", "work_phone")},
    **{f"profile.{column.key}": "blanked" for column in Profile.__table__.columns
       if column.key not in PROFILE_KEEPS and isinstance(column.type, (sa.String, sa.JSON))},
    **{f"vetting_check.{name}": "the person's vetting checks are deleted" for name in (
        "kind", "status", "waived_reason", "notes", "certificate_number", "referee_name", "referee_relationship",
        "referee_contact")},
    "account_code.purpose": "the person's email verification and password-reset codes are deleted",
    "account_code.code_hash": "the person's email verification and password-reset codes are deleted",
    "device.platform": "the person's devices are deleted",
    "notification_preference.kind": "the person's notification preferences are deleted",
    "notification_preference.channel": "the person's notification preferences are deleted",
    "device.token": "the person's devices are deleted",
    **{f"notification.{name}": "the person's notifications are deleted (others' are built from fixed wording)"
       for name in ("kind", "title", "body", "data", "dedupe_key", "to_address")},
    **{f"invitation.{name}": "the person's invitations are deleted"
       for name in ("code_hash", "channel", "sent_to")},
    **{f"questionnaire.{name}": "the person's questionnaires, their answers and scores, are deleted"
       for name in ("role", "occasion", "key", "instruments", "answers", "scores", "given_as")},
    "delivery.last_error": "deleted with the person's notifications (a provider's error may quote an address)",
    "match.householder_decline_reason": "blanked in every match of the person, whichever side wrote it",
    "match.sharer_decline_reason": "blanked in every match of the person, whichever side wrote it",
    "match.introduction_place": "blanked in every match of the person",
    "match.end_reason": "blanked in every match of the person (\"account closed\" where the erasure closed it)",
    "match_event.details": "every match step of the person keeps only MATCH_EVENT_FACTS",
    "match.notice_comment": "blanked in every match of the person, whichever side gave the notice",
    "exit_feedback.comment": "blanked in every match of the person, whichever side wrote it",
    "agreement_version.house_rules": "blanked in every version of every agreement of the person",
    "agreement_version.householder_must_know": "blanked in every version of every agreement of the person",
    "agreement_version.sharer_must_know": "blanked in every version of every agreement of the person",
    "agreement_version.hours_reason": "blanked in every version of every agreement of the person",
    "checkin.contact_notes": "coordinators' notes of calls and visits about the person's matches: blanked",
    "checkin_answer.comments": "blanked in every answer of the person's matches, whichever side wrote it",
    "checkin_answer.outside_agreement_what": "blanked in every answer of the person's matches",
    "absence.note": "blanked in every absence of the person's matches, whoever was away",
    "trial_review_view.comment": "blanked in every trial review of the person's matches, whichever side wrote it",
    "trial_review.decision_comment": "a coordinator's words about the person's trial: blanked in every trial review "
                                     "of the person's matches",
    "meeting.place": "blanked in every meeting of the person's matches",
    "meeting.coordinator_notes": "coordinators' notes on the meetings of the person's matches: blanked",
    "meeting_feedback.comments": "blanked in the feedback on every meeting of the person's matches, whichever "
                                 "side wrote it",
    "hours_entry.note": "blanked in every entry of the person's matches",
    "hours_entry.dispute_reason": "blanked in every entry of the person's matches",
    **{f"representative.{name}": "a representative's own details are deleted with their account"
       for name in ("full_name", "phone", "contact_email")},
    "conversation.subject": "blanked in the person's conversations (the person or their representative wrote it)",
    "conversation_message.body": "blanked in every message of the person's conversations: theirs, their "
                                 "representatives' for them, and the coordinators' replies, which are about them",
    **{f"enquiry.{name}": "blanked in the enquiries that became the person (which keep their stages and dates)"
       for name in ("name", "contact", "contact_name", "notes", "repeat_key")},
}

SAFEGUARDING = "safeguarding records: kept, detached from the erased person and marked"
RETAINED: dict[str, str] = {
    "concern.description": SAFEGUARDING,
    "concern.outcome": SAFEGUARDING,
    "concern_note.body": SAFEGUARDING,
}
"""Text about a person kept after their erasure, each with the name of the rule that keeps it."""

NOT_PERSONAL: dict[str, str] = {
    "postcode_district.district": "reference data: the districts of the postcode map",
    "scheme.slug": "the scheme's own name and settings",
    "scheme.name": "the scheme's own name and settings",
    "scheme.timezone": "the scheme's own name and settings",
    "scheme.settings": "the scheme's own name and settings",
    **{f"scheme.{name}": "the scheme's own contact details" for name in (
        "contact_phone", "contact_email", "office_hours", "emergency")},
    "conversation_message.written_as": "a closed vocabulary (self, representative, coordinator)",
    "account.role": "a closed vocabulary (roles)",
    "vetting_standing.status": "a closed vocabulary (vetting statuses); worked out again from no checks on erasure",
    "account.origin": "a closed vocabulary (how an account came to be)",
    "account.left_reason_code": "a closed vocabulary (why someone left), kept as an anonymous fact for the measures",
    "account.language": "a closed vocabulary (the languages the service writes in)",
    "representation.relationship": "a closed vocabulary (relationships); the link is ended",
    "representation.consent_how": "a closed vocabulary (how consent was given)",
    "representation.scopes": "a closed vocabulary (scopes)",
    "behalf_record.side": "a closed vocabulary (sides)",
    "checkin_answer.given_as": "a closed vocabulary (self, on behalf, proxy)",
    "behalf_record.given_as": "a closed vocabulary (self, on behalf, proxy)",
    "behalf_record.how": "a closed vocabulary (how a view was given)",
    "behalf_record.action": "a closed vocabulary of actions",
    "behalf_record.target_type": "a closed vocabulary of record kinds",
    "auth_session.refresh_jti": "a random token id",
    "auth_session.revoked_reason": "a closed vocabulary written by the service (\"erased\", \"deactivated\"...)",
    "audit_event.action": "a closed vocabulary of event names",
    "audit_event.target_type": "a closed vocabulary of record kinds",
    "audit_event.target_id": "ids only",
    "audit_event.request_id": "a random request id",
    "audit_event.before": "audit.record keeps a value only for fields declared plain; every other value reads "
                          "\"[personal data]\"",
    "audit_event.after": "audit.record keeps a value only for fields declared plain; every other value reads "
                         "\"[personal data]\"",
    "match.state": "a closed vocabulary (match states)",
    "match.householder_response": "a closed vocabulary (responses)",
    "match.sharer_response": "a closed vocabulary (responses)",
    "match.ended_by": "a closed vocabulary (sides)",
    "match.end_reason_code": "a closed vocabulary (reasons a match ends)",
    "match.notice_given_by": "a closed vocabulary (sides, the scheme)",
    "match.notice_reason": "a closed vocabulary (reasons a match ends)",
    "exit_feedback.side": "a closed vocabulary (sides)",
    "match_event.action": "a closed vocabulary (match actions)",
    "match_event.from_state": "a closed vocabulary (match states)",
    "match_event.to_state": "a closed vocabulary (match states)",
    "agreement_version.tasks": "codes of GET /api/v1/tasks",
    "agreement_version.term": "a closed vocabulary (open-ended, fixed)",
    "agreement_version.householder_fee": "an amount and a closed vocabulary of periods",
    "agreement_version.sharer_fee": "an amount and a closed vocabulary of periods",
    "checkin.kind": "a closed vocabulary (check-in kinds)",
    "checkin.contact_kind": "a closed vocabulary (call, visit)",
    "checkin_answer.side": "a closed vocabulary (sides)",
    "absence.who": "a closed vocabulary (sides)",
    "absence.kind": "a closed vocabulary (kinds of absence)",
    "trial_review.decision": "a closed vocabulary (trial review decisions)",
    "trial_review.stop_reason": "a closed vocabulary (reasons a match ends)",
    "trial_review_view.side": "a closed vocabulary (sides)",
    "trial_review_view.view": "a closed vocabulary (views of a trial)",
    "trial_review_view.given_as": "a closed vocabulary (self, on behalf, proxy)",
    "meeting.kind": "a closed vocabulary (meeting kinds)",
    "meeting.status": "a closed vocabulary (meeting statuses)",
    "meeting_feedback.side": "a closed vocabulary (sides)",
    "meeting_feedback.carry_on": "a closed vocabulary (yes, not sure, no)",
    "meeting_feedback.given_as": "a closed vocabulary (self, on behalf, proxy)",
    "calendar_feed.secret_hash": "a hash of a random secret; the feed of a closed or erased account answers 404",
    "hours_entry.task": "codes of GET /api/v1/tasks",
    "hours_entry.status": "a closed vocabulary (entry statuses)",
    "concern.raised_by_role": "a closed vocabulary (roles)",
    "concern.category": "a closed vocabulary (categories)",
    "concern.severity": "a closed vocabulary (severities)",
    "concern.status": "a closed vocabulary (statuses)",
    "delivery.channel": "a closed vocabulary (push, email)",
    "delivery.status": "a closed vocabulary (delivery statuses)",
    "delivery.claim_token": "a random token",
    "enquiry.seeking": "a closed vocabulary (roles)",
    "enquiry.source": "a closed vocabulary (sources of enquiries)",
    "enquiry.stage": "a closed vocabulary (enquiry stages)",
    "enquiry.closed_reason": "a closed vocabulary (reasons an enquiry closed)",
}
"""Text columns that hold no personal data, each with why."""

MATCH_EVENT_FACTS = frozenset({"side", "ended_by", "notice_given_days", "end_on", "start_on", "meeting_at",
                               "given_by", "reason_code", "notice_days", "given_on", "last_day", "shortened_from"})
"""What an erased person's match steps keep of their details: facts, never words (a reason or a
place is dropped, and so is any key not named here)."""


def _close_matches(account: Account, now) -> None:
    """A closed account leaves no live match behind: proposals and introductions are
    withdrawn, trials and active matches end that day, as ended by that person's side."""
    for match in db.session.scalars(sa.select(Match).where(
            sa.or_(Match.householder_id == account.id, Match.sharer_id == account.id),
            Match.state.in_(OPEN_STATES))):
        before = match.state
        if match.state in (MatchState.PROPOSED, MatchState.INTRODUCTION):
            match.state = MatchState.WITHDRAWN
        else:
            match.state, match.ended_on = MatchState.ENDED, local_today(account.scheme.timezone)
            match.ended_by = EndedBy(match.side_of(account.id))
        match.end_reason, match.closed_at = "account closed", now
        db.session.add(MatchEvent(match_id=match.id, action="account_closed", from_state=before,
                                  to_state=match.state, actor_id=None, occurred_at=now))



def erase(*, actor: Account, account: Account) -> None:
    """Close the account and erase or anonymise its personal data, in one transaction."""
    if account.erased_at is not None:
        return
    now = utcnow()
    profile = db.session.get(Profile, account.id)
    for column in Profile.__table__.columns if profile is not None else ():
        if column.key in PROFILE_KEEPS:
            continue
        setattr(profile, column.key, [] if isinstance(column.type, sa.JSON) else None)
    # A person without a login has no email or password to replace: they stay without one.
    if account.email is not None:
        account.email = f"erased-{account.id.hex}@{ERASED_DOMAIN}"
    if account.password_hash is not None:
        account.password_hash = "!"  # matches no password
    account.is_active = False
    account.erased_at = now
    account.left_at = account.left_at or now
    account.left_reason = "erased at their request"  # a coordinator's words about them go
    account.display_name = account.work_phone = None
    db.session.execute(sa.update(AuthSession).where(AuthSession.account_id == account.id,
                                                    AuthSession.revoked_at.is_(None))
                       .values(revoked_at=now, revoked_reason="erased"))
    db.session.execute(sa.delete(VettingCheck).where(VettingCheck.account_id == account.id))
    store_statuses(account.scheme, Account.id == account.id)
    db.session.execute(sa.delete(Device).where(Device.account_id == account.id))
    db.session.execute(sa.delete(NotificationPreference).where(NotificationPreference.account_id == account.id))
    db.session.execute(sa.delete(QuietHours).where(QuietHours.account_id == account.id))
    db.session.execute(sa.delete(AccountCode).where(AccountCode.account_id == account.id))
    db.session.execute(sa.delete(Invitation).where(Invitation.account_id == account.id))
    db.session.execute(sa.delete(Notification).where(Notification.account_id == account.id))
    db.session.execute(sa.delete(Questionnaire).where(Questionnaire.person_id == account.id))
    db.session.execute(sa.delete(Representative).where(Representative.account_id == account.id))
    db.session.execute(sa.update(Representation).where(
        sa.or_(Representation.person_id == account.id, Representation.representative_id == account.id),
        Representation.ended_at.is_(None)).values(ended_at=now, updated_at=now))
    # Facts the other person relies on stay, without the words of or about the erased person,
    # whoever wrote them: the other side, a coordinator or the person.
    their_matches = sa.select(Match.id).where(sa.or_(Match.householder_id == account.id,
                                                     Match.sharer_id == account.id))
    db.session.execute(sa.update(Match).where(Match.id.in_(their_matches))
                       .values(householder_decline_reason=None, sharer_decline_reason=None,
                               introduction_place=None, end_reason=None, notice_comment=None))
    _close_matches(account, now)
    for event in db.session.scalars(sa.select(MatchEvent).where(MatchEvent.match_id.in_(their_matches))):
        if event.details:
            event.details = {key: value for key, value in event.details.items() if key in MATCH_EVENT_FACTS} or None
    db.session.execute(sa.update(ExitFeedback).where(ExitFeedback.match_id.in_(their_matches)).values(comment=None))
    db.session.execute(sa.update(AgreementVersion).where(AgreementVersion.match_id.in_(their_matches))
                       .values(house_rules=[], householder_must_know=None, sharer_must_know=None,
                               hours_reason=None))
    their_checkins = sa.select(CheckIn.id).where(CheckIn.match_id.in_(their_matches))
    db.session.execute(sa.update(CheckInAnswer).where(CheckInAnswer.checkin_id.in_(their_checkins))
                       .values(comments=None, outside_agreement_what=None))
    db.session.execute(sa.update(Absence).where(Absence.match_id.in_(their_matches)).values(note=None))
    db.session.execute(sa.update(CheckIn).where(CheckIn.match_id.in_(their_matches)).values(contact_notes=None))
    their_reviews = sa.select(TrialReview.id).where(TrialReview.match_id.in_(their_matches))
    db.session.execute(sa.update(TrialReviewView).where(TrialReviewView.review_id.in_(their_reviews))
                       .values(comment=None))
    db.session.execute(sa.update(TrialReview).where(TrialReview.match_id.in_(their_matches))
                       .values(decision_comment=None))
    their_meetings = sa.select(Meeting.id).where(Meeting.match_id.in_(their_matches))
    db.session.execute(sa.update(MeetingFeedback).where(MeetingFeedback.meeting_id.in_(their_meetings))
                       .values(comments=None))
    db.session.execute(sa.update(Meeting).where(Meeting.match_id.in_(their_matches))
                       .values(place=None, coordinator_notes=None))
    db.session.execute(sa.update(HoursEntry).where(HoursEntry.match_id.in_(their_matches))
                       .values(note=None, dispute_reason=None))
    conversations.erase_person(account)
    # The enquiries that became the person keep their stages and dates, for the measures.
    db.session.execute(sa.update(Enquiry).where(Enquiry.person_id == account.id)
                       .values(name=None, contact=None, contact_name=None, notes=None, repeat_key=None,
                               person_erased=True))
    # Safeguarding records are kept, detached from the person and marked.
    db.session.execute(sa.update(Concern).where(Concern.raised_by_id == account.id)
                       .values(raised_by_id=None, raiser_erased=True))
    db.session.execute(sa.update(Concern).where(Concern.about_id == account.id)
                       .values(about_id=None, subject_erased=True))
    audit.record(actor_id=actor.id if actor.id != account.id else None, scheme_id=account.scheme_id,
                 action="privacy.erasure", target_type="person", target_id=account.id)
    db.session.commit()
