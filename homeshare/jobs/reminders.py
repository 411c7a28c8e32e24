"""The reminder pass: each domain's reminders, scheme by scheme, sent once per key."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from homeshare.checkins.jobs import checkin_reminders
from homeshare.extensions import db
from homeshare.hours.jobs import hours_reminders, hours_to_confirm_reminders
from homeshare.matching.jobs import notice_endings, trial_ending_reminders, trial_review_view_reminders
from homeshare.meetings.jobs import meeting_reminders
from homeshare.notifications.service import coordinators_of, notify
from homeshare.questionnaires.service import questionnaire_reminders
from homeshare.schemes.models import Scheme
from homeshare.vetting.jobs import expiring_check_reminders

# Each takes (scheme, its coordinators' ids, now) and returns the messages due; notice endings
# come first, so that a match that ended is not reminded about as if it were live.
REMINDERS = (notice_endings, checkin_reminders, questionnaire_reminders, hours_reminders, hours_to_confirm_reminders,
             expiring_check_reminders, trial_ending_reminders, trial_review_view_reminders, meeting_reminders)


def _take_scheme(scheme: Scheme) -> bool:
    """On PostgreSQL, let one pass at a time work through a scheme's reminders (a lock held
    to the end of its transaction); the others move on to other schemes. Correctness does
    not depend on it (reminder keys are unique): it only spares duplicate work."""
    if db.engine.dialect.name != "postgresql":
        return True
    key = scheme.id.int & (2**63 - 1)
    return bool(db.session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(key))))


def run_all(now: datetime) -> int:
    """Every reminder that is due at ``now``, for every scheme; commits once per scheme.
    Returns how many notifications are new."""
    created = 0
    for scheme in db.session.scalars(sa.select(Scheme).order_by(Scheme.id)).all():
        if not _take_scheme(scheme):
            db.session.commit()
            continue
        coordinators = coordinators_of(scheme.id)
        for reminders in REMINDERS:
            created += notify(reminders(scheme, coordinators, now), now=now)
        db.session.commit()
    return created
