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
from typing import Any, Callable, Mapping, Union

from flask_babel.speaklater import LazyString

from homeshare.common.roles import Role

PREFERENCE_CHANNELS = ("push", "email", "sms")
"""The channels a person turns on or off per kind; the inbox is always on."""


Text = Union[str, LazyString]
"""What a message says: marked for translation where it is written (``flask_babel.lazy_gettext``,
with its values), and rendered in each recipient's language when the notification is made."""


@dataclass(frozen=True)
class Message:
    account_id: uuid.UUID
    kind: str
    title: Text
    body: Text
    dedupe_key: str
    data: Mapping[str, Any] | None = None
    to_address: str | None = None  # an email's address, when not the account's own


class TargetType(str, enum.Enum):
    """The screens a notification opens (``NotificationTarget.type``)."""

    MATCH = "match"
    MEETING = "meeting"
    AGREEMENT = "agreement"
    CHECKIN = "checkin"
    QUESTIONNAIRE = "questionnaire"
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
    audience: frozenset[Role]
    email: bool = False  # emailed unless the person turns it off (push is on, SMS off, by default)
    email_only: bool = False
    # The first kinds keyed their messages without the recipient where the event has one
    # recipient only; their keys stay as they were, so nothing is sent twice after an upgrade.
    recipient_in_key: bool = True

    def message(self, recipient: uuid.UUID, *, event: str, title: Text, body: Text,
                data: Mapping[str, Any] | None = None, to_address: str | None = None) -> Message:
        """The message telling ``recipient`` of ``event`` (a key naming the event), once."""
        key = f"{event}:{recipient}" if self.recipient_in_key else event
        return Message(recipient, self.name, title, body, key[:200], dict(data or {}), to_address)

    @property
    def changeable(self) -> bool:
        """Urgent alerts reach everyone they are for on every channel; account emails go by email only."""
        return not (self.urgent or self.email_only)

    def default(self, channel: str) -> bool:
        if self.urgent:
            return True
        return {"push": True, "email": self.email, "sms": self.email}[channel]

    def reaches(self, role: Role) -> bool:
        """Whether someone of ``role`` can receive it: representatives get their people's."""
        if self.email_only:
            return False
        if role is Role.REPRESENTATIVE:
            return bool(self.audience & {Role.HOUSEHOLDER, Role.SHARER})
        return role in self.audience

    def target_of(self, data: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """``{type, id}`` for the app to open, or None (no screen of its own, or no id in ``data``)."""
        if self.target is None:
            return None
        found = self.target_id(data or {})
        return {"type": self.target, "id": found} if found else None


_DECLARED: dict[str, Kind] = {}


def declare(name: str, *, target: str | None, target_id: str | Callable[[Mapping[str, Any]], str | None] | None = None,
            urgent: bool = False, audience: tuple[str, ...], email: bool = False, email_only: bool = False,
            recipient_in_key: bool = True) -> Kind:
    """Declare a kind once. ``target_id`` is the ``data`` key holding the id of the screen to
    open (by default ``<target>_id``), or a function of ``data``; ``audience`` the roles it is
    sent to (representatives get copies of their people's); ``email`` whether it is emailed by
    default (the important ones)."""
    if name in _DECLARED:
        raise ValueError(f"notification kind {name!r} declared twice")
    target_type = TargetType(target) if target is not None else None
    if callable(target_id):
        read = target_id
    else:
        key = target_id or (f"{target_type.value.replace('-', '_')}_id" if target_type else "")
        read = lambda data, key=key: (str(data[key]) if data.get(key) else None)  # noqa: E731
    kind = Kind(name, target_type, read, urgent, frozenset(Role(role) for role in audience), email, email_only,
                recipient_in_key)
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


ANYONE = tuple(role.value for role in Role)

# Account emails: by email only, never in the inbox nor pushed.
EMAIL_VERIFICATION = declare("email_verification", target=None, audience=ANYONE, email_only=True)
PASSWORD_RESET = declare("password_reset", target=None, audience=ANYONE, email_only=True)
REGISTRATION_ATTEMPT = declare("registration_attempt", target=None, audience=ANYONE, email_only=True)
INVITATION = declare("invitation", target=None, audience=ANYONE, email_only=True)

# Matches.
MATCH_PROPOSED = declare("match_proposed", target="match", audience=("householder", "sharer"), email=True)
TRIAL_STARTED = declare("trial_started", target="match", audience=("householder", "sharer"), email=True)
MATCH_WITHDRAWN = declare("match_withdrawn", target="match", audience=("householder", "sharer", "coordinator"), email=True)
TRIAL_ENDING = declare("trial_ending", target="match", audience=("coordinator",), email=True)
TRIAL_REVIEW_VIEW_DUE = declare("trial_review_view_due", target="match", audience=("householder", "sharer"))
TRIAL_REVIEW_DECIDED = declare("trial_review_decided", target="match", audience=("householder", "sharer"), email=True)
NOTICE_GIVEN = declare("notice_given", target="match", audience=("householder", "sharer", "coordinator"), email=True)
NOTICE_SHORTENED = declare("notice_shortened", target="match", audience=("householder", "sharer", "coordinator"), email=True)
NOTICE_WITHDRAWN = declare("notice_withdrawn", target="match", audience=("householder", "sharer", "coordinator"), email=True)
MATCH_ENDED = declare("match_ended", target="match", audience=("householder", "sharer", "coordinator"), email=True)
AGREEMENT_TO_ACCEPT = declare("agreement_to_accept", target="agreement", target_id="match_id",
                              audience=("householder", "sharer"), email=True)

# Meetings.
MEETING_PLANNED = declare("meeting_planned", target="meeting", audience=("householder", "sharer"), email=True)
MEETING_MOVED = declare("meeting_moved", target="meeting", audience=("householder", "sharer"), email=True)
MEETING_CANCELLED = declare("meeting_cancelled", target="meeting", audience=("householder", "sharer"), email=True)
MEETING_TOMORROW = declare("meeting_tomorrow", target="meeting", audience=("householder", "sharer"))

# Check-ins, hours, absences.
CHECKIN_DUE = declare("checkin_due", target="checkin", audience=("householder", "sharer"))
CHECKIN_OVERDUE = declare("checkin_overdue", target="checkin", audience=("coordinator",))
CHECKIN_ALERT = declare("checkin_alert", target="checkin", audience=("coordinator",), email=True)
QUESTIONNAIRE_DUE = declare("questionnaire_due", target="questionnaire", audience=("householder", "sharer"))
HOURS_MISSING = declare("hours_missing", target="match", audience=("sharer",), recipient_in_key=False)
HOURS_CONFIRMED = declare("hours_confirmed", target="hours-week", target_id=_hours_week, audience=("sharer",))
HOURS_DISPUTED = declare("hours_disputed", target="hours-week", target_id=_hours_week, audience=("sharer",))
HOURS_TO_CONFIRM = declare("hours_to_confirm", target="match", audience=("householder",))
HOURS_SHORTFALL = declare("hours_shortfall", target="match", audience=("coordinator",))
HOURS_OVER_AGREED = declare("hours_over_agreed", target="hours-week", target_id=_hours_week, audience=("coordinator",))
LONG_ABSENCE = declare("long_absence", target="match", audience=("coordinator",), email=True)

# Vetting, concerns, enquiries.
CHECK_EXPIRING = declare("check_expiring", target="person", audience=("householder", "sharer", "coordinator"), email=True)
URGENT_CONCERN = declare("urgent_concern", target="concern", urgent=True, audience=("coordinator",))
CONCERN_ACKNOWLEDGED = declare("concern_acknowledged", target="concern", audience=("householder", "sharer", "coordinator"))
CONCERN_RESOLVED = declare("concern_resolved", target="concern", audience=("householder", "sharer", "coordinator"), email=True)
ENQUIRY_RECEIVED = declare("enquiry_received", target="enquiry", audience=("coordinator",))

# Conversations: a new message (``data`` holds ``conversation_id``).
CONVERSATION_MESSAGE = declare("conversation_message", target="conversation", audience=("householder", "sharer", "coordinator"))
