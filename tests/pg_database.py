"""The PostgreSQL database the tests use: where it is, whether it must be used, and making it.

``HOMESHARE_TEST_DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``) names
it. ``HOMESHARE_TEST_POSTGRES`` says what happens when it cannot be used: ``auto`` (the
default) runs SQLite only and says so, ``require`` (the default when ``CI=true``) stops the
run with the reason, ``off`` never tries.

``python -m tests.pg_database`` (the first step of ``make test``) creates the database when
the server answers and the database is missing, and stops with a one-line reason when
PostgreSQL is required and cannot be used.
"""

from __future__ import annotations

import os
import sys

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
MODES = ("auto", "require", "off")
CONNECT_TIMEOUT = 3


def postgres_url() -> str:
    return os.environ.get("HOMESHARE_TEST_DATABASE_URL") or DEFAULT_POSTGRES_URL


def postgres_mode() -> str:
    mode = os.environ.get("HOMESHARE_TEST_POSTGRES") or (
        "require" if os.environ.get("CI", "").lower() == "true" else "auto"
    )
    if mode not in MODES:
        raise SystemExit(f"HOMESHARE_TEST_POSTGRES={mode!r}: use one of {', '.join(MODES)}")
    return mode


def why_required() -> str:
    if os.environ.get("HOMESHARE_TEST_POSTGRES"):
        return f"HOMESHARE_TEST_POSTGRES={os.environ['HOMESHARE_TEST_POSTGRES']}"
    return "CI=true"


def required_message(problem: str) -> str:
    return f"PostgreSQL is required ({why_required()}) but cannot be used: {problem}"


def not_used_message(problem: str) -> str:
    return (f"PostgreSQL is NOT used, only SQLite ran ({problem}); "
            "HOMESHARE_TEST_POSTGRES=require makes this a failure")


def plain_libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def one_line(error: Exception) -> str:
    return " ".join(str(error).split()) or error.__class__.__name__


def problem_with(url: str) -> str | None:
    """None when the database answers, otherwise why not, on one line."""
    try:
        with psycopg.connect(plain_libpq_url(url), connect_timeout=CONNECT_TIMEOUT) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return one_line(error)
    return None


def ensure_database(url: str) -> tuple[str | None, str | None]:
    """Make the database when its server answers and it is missing.

    Returns ``(problem, done)``: why the database cannot be used (None when it can), and
    what was done to it (None when nothing was).
    """
    problem = problem_with(url)
    if problem is None:
        return None, None
    params = conninfo_to_dict(plain_libpq_url(url))
    name = params.get("dbname") or params.get("user") or "postgres"
    maintenance = make_conninfo(**{**params, "dbname": "postgres", "connect_timeout": CONNECT_TIMEOUT})
    try:
        with psycopg.connect(maintenance, autocommit=True) as connection:
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if exists:
                return problem, None
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error:
        return problem, None  # the server itself does not answer: the first problem says why
    return problem_with(url), f"created the PostgreSQL database {name!r}"


def main() -> int:
    mode = postgres_mode()
    if mode == "off":
        return 0
    url = postgres_url()
    problem, done = ensure_database(url)
    if done:
        print(f"homeshare tests: {done}")
    if problem is None:
        return 0
    if mode == "require":
        print(required_message(problem), file=sys.stderr)
        return 1
    print(f"homeshare tests: {not_used_message(problem)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
