"""The vetting's due work, run by the scheduler (``homeshare.jobs``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from homeshare.extensions import db
from homeshare.notifications import kinds
from homeshare.notifications.service import Message
from homeshare.schemes.models import Scheme
from homeshare.vetting.models import CheckKind
from homeshare.vetting.service import expiring_checks, lapse_statuses


CHECK_NAMES = {
    CheckKind.IDENTITY: _l("identity"), CheckKind.BACKGROUND: _l("background"),
    CheckKind.REFERENCE_1: _l("reference 1"), CheckKind.REFERENCE_2: _l("reference 2"),
    CheckKind.RIGHT_TO_RENT: _l("right to rent"), CheckKind.INTERVIEW: _l("interview"),
    CheckKind.HOME_VISIT: _l("home visit"),
}


def expiring_check_reminders(scheme: Scheme, coordinators: list[uuid.UUID], now: datetime) -> list[Message]:
    """Valid checks that expire soon: the person and the coordinators, once per check and expiry."""
    today = now.astimezone(ZoneInfo(scheme.timezone)).date()
    messages: list[Message] = []
    for check_id, account_id, kind, expires_on in db.session.execute(expiring_checks(scheme.id, today)):
        label = CHECK_NAMES[kind]
        data: dict[str, Any] = {"person_id": str(account_id), "check": kind.value, "expires_on": expires_on.isoformat()}
        messages += [kinds.CHECK_EXPIRING.message(
                         recipient, event=f"expiry:{check_id}:{expires_on}",
                         title=_l("A %(check)s check expires soon", check=label),
                         body=_l("The %(check)s check expires on %(day)s; it needs renewing to stay cleared.",
                                 check=label, day=expires_on.isoformat()),
                         data=data)
                     for recipient in (account_id, *coordinators)]
    return messages


def lapsed_statuses(scheme: Scheme, now: datetime) -> int:
    """The stored statuses that checks expiring by today in the scheme's time zone have made
    ``expired`` (see ``VettingStanding``); returns how many were stored again."""
    return lapse_statuses(scheme, now.astimezone(ZoneInfo(scheme.timezone)).date())
