"""Funder's report speed: one scheme with 5,000 people and three years of history (the
measures benchmark's), a tenth of them gone with a leave reason and some matches with absences.
Each line gives the wall time of the requests, the CPU time this process spent on them (the
application's own work, without the database server's) and the machine's load average after.

    .venv/bin/python -m bench.report              # PostgreSQL; --database sqlite|postgresql|both
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time as clock
import uuid
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from bench.harness import (bench_app, database_arguments, databases, fresh_database, login, scheme_with_coordinator,
                           settle_tables, summary, timed)
from bench.measures import YEARS, seed_history
from bench.population import seed_people
from homeshare.absences.models import Absence, AbsenceKind
from homeshare.accounts.models import Account, LeaveReason
from homeshare.extensions import db
from homeshare.matching.models import Match


def seed_leaving_and_absences(people, rng: random.Random) -> dict[str, int]:
    """A tenth of the people left (each with a reason), and one live match in five has an absence."""
    utc, today = timezone.utc, date.today()
    leavers = rng.sample(people["householder"] + people["sharer"], (len(people["householder"]) +
                                                                   len(people["sharer"])) // 10)
    for account_id in leavers:
        left = today - timedelta(days=rng.randint(1, 365 * YEARS - 1))
        db.session.execute(sa.update(Account).where(Account.id == account_id).values(
            left_at=datetime.combine(left, time(10), tzinfo=utc), left_reason_code=rng.choice(list(LeaveReason))))
    absences = []
    for match_id, householder_id, started in db.session.execute(
            sa.select(Match.id, Match.householder_id, Match.trial_started_on).where(Match.ended_on.is_(None))):
        if rng.random() < 0.2:
            first = max(started, today - timedelta(days=rng.randint(7, 300)))
            absences.append({"id": uuid.uuid4(), "match_id": match_id, "who": "householder",
                             "person_id": householder_id, "kind": AbsenceKind.HOLIDAY, "first_day": first,
                             "last_day": first + timedelta(days=rng.randint(0, 20)),
                             "created_at": datetime.now(utc), "updated_at": datetime.now(utc)})
    if absences:
        db.session.execute(sa.insert(Absence), absences)
    db.session.commit()
    return {"leavers": len(leavers), "absences": len(absences)}


def run(kind: str, people: int, runs: int) -> None:
    with fresh_database(kind) as url, tempfile.TemporaryDirectory() as instance:
        app = bench_app(url, instance)
        client = app.test_client()
        with app.app_context():
            scheme = scheme_with_coordinator("report")
            ids = seed_people(scheme, householders=people // 2, sharers=people // 2, seed=13)
            sizes = seed_history(scheme, ids, random.Random(17))
            sizes.update(seed_leaving_and_absences(ids, random.Random(19)))
            scheme_id = scheme.id
            settle_tables()
            db.session.remove()
        headers = login(client, "coordinator@report.example.org", "a long password")
        last_year = date.today().year - 1
        print(f"{kind:<10} {people} people over {YEARS} years, {sizes}")
        for period, suffix in ((f"{last_year}", ""), (f"{last_year}", ".csv"), (f"{last_year}", ".pdf"),
                               (f"{last_year}-Q4", ".pdf")):
            url_ = f"/api/v1/schemes/{scheme_id}/reports/{period}{suffix}"
            first = client.get(url_, headers=headers)
            assert first.status_code == 200, first.get_data(as_text=True)[:500]
            cpu: list[float] = []

            def once(url_=url_, cpu=cpu):
                started = clock.process_time()
                client.get(url_, headers=headers).get_data()
                cpu.append((clock.process_time() - started) * 1000)

            times = timed(once, runs)
            print(f"{kind:<10} report {period + (suffix or ' (JSON)'):<14} {len(first.data) // 1024:>5} KiB   "
                  f"{summary(times)}   CPU of this process: median {statistics.median(cpu[1:]):7.1f} ms   "
                  f"load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    database_arguments(parser, default="postgresql")
    parser.add_argument("--people", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for kind in databases(args.database):
        run(kind, args.people, args.runs)


if __name__ == "__main__":
    main()
