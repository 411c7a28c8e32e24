"""Export and erasure of a householder's or sharer's data (UK GDPR).

Erasure closes the account and removes or blanks what is personal; records another
person relies on keep only anonymised facts; safeguarding concerns are kept, detached
from the person and marked. docs/api-guide.md, "Your data and how long it is kept", states
the rules; this module is their one implementation.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from homeshare.accounts.models import Account, AuthSession
from homeshare.agreements.models import AgreementVersion
from homeshare.agreements.schemas import AgreementVersionSchema
from homeshare.audit import service as audit
from homeshare.checkins.models import CheckIn, CheckInAnswer
from homeshare.checkins.schemas import AnswerViewSchema
from homeshare.common.clock import local_today, utcnow
from homeshare.concerns.models import Concern
from homeshare.concerns.schemas import OwnConcernSchema
from homeshare.extensions import db
from homeshare.hours.models import HoursEntry
from homeshare.hours.schemas import EntrySchema
from homeshare.matching.models import OPEN_STATES, EndedBy, Match, MatchEvent, MatchState
from homeshare.matching.schemas import OwnMatchSchema
from homeshare.matching.service import party_views
from homeshare.notifications.models import Device, Notification
from homeshare.notifications.schemas import DeviceSchema, NotificationSchema
from homeshare.profiles.models import Profile
from homeshare.profiles.schemas import ProfileSchema
from homeshare.vetting.schemas import OwnChecklistSchema
from homeshare.vetting.service import checklist
from homeshare.vetting.models import VettingCheck

ERASED_DOMAIN = "erased.invalid"


def export(account: Account) -> dict[str, Any]:
    """Everything held about ``account``, as the person may see it (no coordinator notes)."""
    matches = db.session.scalars(sa.select(Match).where(
        sa.or_(Match.householder_id == account.id, Match.sharer_id == account.id))).all()
    match_ids = [m.id for m in matches]
    entries = db.session.scalars(sa.select(HoursEntry).where(
        HoursEntry.match_id.in_(match_ids), HoursEntry.deleted_at.is_(None))).all() if match_ids else []
    versions = db.session.scalars(sa.select(AgreementVersion).where(
        AgreementVersion.match_id.in_(match_ids))).all() if match_ids else []
    data = {
        "account": {"id": str(account.id), "email": account.email, "role": account.role.value,
                    "created_at": account.created_at.isoformat()},
        "profile": ProfileSchema().dump(db.session.get(Profile, account.id)),
        "vetting": OwnChecklistSchema().dump(checklist(account)),
        "matches": OwnMatchSchema(many=True).dump(party_views(account, matches)),
        "agreements": [{"match_id": str(v.match_id), **AgreementVersionSchema().dump(v)} for v in versions],
        "hours": EntrySchema(many=True).dump(entries),
        "checkin_answers": AnswerViewSchema(many=True).dump(db.session.scalars(
            sa.select(CheckInAnswer).where(CheckInAnswer.account_id == account.id)).all()),
        "notifications": NotificationSchema(many=True).dump(db.session.scalars(
            sa.select(Notification).where(Notification.account_id == account.id)).all()),
        "devices": DeviceSchema(many=True).dump(db.session.scalars(
            sa.select(Device).where(Device.account_id == account.id)).all()),
        "concerns_raised": OwnConcernSchema(many=True).dump(db.session.scalars(
            sa.select(Concern).where(Concern.raised_by_id == account.id)).all()),
    }
    audit.record(actor_id=account.id, scheme_id=account.scheme_id, action="privacy.export", target_type="person",
                 target_id=account.id)
    db.session.commit()
    return data


PROFILE_KEEPS = {"account_id", "version", "created_at", "updated_at"}


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
    for column in Profile.__table__.columns:
        if column.key in PROFILE_KEEPS:
            continue
        setattr(profile, column.key, [] if isinstance(column.type, sa.JSON) else None)
    account.email = f"erased-{account.id.hex}@{ERASED_DOMAIN}"
    account.password_hash = "!"  # matches no password
    account.is_active = False
    account.erased_at = now
    account.left_at = account.left_at or now
    account.left_reason = account.left_reason or "erased at their request"
    db.session.execute(sa.update(AuthSession).where(AuthSession.account_id == account.id,
                                                    AuthSession.revoked_at.is_(None))
                       .values(revoked_at=now, revoked_reason="erased"))
    db.session.execute(sa.delete(VettingCheck).where(VettingCheck.account_id == account.id))
    db.session.execute(sa.delete(Device).where(Device.account_id == account.id))
    db.session.execute(sa.delete(Notification).where(Notification.account_id == account.id))
    # Facts the other person relies on stay, without the words of or about the erased person.
    _close_matches(account, now)
    their_matches = sa.select(Match.id).where(sa.or_(Match.householder_id == account.id,
                                                     Match.sharer_id == account.id))
    side = "householder" if account.role.value == "householder" else "sharer"
    db.session.execute(sa.update(Match).where(getattr(Match, f"{side}_id") == account.id)
                       .values(**{f"{side}_decline_reason": None}))
    db.session.execute(sa.update(MatchEvent).where(MatchEvent.actor_id == account.id).values(details=None))
    db.session.execute(sa.update(CheckInAnswer).where(CheckInAnswer.account_id == account.id).values(comments=None))
    db.session.execute(sa.update(CheckIn).where(CheckIn.match_id.in_(their_matches)).values(contact_notes=None))
    db.session.execute(sa.update(HoursEntry).where(HoursEntry.match_id.in_(their_matches))
                       .values(note=None, dispute_reason=None))
    # Safeguarding records are kept, detached from the person and marked.
    db.session.execute(sa.update(Concern).where(Concern.raised_by_id == account.id)
                       .values(raised_by_id=None, raiser_erased=True))
    db.session.execute(sa.update(Concern).where(Concern.about_id == account.id)
                       .values(about_id=None, subject_erased=True))
    audit.record(actor_id=actor.id if actor.id != account.id else None, scheme_id=account.scheme_id,
                 action="privacy.erasure", target_type="person", target_id=account.id)
    db.session.commit()
