"""The notification kinds: each declared once, here, with what the app opens and who hears it.

A declaration names the kind, the type of screen the app opens for it (its ``target``), the
``data`` key that holds that screen's id, whether it is urgent, and who it is for. It builds the
``Message`` for one recipient of one event, with the dedupe key ``<event>:<recipient>``, so each
person hears of each event once. ``notify`` refuses a kind that was never declared.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Mapping


@dataclass(frozen=True)
class Message:
    account_id: uuid.UUID
    kind: str
    title: str
    body: str
    dedupe_key: str
    data: Mapping[str, Any] | None = None
    to_address: str | None = None  # an email's address, when not the account's own


class TargetType(str, enum.Enum):
    """The screens a notification opens (``NotificationTarget.type``)."""

    MATCH = "match"
    MEETING = "meeting"
    AGREEMENT = "agreement"
    CHECKIN = "checkin"
    HOURS_WEEK = "hours-week"
    CONCERN = "concern"
    CONVERSATION = "conversation"
    ENQUIRY = "enquiry"
    PERSON = "person"


@dataclass(frozen=True)
class Kind:
    name: str
    target: TargetType | None
    target_id: Callable[[Mapping[str, Any]], str | None]
    urgent: bool
    audience: str
    email_only: bool = False
    # The first kinds keyed their messages without the recipient where the event has one
    # recipient only; their keys stay as they were, so nothing is sent twice after an upgrade.
    recipient_in_key: bool = True

    def message(self, recipient: uuid.UUID, *, event: str, title: str, body: str,
                data: Mapping[str, Any] | None = None, to_address: str | None = None) -> Message:
        """The message telling ``recipient`` of ``event`` (a key naming the event), once."""
        key = f"{event}:{recipient}" if self.recipient_in_key else event
        return Message(recipient, self.name, title, body, key[:200], dict(data or {}), to_address)

    def target_of(self, data: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """``{type, id}`` for the app to open, or None (no screen of its own, or no id in ``data``)."""
        if self.target is None:
            return None
        found = self.target_id(data or {})
        return {"type": self.target, "id": found} if found else None


_DECLARED: dict[str, Kind] = {}


def declare(name: str, *, target: str | None, target_id: str | Callable[[Mapping[str, Any]], str | None] | None = None,
            urgent: bool = False, audience: str, email_only: bool = False, recipient_in_key: bool = True) -> Kind:
    """Declare a kind once. ``target_id`` is the ``data`` key holding the id of the screen to
    open (by default ``<target>_id``), or a function of ``data``."""
    if name in _DECLARED:
        raise ValueError(f"notification kind {name!r} declared twice")
    target_type = TargetType(target) if target is not None else None
    if callable(target_id):
        read = target_id
    else:
        key = target_id or (f"{target_type.value.replace('-', '_')}_id" if target_type else "")
        read = lambda data, key=key: (str(data[key]) if data.get(key) else None)  # noqa: E731
    kind = Kind(name, target_type, read, urgent, audience, email_only, recipient_in_key)
    _DECLARED[name] = kind
    return kind


def get(name: str) -> Kind:
    try:
        return _DECLARED[name]
    except KeyError:
        raise ValueError(f"notification kind {name!r} was never declared") from None


def target_of(name: str, data: Mapping[str, Any] | None) -> dict[str, str] | None:
    """What a stored notification opens: None for a kind no longer declared."""
    kind = _DECLARED.get(name)
    return kind.target_of(data) if kind is not None else None


def declared() -> dict[str, Kind]:
    return dict(_DECLARED)


def _hours_week(data: Mapping[str, Any]) -> str | None:
    if data.get("match_id") and data.get("week_start"):
        return f"{data['match_id']}:{data['week_start']}"
    return None


# Account emails: by email only, never in the inbox nor pushed.
EMAIL_VERIFICATION = declare("email_verification", target=None, audience="the account's owner", email_only=True)
PASSWORD_RESET = declare("password_reset", target=None, audience="the account's owner", email_only=True)
REGISTRATION_ATTEMPT = declare("registration_attempt", target=None, audience="the account's owner", email_only=True)
INVITATION = declare("invitation", target=None, audience="the person invited", email_only=True)

# Matches.
MATCH_PROPOSED = declare("match_proposed", target="match", audience="householder, sharer")
TRIAL_STARTED = declare("trial_started", target="match", audience="householder, sharer")
MATCH_WITHDRAWN = declare("match_withdrawn", target="match", audience="the other person, coordinators")
TRIAL_ENDING = declare("trial_ending", target="match", audience="coordinators")
TRIAL_REVIEW_VIEW_DUE = declare("trial_review_view_due", target="match", audience="householder, sharer")
TRIAL_REVIEW_DECIDED = declare("trial_review_decided", target="match", audience="householder, sharer")
NOTICE_GIVEN = declare("notice_given", target="match", audience="the other person (both, for the scheme's notice), coordinators")
NOTICE_SHORTENED = declare("notice_shortened", target="match", audience="householder, sharer, coordinators")
NOTICE_WITHDRAWN = declare("notice_withdrawn", target="match", audience="householder, sharer, coordinators")
MATCH_ENDED = declare("match_ended", target="match", audience="householder, sharer, coordinators")
AGREEMENT_TO_ACCEPT = declare("agreement_to_accept", target="agreement", target_id="match_id",
                              audience="householder, sharer")

# Meetings.
MEETING_PLANNED = declare("meeting_planned", target="meeting", audience="householder, sharer")
MEETING_MOVED = declare("meeting_moved", target="meeting", audience="householder, sharer")
MEETING_CANCELLED = declare("meeting_cancelled", target="meeting", audience="householder, sharer")
MEETING_TOMORROW = declare("meeting_tomorrow", target="meeting", audience="householder, sharer")

# Check-ins, hours, absences.
CHECKIN_DUE = declare("checkin_due", target="checkin", audience="householder, sharer")
CHECKIN_OVERDUE = declare("checkin_overdue", target="checkin", audience="coordinators")
CHECKIN_ALERT = declare("checkin_alert", target="checkin", audience="coordinators")
HOURS_MISSING = declare("hours_missing", target="match", audience="sharer", recipient_in_key=False)
HOURS_CONFIRMED = declare("hours_confirmed", target="hours-week", target_id=_hours_week, audience="sharer")
HOURS_DISPUTED = declare("hours_disputed", target="hours-week", target_id=_hours_week, audience="sharer")
HOURS_TO_CONFIRM = declare("hours_to_confirm", target="match", audience="householder")
HOURS_SHORTFALL = declare("hours_shortfall", target="match", audience="coordinators")
HOURS_OVER_AGREED = declare("hours_over_agreed", target="hours-week", target_id=_hours_week, audience="coordinators")
LONG_ABSENCE = declare("long_absence", target="match", audience="coordinators")

# Vetting, concerns, enquiries.
CHECK_EXPIRING = declare("check_expiring", target="person", audience="the person, coordinators")
URGENT_CONCERN = declare("urgent_concern", target="concern", urgent=True, audience="coordinators")
CONCERN_ACKNOWLEDGED = declare("concern_acknowledged", target="concern", audience="the person who raised it")
CONCERN_RESOLVED = declare("concern_resolved", target="concern", audience="the person who raised it")
ENQUIRY_RECEIVED = declare("enquiry_received", target="enquiry", audience="coordinators")

# Conversations: a new message (``data`` holds ``conversation_id``).
CONVERSATION_MESSAGE = declare("conversation_message", target="conversation", audience="the conversation's other people")
