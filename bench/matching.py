"""Matching speed: ranking one householder's candidates among 10,000 cleared sharers, and the
best pairing of a 1,000 x 1,000 pool, through the HTTP API on SQLite and PostgreSQL.

    .venv/bin/python -m bench.matching                 # both databases
    .venv/bin/python -m bench.matching --database sqlite --sharers 2000 --pool 300

After seeding, on PostgreSQL, every table is analysed (``settle_tables``): a ranking planned on
the statistics of tables analysed while still empty (by autovacuum, or an ``ANALYZE`` of the
whole database started by other work) took 150 s instead of 50 ms.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import tracemalloc

from bench.harness import bench_app, database_arguments, databases, fresh_database, login, scheme_with_coordinator, settle_tables, summary, timed, timed_with_cpu
from bench.population import DISTRICTS_CSV, seed_people
from homeshare.extensions import db




def run(kind: str, sharers: int, pool: int, runs: int) -> None:
    with fresh_database(kind) as url, tempfile.TemporaryDirectory() as instance:
        app = bench_app(url, instance)
        client = app.test_client()
        with app.app_context():
            scheme = scheme_with_coordinator("ranking")
            people = seed_people(scheme, householders=1, sharers=sharers)
            householder_id = people["householder"][0]
            settle_tables()
            db.session.remove()
        headers = login(client, "coordinator@ranking.example.org", "a long password")
        url_ = f"/api/v1/people/{householder_id}/candidates?per_page=20"
        first = client.get(url_, headers=headers)
        assert first.status_code == 200, first.json
        times, cpu = timed_with_cpu(lambda: client.get(url_, headers=headers), runs)
        print(f"{kind:<10} ranking 1 householder x {sharers} sharers: {summary(times)}; "
              f"CPU median {statistics.median(cpu):.1f} ms; {first.json['pagination']['total']} pass the hard filters")

        with app.app_context():
            scheme = scheme_with_coordinator("pool")
            seed_people(scheme, householders=pool, sharers=pool, seed=11)
            scheme_id = scheme.id
            settle_tables()
            db.session.remove()
        headers = login(client, "coordinator@pool.example.org", "a long password")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        times = timed(lambda: client.get(f"/api/v1/schemes/{scheme_id}/pool-suggestion", headers=headers), 3)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result = client.get(f"/api/v1/schemes/{scheme_id}/pool-suggestion", headers=headers).json
        print(f"{kind:<10} pool {pool} x {pool}: {summary(times)}; {len(result['pairs'])} pairs, "
              f"total score {result['total_score']}; peak traced memory {peak / 2**20:.0f} MiB, "
              f"process peak RSS {max(rss_before, rss_after) / 1024:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    database_arguments(parser)
    parser.add_argument("--sharers", type=int, default=10_000)
    parser.add_argument("--pool", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    kinds = databases(args.database)
    print(f"# districts: {DISTRICTS_CSV.name}")
    for kind in kinds:
        run(kind, args.sharers, args.pool, args.runs)


if __name__ == "__main__":
    main()
