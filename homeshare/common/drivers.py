"""Database driver tuning: what each connection is set to, and when an idle one is checked.

``configure_engine`` is called once per application, after Flask-SQLAlchemy made the engine.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import psycopg
import psycopg._queries
import sqlalchemy as sa
from flask import Flask
from psycopg import pq

from homeshare.common.db import PLANNED_EACH_TIME
from homeshare.extensions import READING_ENGINES, db


def configure_engine(app: Flask) -> None:
    """SQLite: foreign keys, WAL and a busy timeout. PostgreSQL (psycopg): the session
    settings below, a ping for connections that sat idle, and an engine of its own for
    reads, always in autocommit (see ``homeshare.extensions.Session`` and ``_reading_engine``)."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    elif engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
        reading = _reading_engine(app, engine)
        for each in (engine, reading):
            sa.event.listen(each, "connect", _postgresql_settings)
            sa.event.listen(each, "checkin", _idle_from_now)
            sa.event.listen(each, "checkout", _ping_if_idle)
            sa.event.listen(each, "do_execute", _execute_unprepared)
        # Whoever lets the app's connections go (a test, a worker after its fork) lets these go too.
        sa.event.listen(engine, "engine_disposed", lambda _engine: reading.dispose())
        sa.event.listen(engine, "handle_error", _replacing_after_a_disconnect(reading))
        sa.event.listen(reading, "handle_error", _replacing_after_a_disconnect(engine))
        _keep_long_statements_converted()
        app.extensions[READING_ENGINES] = {engine: reading}


def _reading_engine(app: Flask, engine: sa.Engine) -> sa.Engine:
    """The engine GET and HEAD requests read with: the same database and options as ``engine``,
    its connections in autocommit for good, in a pool of their own. A view of ``engine`` set to
    autocommit (``engine.execution_options``) shared its pool, so each request switched its
    connection to autocommit when it took it and back when it gave it back. Nothing is rolled
    back when a connection comes back: in autocommit there is no transaction to end (a read that
    needs one names ``engine``, ``homeshare.common.db.stream``). Together: 220 of the 950 Python
    calls of reading the signed-in account (counted by cProfile). A worker holds at most a pool
    of each."""
    echo = app.config.get("SQLALCHEMY_ECHO", False)
    options = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"], "echo": echo, "echo_pool": echo,
               "isolation_level": "AUTOCOMMIT", "pool_reset_on_return": None}
    return sa.create_engine(engine.url, **options)


def _replacing_after_a_disconnect(other: sa.Engine):
    """A ``handle_error`` listener: when a connection of one engine turns out dead (a server
    restart, a network drop), SQLAlchemy replaces every connection of that engine's pool; this
    replaces the other engine's too, which died with them, so that the next request of either
    kind does not fail on one of them first."""

    def replace(context) -> None:
        if context.is_disconnect and context.invalidate_pool_on_disconnect:
            other.dispose()

    return replace


def every_engine(app: Flask) -> tuple[sa.Engine, ...]:
    """The app's engine and, on PostgreSQL, the one its reads run on: what a listener for every
    statement the app runs listens to."""
    with app.app_context():
        engine = db.engine
    return (engine, *app.extensions.get(READING_ENGINES, {}).values())


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def _outside_a_transaction(dbapi_connection, statement: str) -> None:
    """One round trip on an idle psycopg connection, without opening a transaction."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    try:
        dbapi_connection.execute(statement)
    finally:
        dbapi_connection.autocommit = autocommit


def _postgresql_settings(dbapi_connection, _record) -> None:
    # A cursor class chosen in the engine's connect_args (psycopg.ClientCursor, say) is kept.
    if dbapi_connection.cursor_factory is psycopg.Cursor:
        dbapi_connection.cursor_factory = DescribedWhenRead
    # PostgreSQL compiles a statement to machine code (JIT) on its estimated cost alone. The
    # service's statements are short, and compiling them took longer than running them: 240 of
    # the 290 ms of the dashboard's count of applicants by vetting status, for 5,000 people.
    # READ COMMITTED whatever the server's default: reads in GET requests run in autocommit,
    # which is the same as a READ COMMITTED transaction only (see homeshare.extensions.Session).
    # plan_cache_mode is PostgreSQL's default (auto) whatever the server's: see _execute_unprepared.
    _outside_a_transaction(dbapi_connection, "SET jit = off; SET default_transaction_isolation = 'read committed'; "
                                             "SET plan_cache_mode = auto")


_RETURNS_ROWS = frozenset({pq.ExecStatus.TUPLES_OK, pq.ExecStatus.SINGLE_TUPLE, pq.ExecStatus.TUPLES_CHUNK})


class DescribedWhenRead(psycopg.Cursor):
    """psycopg's cursor, its ``description`` made when its columns are read.

    psycopg makes an object for each column of ``description`` whenever it is asked for it.
    SQLAlchemy asks after every statement, only to learn whether rows came back, and reads the
    columns only the first time it runs a statement (it keeps what it learnt of them): the 32
    columns of the signed-in account and their scheme cost every request about 8 % of
    ``GET /me``'s instructions (``valgrind --tool=callgrind``). The same columns, made by
    psycopg, the first time one is read."""

    __slots__ = ()

    @property
    def description(self) -> Sequence[psycopg.Column] | None:  # type: ignore[override]
        result = self.pgresult
        if result and (result.nfields or result.status in _RETURNS_ROWS):
            return _Description(_ResultOf(self, result))
        return None


class _ResultOf:
    """What psycopg's ``Column`` reads of a cursor, with the cursor's result of then: the
    description stays that of its statement once the cursor runs another."""

    __slots__ = ("_cursor", "pgresult")

    def __init__(self, cursor: psycopg.Cursor, result: Any):
        self._cursor, self.pgresult = cursor, result

    @property
    def _encoding(self) -> str:
        return self._cursor._encoding

    @property
    def adapters(self) -> Any:
        return self._cursor.adapters


class _Description(Sequence):
    """A statement's columns (``psycopg.Column``), made the first time one is read."""

    __slots__ = ("_columns", "_of")

    def __init__(self, of: _ResultOf):
        self._of, self._columns = of, None

    def _made(self) -> list[psycopg.Column]:
        if self._columns is None:
            self._columns = [psycopg.Column(self._of, index) for index in range(self._of.pgresult.nfields)]  # type: ignore[arg-type]
        return self._columns

    def __len__(self) -> int:
        return self._of.pgresult.nfields

    def __getitem__(self, index):
        return self._made()[index]

    def __iter__(self):
        return iter(self._made())

    def __eq__(self, other: object) -> bool:
        return self._made() == list(other) if isinstance(other, Sequence) else NotImplemented

    __hash__ = None  # type: ignore[assignment]  # as a list's

    def __reduce__(self):
        return list, (self._made(),)

    def __repr__(self) -> str:
        return repr(self._made())


# The longest statement, and the most parameters, whose conversion psycopg keeps.
LONGEST_CONVERTED_STATEMENT = 1 << 16
MOST_CONVERTED_PARAMETERS = 256


def _keep_long_statements_converted() -> None:
    """psycopg turns a statement's named placeholders into PostgreSQL's numbered ones on every
    execution, and keeps the result (an LRU of 128) only for statements of at most 4,096
    characters and 50 parameters. The dashboard's one statement (42,000 characters, 189
    parameters) was converted again on every request: 1.5 ms of its CPU. The service builds
    its statements from code, so their texts are few whatever their length; the bound on
    parameters stays low enough that IN lists of every length do not crowd the cache. Should a
    psycopg release name these limits otherwise, statements are converted as before."""
    for name, value in (("MAX_CACHED_STATEMENT_LENGTH", LONGEST_CONVERTED_STATEMENT),
                        ("MAX_CACHED_STATEMENT_PARAMS", MOST_CONVERTED_PARAMETERS)):
        current = getattr(psycopg._queries, name, None)
        if isinstance(current, int):
            setattr(psycopg._queries, name, max(current, value))


def _execute_unprepared(cursor, statement, parameters, context) -> bool:
    """psycopg prepares a statement run five times on a connection, and PostgreSQL may then plan
    it once for any parameters. That suits the one-row reads every request makes (the account
    lookup is then no longer planned on each request), not a statement over a whole scheme whose
    best plan depends on the scheme's size: the ranking's candidates took 27 ms under the plan
    made once instead of 18. Those are marked ``planned_each_time`` (``homeshare.common.db``)
    and sent unprepared, which PostgreSQL plans for their own parameters every time."""
    # A server-side cursor (a streamed statement) is never prepared: it needs nothing more.
    if not context.execution_options.get(PLANNED_EACH_TIME) or isinstance(cursor, psycopg.ServerCursor):
        return False
    cursor.execute(statement, parameters, prepare=False)
    return True


# A pooled connection idle this long is checked before use (a server restart, a network
# drop or an idle timeout may have ended it meanwhile); busier ones are used straight away.
IDLE_PING_SECONDS = 10.0


def _idle_from_now(_dbapi_connection, record) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
    """``pool_pre_ping``, for idle connections only: a ping on every checkout cost each
    request three round trips (BEGIN, SELECT 1 and ROLLBACK). A connection that fails the
    ping is replaced by a new one (the pool retries on ``DisconnectionError``); one that dies
    while in use fails its request with 503 and makes both pools (the reads' and the app's) replace
    every connection (``_replacing_after_a_disconnect``)."""
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
        return
    try:
        _outside_a_transaction(dbapi_connection, "SELECT 1")
    except Exception as error:  # the driver's error: the connection is gone
        raise sa.exc.DisconnectionError(str(error)) from error
