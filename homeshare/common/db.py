"""Column types and mixins shared by every model."""

from __future__ import annotations

import enum
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY as postgresql_array, JSON as postgresql_json, insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, make_transient_to_detached, mapped_column
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.functions import FunctionElement

from homeshare.common.clock import utcnow
from homeshare.extensions import db, with_the_session


class Unindexed(FunctionElement):
    """A column whose index the database should not reach for (SQLite: ``+column``).

    Without statistics, SQLite's planner starts from a scheme's rows (its matches, its people)
    and reads everything they ever had (every check-in or answer, every hours entry of the
    weeks judged match by match, every vetting check), rather than the few a time range on
    their own index selects; its unary plus leaves the value as it is and takes the index
    away."""

    inherit_cache = True

    def __init__(self, column):
        super().__init__(column)
        self.type = column.type


@compiles(Unindexed)
def _render_unindexed(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(Unindexed, "sqlite")
def _render_unindexed_on_sqlite(element, compiler, **kw):
    return "+" + compiler.process(element.clauses, **kw)


class UTCDateTime(sa.types.TypeDecorator):
    """Stores UTC instants; always returns timezone-aware datetimes, on SQLite too."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class IdMixin:
    """A random UUID primary key: not guessable, not a count of anyone's records."""

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )


def string_enum(kind: type[enum.Enum], name: str, length: int = 20) -> sa.Enum:
    """An enum stored as its values in a bounded string with a CHECK constraint
    (the same on SQLite and PostgreSQL; adding a value needs no type migration)."""
    return sa.Enum(kind, native_enum=False, length=length, create_constraint=True, name=name,
                   values_callable=lambda members: [member.value for member in members])


def insert_ignoring_duplicates(model: Any, *, unique: Sequence[str]) -> Any:
    """``INSERT ... ON CONFLICT (unique) DO NOTHING`` on PostgreSQL and SQLite alike."""
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    return insert(model).on_conflict_do_nothing(index_elements=list(unique))


def insert_or_update(model: Any, *, unique: Sequence[str], names: Sequence[str], rows: sa.Select) -> Any:
    """``INSERT INTO model (names) SELECT ... ON CONFLICT (unique) DO UPDATE`` the other
    ``names``, on PostgreSQL and SQLite alike (``rows`` needs a WHERE clause on SQLite)."""
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(model).from_select(list(names), rows)
    return statement.on_conflict_do_update(
        index_elements=list(unique),
        set_={name: statement.excluded[name] for name in names if name not in unique})


# The execution option of a statement whose best plan depends on its parameters: a statement over
# a whole scheme (schemes differ in size by orders of magnitude). On PostgreSQL it is planned for
# its parameters every time it runs, never once for all (``homeshare.common.drivers``).
PLANNED_EACH_TIME = "planned_each_time"


def planned_each_time(statement: Any) -> Any:
    """``statement``, planned for its own parameters on every execution (see ``PLANNED_EACH_TIME``)."""
    return statement.execution_options(**{PLANNED_EACH_TIME: True})


# Rows a set-based insert sends at once (one JSON document on PostgreSQL).
INSERT_CHUNK = 5000


def _json_value(value: Any) -> Any:
    """A value JSON has no type for, as PostgreSQL reads it into the column's type."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"{value.__class__.__name__} is not stored by insert_many")


def insert_many(model: Any, rows: Sequence[dict[str, Any]], *, same: dict[str, Any] | None = None,
                ignoring_duplicates_on: Sequence[str] = (), returning: Sequence[Any] = ()) -> list[Any]:
    """Insert ``rows`` (dicts with the same keys, the table's column names), each with the
    values ``same`` too, skipping those that would repeat a unique ``ignoring_duplicates_on``
    when given; returns the ``returning`` columns of the rows inserted (when given). A row
    without an ``id`` gets a new random one.

    On PostgreSQL, set-based: ``INSERT ... SELECT ... FROM json_to_recordset(:rows)``, the
    rows as one JSON document (encoded by the standard library's C encoder) for thousands of
    rows, ``same`` as parameters of their own, written once, and the ids made by the database
    (``gen_random_uuid()``). A multi-row ``VALUES`` list has a placeholder per value, which
    psycopg parses anew for every statement that long; an array per column is built value by
    value in Python by psycopg: each was most of the time of inserting 100,000 reminders. On
    SQLite, ``executemany`` (SQLAlchemy sends it as multi-row ``VALUES``)."""
    if not rows:
        return []
    table = model.__table__
    same = dict(same or {})
    names = list(rows[0])
    found: list[Any] = []
    postgresql = db.engine.dialect.name == "postgresql"
    if postgresql:
        document = sa.cast(sa.bindparam("rows", type_=sa.Text), postgresql_json)
        record = (sa.func.json_to_recordset(document)
                  .table_valued(*(sa.column(name, table.c[name].type) for name in names))
                  .render_derived(name="given", with_types=True))
        made = {"id": sa.func.gen_random_uuid()} if "id" in table.c and "id" not in names and "id" not in same else {}
        columns = [*names, *same, *made]
        selected = sa.select(*(record.c[name] for name in names),
                             *(sa.bindparam(f"same_{name}", value, type_=table.c[name].type) for name, value in same.items()),
                             *made.values())
    for first in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[first:first + INSERT_CHUNK]
        if postgresql:
            statement = postgresql_insert(table).from_select(columns, selected)
        else:
            statement = sqlite_insert(table)
            chunk = [{**row, **same} for row in chunk] if same else chunk
        if ignoring_duplicates_on:
            statement = statement.on_conflict_do_nothing(index_elements=list(ignoring_duplicates_on))
        if returning:
            statement = statement.returning(*returning)
        if postgresql:
            result = db.session.execute(
                statement, {"rows": json.dumps(list(chunk), default=_json_value, separators=(",", ":"),
                                               ensure_ascii=False, allow_nan=False)})
        else:
            result = db.session.execute(statement, chunk)
        if returning:
            found.extend(result.all())
    return found


def among(column: Any, values: Sequence[Any]) -> Any:
    """``column IN (values)``; on PostgreSQL ``column = ANY(:values)``, the values as one array
    parameter. An ``IN`` list has a placeholder per value, which SQLAlchemy renders and psycopg
    parses anew whenever the list's length changes (a statement of 20,000 ids took longer to
    send than to run), and a text that long is never cached."""
    if db.engine.dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(values), type_=postgresql_array(column.type)))
    return column.in_(list(values))


def stream(statement: sa.Select) -> sa.Result:
    """``statement``'s rows, fetched 500 at a time from a server-side cursor.

    Such a cursor lives in a transaction, so this names the engine itself: GET requests
    otherwise read outside one (see ``homeshare.extensions.Session``).
    """
    return db.session.execute(statement.execution_options(yield_per=500), bind_arguments={"bind": db.engine})


AUDIT_CONTEXT = "homeshare.audit_context"
"""Key of ``Session.info`` under which the route layer leaves the request's ``AuditContext``."""


@dataclass(frozen=True)
class AuditContext:
    """What the audit trail needs to know of the request a session's changes come from.

    The authorisation gate puts it on the session it hands the services; the audit package
    reads it from there, so that services and the trail never read the HTTP request (and run
    the same without one). A ``staff_write`` is a coordinator's or admin's write: its commit is
    audited as ``action`` on ``target_id`` unless a service recorded a more precise event.
    """

    request_id: str | None
    staff_write: bool = False
    actor_id: uuid.UUID | None = None
    scheme_id: uuid.UUID | None = None
    action: str = ""
    target_id: str = "-"


KEPT_OBJECTS = "homeshare.kept_objects"


def keep_loaded(model: type, values: dict[str, Any]) -> Any:
    """The object of a plain row (every column, by attribute name), put in the session as if
    the ORM had loaded it, without a statement: ``session.get`` finds it too. As for a loaded
    object, no constructor, validator or default runs: the values are the stored ones. The one the
    session holds already, when it does. The session holds its objects weakly: this one is
    held in its ``info`` too, for as long as the session lasts (a request). A context whose
    session is not made yet makes none for it: the object goes in when the session is made
    (``with_the_session``), and until then its columns read as usual (a ``Scheme`` has no
    relationship to load)."""
    if db.session.registry.has():
        held = db.session.identity_map.get(identity_key(model, values["id"]))
        if held is not None:
            return held
    # Made as the ORM makes the objects it loads (no constructor, the values straight in its
    # state): 8 µs for a scheme, where the constructor's instrumented assignments took 18. It
    # is marked as loaded (detached, with its identity) only when a session takes it: a request
    # that makes none reads its columns all the same.
    instance = sa.inspect(model).class_manager.new_instance()
    sa.inspect(instance).dict.update(values)
    with_the_session(lambda session: _keep(session, instance))
    return instance


def _keep(session: Any, instance: Any) -> None:
    make_transient_to_detached(instance)
    if sa.inspect(instance).key in session.identity_map:
        return  # loaded meanwhile: the session keeps the one it has
    session.add(instance)
    session.info.setdefault(KEPT_OBJECTS, []).append(instance)
