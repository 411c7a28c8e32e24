"""Scheduler speed: one tick over 100,000 due reminders on PostgreSQL (and SQLite), then the
same work shared by four concurrent ticks, with exactly-once checked afterwards.

    .venv/bin/python -m bench.scheduler                       # PostgreSQL
    .venv/bin/python -m bench.scheduler --database sqlite --checkins 5000
    .venv/bin/python -m bench.scheduler --ticks 1                          # one tick only

Each check-in is due today and unanswered by both sides, so each makes two reminders.
A tick creates them (notifications and their deliveries) and delivers them (``log``).
The CPU time is this process's (every thread's; PostgreSQL's own is not in it).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import threading
import time
import uuid
from datetime import datetime, time as clock_time, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bench.harness import bench_app, database_arguments, databases, fresh_database, settle_tables
from homeshare.accounts.models import Account
from homeshare.common.roles import Role
from homeshare.checkins.models import CheckIn, CheckInKind
from homeshare.extensions import db
from homeshare.jobs.reminders import run_all
from homeshare.matching.models import Match, MatchState
from homeshare.notifications.models import Delivery, DeliveryStatus, Notification
from homeshare.notifications.service import deliver_due
from homeshare.schemes import service as schemes


def seed(checkins: int) -> datetime:
    """``checkins`` check-ins due today in one scheme (two per match); returns a moment after
    the reminder hour today."""
    scheme = schemes.create_scheme(slug="reminders", name="Reminders")
    today = datetime.now(ZoneInfo(scheme.timezone)).date()
    now = datetime.now(timezone.utc)
    accounts, matches, rows = [], [], []
    for n in range(checkins // 2):
        householder, sharer, match = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        for account_id, role in ((householder, Role.HOUSEHOLDER), (sharer, Role.SHARER)):
            accounts.append({"id": account_id, "email": f"{account_id.hex}@bench.example.org", "password_hash": "x",
                             "role": role, "scheme_id": scheme.id, "is_active": True, "created_at": now,
                             "updated_at": now})
        matches.append({"id": match, "scheme_id": scheme.id, "householder_id": householder, "sharer_id": sharer,
                        "state": MatchState.ACTIVE, "proposed_at": now, "trial_started_on": today,
                        "trial_ends_on": today, "householder_shares_contact": False, "sharer_shares_contact": False})
        for kind in (CheckInKind.CHECKIN, CheckInKind.REVIEW):
            rows.append({"id": uuid.uuid4(), "match_id": match, "kind": kind, "planned_on": today, "due_on": today,
                         "created_at": now})
    for model, batch in ((Account, accounts), (Match, matches), (CheckIn, rows)):
        for first in range(0, len(batch), 5000):
            db.session.execute(sa.insert(model), batch[first:first + 5000])
    db.session.commit()
    hour = scheme.effective_settings["reminder_hour"]
    return datetime.combine(today, clock_time(hour, 30), tzinfo=ZoneInfo(scheme.timezone))


def cpu_seconds() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def one_tick(app, now: datetime) -> tuple[float, float, float, float]:
    """Wall and process CPU seconds: creating, then delivering."""
    with app.app_context():
        started, cpu_started = time.perf_counter(), cpu_seconds()
        run_all(now)
        created, cpu_created = time.perf_counter(), cpu_seconds()
        deliver_due(now=now)
        done, cpu_done = time.perf_counter(), cpu_seconds()
        db.session.remove()
    return created - started, done - created, cpu_created - cpu_started, cpu_done - cpu_created


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        notifications = db.session.scalar(sa.select(sa.func.count()).select_from(Notification))
        sent = db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)
                                 .where(Delivery.status == DeliveryStatus.SENT))
        keys = db.session.scalar(sa.select(sa.func.count(sa.distinct(Notification.dedupe_key))))
        db.session.remove()
    return notifications, sent, keys


def run(kind: str, checkins: int, ticks: tuple[int, ...] = (1, 4)) -> None:
    for concurrent in ticks:
        with fresh_database(kind) as url, tempfile.TemporaryDirectory() as instance:
            app = bench_app(url, instance)
            with app.app_context():
                now = seed(checkins)
                settle_tables()
                db.session.remove()
            timings: list[tuple[float, float, float, float]] = []
            barrier = threading.Barrier(concurrent)

            def tick():
                barrier.wait()
                timings.append(one_tick(app, now))

            started, cpu_started = time.perf_counter(), cpu_seconds()
            threads = [threading.Thread(target=tick) for _ in range(concurrent)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
            notifications, sent, keys = counts(app)
            create = max(t[0] for t in timings)
            deliver = max(t[1] for t in timings)
            cpu_create = sum(t[2] for t in timings) if concurrent == 1 else None
            phases = (f"create {create:5.1f} s, deliver {deliver:5.1f} s; CPU {cpu:5.1f} s"
                      + (f": {cpu_create:5.1f} s, {sum(t[3] for t in timings):5.1f} s" if cpu_create is not None else ""))
            print(f"{kind:<10} {concurrent} tick(s) over {checkins} due check-ins: {wall:6.1f} s in all "
                  f"({phases}); {notifications} reminders, {sent} sent, "
                  f"{notifications / wall:,.0f} reminders/s; exactly once: {notifications == keys == sent}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    database_arguments(parser, default="postgresql")
    parser.add_argument("--checkins", type=int, default=50_000, help="due check-ins (two reminders each)")
    parser.add_argument("--ticks", type=int, nargs="+", default=[1, 4],
                        help="how many concurrent ticks, run by run (default: 1, then 4)")
    args = parser.parse_args()
    for kind in databases(args.database):
        run(kind, args.checkins, tuple(args.ticks))


if __name__ == "__main__":
    main()
