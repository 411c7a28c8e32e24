"""Shared set-up for benchmarks: a fresh database (SQLite file or PostgreSQL schema) and an app."""

from __future__ import annotations

import gc
import os
import statistics
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg
from flask_migrate import upgrade

from homeshare import create_app
from homeshare.extensions import db

POSTGRES_URL = os.environ.get("HOMESHARE_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def fresh_database(kind: str):
    """Yield the SQLAlchemy URL of an empty database of ``kind``; remove it afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    schema = f"hs_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        base = "postgresql+psycopg://" + POSTGRES_URL.removeprefix("postgresql://")
        separator = "&" if "?" in base else "?"
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def bench_app(url: str, instance: str, **overrides):
    """The app on ``url``, migrated, with cheap password hashes (``overrides`` change any setting)."""
    app = create_app({
        "HOMESHARE_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "HOMESHARE_INSTANCE_PATH": instance,
        "SECRET_KEY": "benchmark-secret-key-benchmark-secret-key", "HOMESHARE_LOG_LEVEL": "WARNING",
        "HOMESHARE_PASSWORD_TIME_COST": 1, "HOMESHARE_PASSWORD_MEMORY_KIB": 8, "HOMESHARE_PASSWORD_PARALLELISM": 1,
        **overrides,
    })
    with app.app_context():
        upgrade()
        db.session.remove()
    return app


def settle_tables() -> None:
    """After seeding, on PostgreSQL: ``VACUUM (ANALYZE)`` every table, in the app context.

    The planner gets its statistics, and autovacuum has nothing left to do: left to itself it
    would work through the fresh rows during the first measurements, on the same cores.
    """
    db.session.commit()
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in db.metadata.sorted_tables:
            connection.exec_driver_sql(f'VACUUM (ANALYZE) "{table.name}"')


def timed(function, runs: int) -> list[float]:
    """Milliseconds of each of ``runs`` calls (after one warm-up call).

    Like wsgi.py, the long-lived objects made so far are frozen out of garbage collection.
    """
    gc.collect()
    gc.freeze()
    function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def timed_with_cpu(function, runs: int) -> tuple[list[float], list[float]]:
    """Like ``timed``, with the CPU milliseconds this thread spent in each call too: on a busy
    machine the wall times wait on other work, while the CPU time is the request's own (all of
    it on SQLite; on PostgreSQL the server's part is in the wall time only)."""
    gc.collect()
    gc.freeze()
    function()
    times, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.thread_time()
        function()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - cpu_started) * 1000)
    return times, cpu


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"median {statistics.median(ordered):7.1f} ms   p90 {p90:7.1f} ms   ({len(ordered)} runs)"


def login(client, email: str, password: str) -> dict[str, str]:
    tokens = client.post("/api/v1/auth/login", json={"email": email, "password": password}).json
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def scheme_with_coordinator(slug: str):
    """A scheme and its coordinator, ``coordinator@<slug>.example.org`` / ``a long password``."""
    from homeshare.accounts import service as accounts
    from homeshare.schemes import service as schemes

    scheme = schemes.create_scheme(slug=slug, name=slug.title())
    accounts.create_coordinator(scheme=scheme, email=f"coordinator@{slug}.example.org", password="a long password")
    return scheme


def database_arguments(parser, default: str = "both") -> None:
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default=default)


def databases(choice: str) -> list[str]:
    """Print the run's heading and name the databases to run on."""
    import logging
    import platform
    from datetime import datetime, timezone

    logging.getLogger("homeshare").setLevel(logging.WARNING)
    print(f"# {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, Python {platform.python_version()}")
    return ["sqlite", "postgresql"] if choice == "both" else [choice]
