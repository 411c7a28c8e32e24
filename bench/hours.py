"""Hours speed: weekly sums for 1,000 matches over 52 weeks (about 100,000 entries), by
aggregate SQL, on SQLite and PostgreSQL, through the HTTP API.

    .venv/bin/python -m bench.hours                  # both databases
    .venv/bin/python -m bench.hours --database sqlite --matches 200
"""

from __future__ import annotations

import argparse
import random
import tempfile
import uuid
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from bench.harness import (bench_app, database_arguments, databases, fresh_database, login, scheme_with_coordinator,
                           settle_tables, summary, timed)
from bench.population import seed_people
from homeshare.agreements.models import AgreementVersion
from homeshare.extensions import db
from homeshare.hours.models import EntryStatus, HoursEntry
from homeshare.hours.weeks import week_start_of
from homeshare.matching.models import Match, MatchState

WEEKS = 52


def seed_matches(scheme, people, rng: random.Random) -> list[uuid.UUID]:
    today = date.today()
    start = week_start_of(today) - timedelta(weeks=WEEKS)
    now = datetime.now(timezone.utc)
    matches, versions, entries = [], [], []
    for householder_id, sharer_id in zip(people["householder"], people["sharer"]):
        match_id = uuid.uuid4()
        matches.append({"id": match_id, "scheme_id": scheme.id, "householder_id": householder_id,
                        "sharer_id": sharer_id, "state": MatchState.ACTIVE, "proposed_at": now,
                        "trial_started_on": start, "trial_ends_on": start + timedelta(days=28),
                        "householder_shares_contact": False, "sharer_shares_contact": False})
        versions.append({"id": uuid.uuid4(), "match_id": match_id, "number": 1, "hours_per_week": 10,
                         "tasks": ["companionship", "cooking"], "monthly_contribution_pence": 0, "start_on": start,
                         "trial_ends_on": start + timedelta(days=28), "notice_days": 28, "created_at": now,
                         "householder_accepted_at": now, "sharer_accepted_at": now})
        for week in range(WEEKS):
            for _ in range(2):
                day = start + timedelta(weeks=week, days=rng.randint(0, 6))
                entries.append({"id": uuid.uuid4(), "match_id": match_id, "sharer_id": sharer_id, "worked_on": day,
                                "week_start": week_start_of(day), "minutes": rng.choice([120, 180, 240, 300]),
                                "task": rng.choice(["companionship", "cooking"]), "note": None,
                                "status": rng.choice([EntryStatus.LOGGED, EntryStatus.CONFIRMED,
                                                      EntryStatus.CONFIRMED, EntryStatus.DISPUTED]),
                                "created_at": now, "updated_at": now})
    for model, rows in ((Match, matches), (AgreementVersion, versions), (HoursEntry, entries)):
        for first in range(0, len(rows), 5000):
            db.session.execute(sa.insert(model), rows[first:first + 5000])
    db.session.commit()
    return [m["id"] for m in matches]


def run(kind: str, matches: int, runs: int) -> None:
    with fresh_database(kind) as url, tempfile.TemporaryDirectory() as instance:
        app = bench_app(url, instance)
        client = app.test_client()
        with app.app_context():
            scheme = scheme_with_coordinator("hours")
            people = seed_people(scheme, householders=matches, sharers=matches, seed=3)
            match_ids = seed_matches(scheme, people, random.Random(5))
            scheme_id = scheme.id
            count = db.session.scalar(sa.select(sa.func.count()).select_from(HoursEntry))
            settle_tables()
            db.session.remove()
        headers = login(client, "coordinator@hours.example.org", "a long password")
        today = date.today()
        first = (week_start_of(today) - timedelta(weeks=WEEKS)).isoformat()
        csv_url = f"/api/v1/schemes/{scheme_id}/hours/weeks.csv?from={first}&to={today.isoformat()}"
        response = client.get(csv_url, headers=headers)
        lines = response.get_data(as_text=True).count("\n") - 1
        times = timed(lambda: client.get(csv_url, headers=headers).get_data(), runs)
        print(f"{kind:<10} all weekly sums, {matches} matches x {WEEKS + 1} weeks ({count} entries, {lines} rows): "
              f"{summary(times)}")
        one = f"/api/v1/matches/{match_ids[0]}/hours/weeks?per_page=100"
        times = timed(lambda: client.get(one, headers=headers), runs * 5)
        print(f"{kind:<10} one match's {WEEKS + 1} weeks:  {summary(times)}")
        shortfalls = f"/api/v1/schemes/{scheme_id}/hours/shortfalls"
        flagged = client.get(shortfalls, headers=headers).json["pagination"]["total"]
        times = timed(lambda: client.get(shortfalls, headers=headers), runs)
        print(f"{kind:<10} shortfall flags over {matches} live matches ({flagged} flagged): {summary(times)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    database_arguments(parser)
    parser.add_argument("--matches", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for kind in databases(args.database):
        run(kind, args.matches, args.runs)


if __name__ == "__main__":
    main()
