"""Test fixtures: every test that takes ``app`` runs on SQLite and on PostgreSQL.

PostgreSQL is found at ``HOMESHARE_TEST_DATABASE_URL`` (default: the local server,
``postgresql://postgres@127.0.0.1:5432/test``; made when the server answers and it is
missing). ``HOMESHARE_TEST_POSTGRES`` chooses what happens when it cannot be used: ``auto``
(the default) runs SQLite only and says so in the header and the summary, ``require`` (the
default when ``CI=true``) stops the run with the reason, ``off`` never tries. See
``tests/pg_database.py``.

Each run works in its own PostgreSQL schema (dropped afterwards), builds the database
with the migrations, and empties every table after each test.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from urllib.parse import quote

import psycopg
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from homeshare import create_app
from homeshare.common.drivers import every_engine
from homeshare.extensions import db
from tests import factories
from tests.pg_database import (
    ensure_database,
    not_used_message,
    plain_libpq_url,
    postgres_mode,
    postgres_url,
    required_message,
)

TEST_SECRET = "test-secret-key-that-is-long-enough-for-hs256"


def _postgres_state() -> tuple[list[str], str | None]:
    """The databases the tests run on, and why PostgreSQL is missing from them (None if not)."""
    if postgres_mode() == "off":
        return ["sqlite"], "HOMESHARE_TEST_POSTGRES=off"
    problem, _done = ensure_database(postgres_url())
    return (["sqlite", "postgresql"], None) if problem is None else (["sqlite"], problem)


DATABASES, POSTGRES_PROBLEM = _postgres_state()


def pytest_configure(config):
    # Here rather than at import, so that the run stops with the reason and no traceback.
    if POSTGRES_PROBLEM and postgres_mode() == "require":
        pytest.exit(required_message(POSTGRES_PROBLEM), returncode=3)


def pytest_report_header(config):
    header = [f"homeshare test databases: {', '.join(DATABASES)}"]
    if POSTGRES_PROBLEM:
        header.append(f"homeshare: {not_used_message(POSTGRES_PROBLEM)}")
    return header


def pytest_terminal_summary(terminalreporter):
    if POSTGRES_PROBLEM:
        terminalreporter.write_sep("=", f"homeshare: {not_used_message(POSTGRES_PROBLEM)}", yellow=True, bold=True)


@contextmanager
def postgres_schema(prefix: str):
    """A fresh, empty PostgreSQL schema; yields a SQLAlchemy URL whose search_path is it."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    base = plain_libpq_url(postgres_url())
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{name}"')
    separator = "&" if "?" in base else "?"
    url = "postgresql+psycopg://" + base.removeprefix("postgresql://")
    try:
        yield f"{url}{separator}options={quote(f'-csearch_path={name}')}"
    finally:
        with psycopg.connect(base, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{name}" CASCADE')


@contextmanager
def empty_database(kind: str, tmp_path_factory, prefix: str = "hs_test"):
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp(prefix) / 'homeshare.db'}"
    else:
        with postgres_schema(prefix) as url:
            yield url


def make_app(database_url: str, instance_path, **overrides):
    config = {
        "HOMESHARE_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": TEST_SECRET,
        "HOMESHARE_INSTANCE_PATH": str(instance_path),
        # Cheap hashes keep the suite fast; production parameters are the defaults.
        "HOMESHARE_PASSWORD_TIME_COST": 1,
        "HOMESHARE_PASSWORD_MEMORY_KIB": 8,
        "HOMESHARE_PASSWORD_PARALLELISM": 1,
        # The suite signs in hundreds of times from one address; tests/accounts/test_throttling.py
        # builds apps with throttling on.
        "RATELIMIT_ENABLED": False,
    }
    config.update(overrides)
    return create_app(config)


@contextmanager
def migrated_app(kind: str, tmp_path_factory, prefix: str = "hs_test"):
    """An app on a fresh database of ``kind``, migrated to the head, every table empty.

    The migrations fill the postcode districts (tests/app/test_migrations.py checks that);
    the tests start from none, and load the districts they need.
    """
    with empty_database(kind, tmp_path_factory, prefix) as url:
        application = make_app(url, tmp_path_factory.mktemp("instance"))
        with application.app_context():
            upgrade()
            db.session.remove()
        empty_every_table(application)
        yield application
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session", params=DATABASES)
def app(request, tmp_path_factory):
    with migrated_app(request.param, tmp_path_factory) as application:
        yield application


def empty_every_table(application) -> None:
    """Back to an empty database, and the real clock."""
    application.config.pop("HOMESHARE_CLOCK", None)
    with application.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture(autouse=True)
def _clean_state(request):
    """Empty every table after each test that used the database; reset the clock."""
    yield
    if "app" not in request.fixturenames:
        return
    empty_every_table(request.getfixturevalue("app"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    """An application context, for tests that call services or factories directly."""
    with app.app_context():
        yield
        db.session.remove()


@contextmanager
def before_each_statement(application, record):
    """Call ``record`` (a ``before_cursor_execute`` listener) for each statement run inside, on
    every engine of the app (its reads' too)."""
    engines = every_engine(application)
    for engine in engines:
        sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield
    finally:
        for engine in engines:
            sa.event.remove(engine, "before_cursor_execute", record)


@contextmanager
def prepared_statements_beside(application, chosen):
    """``with prepared_statements_beside(app, chosen) as prepared:`` after each statement that
    ``chosen(statement)`` picks, ``prepared`` holds the statements PostgreSQL has prepared on
    its connection (``pg_prepared_statements``)."""
    prepared: list[str] = []

    def after(_connection, cursor, statement, *_args):
        if chosen(statement):
            prepared[:] = [row[0] for row in cursor.connection.execute("SELECT statement FROM pg_prepared_statements")]

    engines = every_engine(application)
    for engine in engines:
        sa.event.listen(engine, "after_cursor_execute", after)
    try:
        yield prepared
    finally:
        for engine in engines:
            sa.event.remove(engine, "after_cursor_execute", after)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as statements:`` records the SQL statements run inside."""

    @contextmanager
    def counter():
        statements: list[str] = []
        with before_each_statement(app, lambda _conn, _cursor, statement, *_args: statements.append(statement)):
            yield statements

    return counter


@pytest.fixture
def make(app):
    """Factories bound to the app: ``make.scheme()``, ``make.account(...)``, ``make.login(...)``."""
    return factories.Factories(app)


class Clock:
    """A controllable "now" for the app: ``clock.set(...)``, ``clock.advance(days=...)``."""

    def __init__(self, app):
        self.now = datetime.now(timezone.utc).replace(microsecond=0)
        app.config["HOMESHARE_CLOCK"] = lambda: self.now

    def set(self, moment: datetime) -> None:
        self.now = moment

    def advance(self, **delta) -> None:
        self.now = self.now + timedelta(**delta)

    def today(self) -> date:
        return self.now.astimezone(ZoneInfo("Europe/London")).date()


@pytest.fixture
def clock(app):
    return Clock(app)
