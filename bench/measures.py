"""Quality measures speed: one scheme with 5,000 people and three years of history.

    .venv/bin/python -m bench.measures            # both databases; --database sqlite|postgresql
"""

from __future__ import annotations

import argparse
import random
import tempfile
import uuid
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from bench.harness import (bench_app, database_arguments, databases, fresh_database, login, scheme_with_coordinator,
                           settle_tables, summary, timed)
from bench.population import seed_people
from homeshare.accounts.models import Account
from homeshare.agreements.models import AgreementVersion
from homeshare.checkins.models import CheckIn, CheckInAnswer, CheckInKind
from homeshare.extensions import db
from homeshare.hours.models import EntryStatus, HoursEntry
from homeshare.hours.weeks import week_start_of
from homeshare.matching.models import EndedBy, Match, MatchState

YEARS = 3


def seed_history(scheme, people, rng: random.Random) -> dict[str, int]:
    today = date.today()
    start = today - timedelta(days=365 * YEARS)
    utc = timezone.utc
    registered = {}
    for account_id in people["householder"] + people["sharer"]:
        registered[account_id] = start + timedelta(days=rng.randint(0, 365 * YEARS - 30))
        db.session.execute(sa.update(Account).where(Account.id == account_id).values(
            created_at=datetime.combine(registered[account_id], time(10), tzinfo=utc)))
    pairs = list(zip(people["householder"], people["sharer"]))[:1500]
    matches, versions, checkins, answers, entries = [], [], [], [], []
    for householder, sharer in pairs:
        proposed = max(registered[householder], registered[sharer]) + timedelta(days=rng.randint(10, 120))
        if proposed >= today - timedelta(days=30):
            continue
        trial = proposed + timedelta(days=rng.randint(14, 40))
        ended = trial + timedelta(days=rng.randint(20, 700))
        live = ended >= today
        match_id = uuid.uuid4()
        matches.append({"id": match_id, "scheme_id": scheme.id, "householder_id": householder, "sharer_id": sharer,
                        "state": MatchState.ACTIVE if live else MatchState.ENDED,
                        "proposed_at": datetime.combine(proposed, time(10), tzinfo=utc), "trial_started_on": trial,
                        "trial_ends_on": trial + timedelta(days=28), "ended_on": None if live else ended,
                        "ended_by": None if live else rng.choice(list(EndedBy)),
                        "householder_shares_contact": True, "sharer_shares_contact": True})
        accepted = datetime.combine(trial, time(10), tzinfo=utc)
        versions.append({"id": uuid.uuid4(), "match_id": match_id, "number": 1, "hours_per_week": 10,
                         "tasks": ["companionship"], "monthly_contribution_pence": 0, "start_on": trial,
                         "trial_length_days": 28, "notice_days": 28, "created_at": accepted,
                         "householder_accepted_at": accepted, "sharer_accepted_at": accepted})
        last = min(ended, today)
        day = trial + timedelta(days=30)
        while day <= last:
            checkin_id = uuid.uuid4()
            checkins.append({"id": checkin_id, "match_id": match_id, "kind": CheckInKind.CHECKIN, "planned_on": day,
                             "due_on": day, "created_at": accepted})
            for side, account_id in (("householder", householder), ("sharer", sharer)):
                if rng.random() < 0.8:
                    answers.append({"id": uuid.uuid4(), "checkin_id": checkin_id, "match_id": match_id, "side": side,
                                    "account_id": account_id, "wellbeing": rng.randint(1, 5),
                                    "match_going": rng.randint(1, 5), "help_happening": True, "wants_call": False,
                                    "something_wrong": False,
                                    "answered_at": datetime.combine(day, time(12), tzinfo=utc)})
            day += timedelta(days=30)
        week = week_start_of(trial)
        while week + timedelta(days=6) < last:
            worked = week + timedelta(days=rng.randint(0, 6))
            entries.append({"id": uuid.uuid4(), "match_id": match_id, "sharer_id": sharer, "worked_on": worked,
                            "week_start": week, "minutes": rng.choice([300, 480, 600, 660]), "task": "companionship",
                            "status": EntryStatus.CONFIRMED, "created_at": accepted, "updated_at": accepted})
            week += timedelta(weeks=1)
    for model, rows in ((Match, matches), (AgreementVersion, versions), (CheckIn, checkins),
                        (CheckInAnswer, answers), (HoursEntry, entries)):
        for first in range(0, len(rows), 5000):
            db.session.execute(sa.insert(model), rows[first:first + 5000])
    db.session.commit()
    return {"matches": len(matches), "checkins": len(checkins), "answers": len(answers), "hours_entries": len(entries)}


def run(kind: str, people: int, runs: int) -> None:
    with fresh_database(kind) as url, tempfile.TemporaryDirectory() as instance:
        app = bench_app(url, instance)
        client = app.test_client()
        with app.app_context():
            scheme = scheme_with_coordinator("measures")
            ids = seed_people(scheme, householders=people // 2, sharers=people // 2, seed=13)
            sizes = seed_history(scheme, ids, random.Random(17))
            scheme_id = scheme.id
            settle_tables()
            db.session.remove()
        headers = login(client, "coordinator@measures.example.org", "a long password")
        today = date.today()
        url_ = (f"/api/v1/schemes/{scheme_id}/measures?from={(today - timedelta(days=365 * YEARS)).isoformat()}"
                f"&to={today.isoformat()}")
        first = client.get(url_, headers=headers)
        assert first.status_code == 200, first.json
        times = timed(lambda: client.get(url_, headers=headers), runs)
        print(f"{kind:<10} measures over {YEARS} years, {people} people, {sizes}: {summary(times)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    database_arguments(parser)
    parser.add_argument("--people", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for kind in databases(args.database):
        run(kind, args.people, args.runs)


if __name__ == "__main__":
    main()
