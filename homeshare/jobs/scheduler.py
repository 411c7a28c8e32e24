"""The scheduler process: APScheduler triggers, with every piece of state in our tables."""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from homeshare.checkins.jobs import ensure_schedules
from homeshare.common.clock import utcnow
from homeshare.extensions import db
from homeshare.jobs.reminders import run_all
from homeshare.notifications.service import deliver_due
from homeshare.questionnaires.service import ensure_all_due
from homeshare.schemes.models import Scheme
from homeshare.vetting.jobs import lapsed_statuses

log = logging.getLogger("homeshare.jobs")


def tick(app: Flask) -> dict[str, int]:
    """One pass of the vetting statuses that lapse today, of reminders, then of deliveries
    (``flask homeshare tick`` extends the check-in schedules first)."""
    return {"statuses": statuses(app), "reminders": reminders(app), "delivered": deliveries(app)}


def _in_app(app: Flask, job):
    with app.app_context():
        try:
            return job()
        finally:
            db.session.remove()


def schedules(app: Flask) -> None:
    """The check-ins' schedules, then the questionnaires now due (baselines, follow-ups, ends)."""
    _in_app(app, ensure_schedules)
    _in_app(app, ensure_all_due)


def lapse_all(now: datetime) -> int:
    """The stored vetting statuses that time alone changed by today, scheme by scheme (each
    scheme in its own time zone, each committed on its own)."""
    stored = 0
    for scheme in db.session.scalars(sa.select(Scheme).order_by(Scheme.id)).all():
        stored += lapsed_statuses(scheme, now)
        db.session.commit()
    return stored


def statuses(app: Flask) -> int:
    return _in_app(app, lambda: lapse_all(utcnow()))


def reminders(app: Flask) -> int:
    return _in_app(app, lambda: run_all(utcnow()))


def deliveries(app: Flask) -> int:
    return _in_app(app, deliver_due)


def build(app: Flask) -> BackgroundScheduler:
    """A scheduler with the project's jobs, run in threads of its own. Its job store is in memory:
    never share one."""
    scheduler = BackgroundScheduler(timezone="UTC")
    defaults = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 300}
    scheduler.add_job(schedules, "interval", hours=1, args=[app], id="schedules", next_run_time=utcnow(), **defaults)
    # Hourly, so that each scheme's day is seen soon after it starts in its time zone.
    scheduler.add_job(statuses, "interval", hours=1, args=[app], id="statuses", next_run_time=utcnow(), **defaults)
    scheduler.add_job(reminders, "interval", minutes=1, args=[app], id="reminders", **defaults)
    scheduler.add_job(deliveries, "interval", seconds=15, args=[app], id="deliveries", **defaults)
    return scheduler
