"""The coordinators' dashboard over the load benchmark's scheme (5,000 people, a year of
history), in process, on SQLite and PostgreSQL; then again with twice the hours entries and
check-ins (each copied two years earlier, with its answers), to show that its time does not
grow with the scheme's history.

    .venv/bin/python -m bench.dashboard                # both databases
    .venv/bin/python -m bench.dashboard --database postgresql --people 2000
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import uuid
from datetime import timedelta

import sqlalchemy as sa

from bench.harness import (bench_app, database_arguments, databases, fresh_database, settle_tables, summary,
                           timed_with_cpu)
from bench.load import seed
from homeshare.checkins.models import CheckIn, CheckInAnswer
from homeshare.common.drivers import every_engine
from homeshare.extensions import db
from homeshare.hours.models import HoursEntry

EARLIER = timedelta(weeks=104)  # a whole number of weeks: the copies keep their weekdays


def double_history() -> dict[str, int]:
    """Copy every hours entry and check-in (with its answers) two years earlier."""
    added = {}
    for model, dates in ((HoursEntry, ("worked_on", "week_start", "created_at", "updated_at")),
                         (CheckIn, ("planned_on", "due_on", "created_at", "escalated_at"))):
        columns = [column.key for column in model.__table__.columns]
        rows = [dict(zip(columns, row)) for row in db.session.execute(sa.select(*model.__table__.columns))]
        new_ids = {}
        for row in rows:
            new_ids[row["id"]] = row["id"] = uuid.uuid4()
            for name in dates:
                if row[name] is not None:
                    row[name] -= EARLIER
        for first in range(0, len(rows), 5000):
            db.session.execute(sa.insert(model.__table__), rows[first:first + 5000])
        added[model.__tablename__] = len(rows)
        if model is CheckIn:
            columns = [column.key for column in CheckInAnswer.__table__.columns]
            answers = [dict(zip(columns, row)) for row in db.session.execute(
                sa.select(*CheckInAnswer.__table__.columns))]
            for answer in answers:
                answer["id"], answer["checkin_id"] = uuid.uuid4(), new_ids[answer["checkin_id"]]
                answer["answered_at"] -= EARLIER
            for first in range(0, len(answers), 5000):
                db.session.execute(sa.insert(CheckInAnswer.__table__), answers[first:first + 5000])
            added["checkin_answer"] = len(answers)
    settle_tables()
    return added


def statements(app, client, url: str, headers: dict) -> int:
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    engines = every_engine(app)
    for engine in engines:
        sa.event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url, headers=headers)
    finally:
        for engine in engines:
            sa.event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.json
    return len(seen)


def run(kind: str, people: int, runs: int) -> None:
    with fresh_database(kind) as url, tempfile.TemporaryDirectory() as instance:
        app = bench_app(url, instance)
        client = app.test_client()
        with app.app_context():
            seeded = seed(app, people, random.Random(7))
            db.session.remove()
        headers = {"Authorization": f"Bearer {seeded['tokens'][seeded['coordinators'][0]]}"}
        path = f"/api/v1/schemes/{seeded['scheme_id']}/dashboard"
        sizes = seeded["sizes"]
        first = statements(app, client, path, headers)
        times, cpu = timed_with_cpu(lambda: client.get(path, headers=headers), runs)
        print(f"{kind:<10} dashboard, {sizes['hours_entries']} hours entries, {sizes['checkins']} check-ins, "
              f"{sizes['answers']} answers: {summary(times)}; CPU median {statistics.median(cpu):.1f} ms; "
              f"{first} SQL statements")
        with app.app_context():
            added = double_history()
            db.session.remove()
        doubled, doubled_cpu = timed_with_cpu(lambda: client.get(path, headers=headers), runs)
        print(f"{kind:<10} dashboard, twice the history ({sizes['hours_entries'] + added['hours_entry']} hours "
              f"entries, {sizes['checkins'] + added['checkin']} check-ins): {summary(doubled)}; "
              f"CPU median {statistics.median(doubled_cpu):.1f} ms "
              f"({statistics.median(doubled_cpu) / statistics.median(cpu):.2f} times); "
              f"{statements(app, client, path, headers)} SQL statements; "
              f"{statistics.median(doubled) / statistics.median(times):.2f} times the first")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    database_arguments(parser)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    for kind in databases(args.database):
        run(kind, args.people, args.runs)


if __name__ == "__main__":
    main()
