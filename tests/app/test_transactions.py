"""Reads outside a transaction: on PostgreSQL, GET and HEAD requests run their statements in
autocommit (no ``BEGIN`` and ``ROLLBACK`` round trips around them), on connections of their own,
while requests that may change data keep their transaction. A read takes one connection, and
makes an ORM session only when its view reads through one."""

from __future__ import annotations

import csv
import io
import uuid
from contextlib import contextmanager
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from homeshare.audit.models import AuditEvent
from homeshare.common.db import planned_each_time, stream
from homeshare.common.drivers import every_engine
from homeshare.extensions import Session, db, end_of_request, reading_connection
from homeshare.schemes.models import Scheme
from tests.conftest import before_each_statement, make_app


@pytest.fixture
def postgresql(app):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's driver opens no transaction for reads")


@pytest.fixture
def autocommit_of_statements(app):
    """``with autocommit_of_statements() as seen:`` records, for each statement run inside,
    whether its connection was in autocommit."""

    @contextmanager
    def recording():
        seen: list[bool] = []
        with before_each_statement(app, lambda connection, *_args: seen.append(
                connection.connection.dbapi_connection.autocommit)):
            yield seen

    return recording


@contextmanager
def connections_and_sessions(application):
    """``with connections_and_sessions(app) as seen:`` records the connections taken from any
    pool of the app (``seen["checkouts"]``), the driver connections its statements ran on
    (``seen["ran_on"]``), and the ORM sessions that began a transaction (``seen["sessions"]``)."""
    seen: dict[str, list] = {"checkouts": [], "ran_on": [], "sessions": []}
    checkout = lambda dbapi_connection, *_args: seen["checkouts"].append(dbapi_connection)  # noqa: E731
    began = lambda session, transaction: transaction.parent is None and seen["sessions"].append(session)  # noqa: E731
    engines = every_engine(application)
    for engine in engines:
        sa.event.listen(engine, "checkout", checkout)
    sa.event.listen(Session, "after_transaction_create", began)
    try:
        with before_each_statement(application, lambda connection, *_args: seen["ran_on"].append(
                connection.connection.dbapi_connection)):
            yield seen
    finally:
        sa.event.remove(Session, "after_transaction_create", began)
        for engine in engines:
            sa.event.remove(engine, "checkout", checkout)


def test_a_read_takes_one_connection_and_a_session_only_when_its_view_needs_one(app, client, make):
    scheme = make.scheme()
    householder = make.login(client, make.householder(scheme))
    coordinator = make.login(client, make.coordinator(scheme))
    # The signed-in account is all GET /me reads: on the request's connection, with no session.
    with connections_and_sessions(app) as seen:
        me = client.get("/api/v1/me", headers=householder.headers)
    assert me.status_code == 200 and me.json["scheme"]["id"] == str(scheme.id)
    assert len(seen["checkouts"]) == 1 and set(seen["ran_on"]) == set(seen["checkouts"])
    assert seen["sessions"] == []
    # A view that reads through the session reads on the connection the account was read on.
    for path, headers in (("/api/v1/me/profile", householder.headers),
                          (f"/api/v1/schemes/{scheme.id}/dashboard", coordinator.headers)):
        with connections_and_sessions(app) as seen:
            response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.json)
        assert len(seen["checkouts"]) == 1 and set(seen["ran_on"]) == set(seen["checkouts"]), path
        assert len(seen["sessions"]) == 1, path


def test_every_connection_a_read_took_is_given_back_whatever_its_answer(app, client, make):
    scheme = make.scheme()
    householder = make.login(client, make.householder(scheme))
    with app.app_context():
        engines = every_engine(app)
    answers = [
        client.get("/api/v1/me", headers=householder.headers).status_code,
        client.get(f"/api/v1/schemes/{scheme.id}/dashboard", headers=householder.headers).status_code,
        client.get(f"/api/v1/me/matches/{uuid.uuid4()}", headers=householder.headers).status_code,
        client.get("/api/v1/me", headers={"Authorization": "Bearer " + householder.headers["Authorization"][-20:]}).status_code,
    ]
    assert answers == [200, 403, 404, 401]
    assert all(engine.pool.checkedout() == 0 for engine in engines)


def test_a_streamed_read_first_in_a_get_leaves_the_session_reading_on_its_connection(app, make):
    for _ in range(3):
        make.scheme()
    with app.test_request_context("/api/v1/me", method="GET"):
        reading_connection()  # taken by the signed-in account's read
        try:
            streamed = stream(sa.select(Scheme.id)).scalars().all()
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Scheme)) == len(streamed) == 3
        finally:
            end_of_request()


def test_the_reading_connection_is_given_back_when_ending_its_session_fails(app, monkeypatch):
    with app.app_context():
        engines = every_engine(app)
    with app.test_request_context("/api/v1/me", method="GET"):
        reading_connection()
        db.session.scalar(sa.select(sa.func.count()).select_from(Scheme))  # a session on it
        assert db.session().reads_on is not None
        assert sum(engine.pool.checkedout() for engine in engines) == 1

        def failing():
            raise RuntimeError("the connection broke")

        monkeypatch.setattr(db.session, "remove", failing)
        with pytest.raises(RuntimeError):
            end_of_request()
        monkeypatch.undo()
        assert all(engine.pool.checkedout() == 0 for engine in engines)


def test_a_coordinators_write_after_a_read_in_one_context_is_audited_as_theirs(app, client, make):
    # One application context around several requests (as a test may push): the session a
    # read made on its connection ends with the read, and the write after it gets its own
    # session, with the gate's audit context on it.
    scheme = make.scheme()
    coordinator = make.login(client, make.coordinator(scheme))
    with app.app_context():
        assert client.get(f"/api/v1/schemes/{scheme.id}/dashboard", headers=coordinator.headers).status_code == 200
        changed = client.patch(f"/api/v1/schemes/{scheme.id}", json={"name": "Leeds Homeshare"},
                               headers=coordinator.headers)
        assert changed.status_code == 200, changed.json
        assert client.get(f"/api/v1/schemes/{scheme.id}", headers=coordinator.headers).json["name"] == "Leeds Homeshare"
        actors = db.session.scalars(sa.select(AuditEvent.actor_id).where(AuditEvent.target_id == str(scheme.id))).all()
    assert str(coordinator.person.id) in {str(actor) for actor in actors}


def test_reads_run_outside_a_transaction_and_changes_inside_one(client, make, postgresql, autocommit_of_statements):
    session = make.login(client, make.householder(make.scheme()))
    with autocommit_of_statements() as seen:
        read = client.get("/api/v1/me/profile", headers=session.headers)
    assert read.status_code == 200
    assert seen and all(seen)

    # A change runs on a connection of the app's own pool, in a transaction.
    with autocommit_of_statements() as seen:
        changed = client.patch("/api/v1/me/profile", json={"bio": "Retired nurse."},
                               headers={**session.headers, "If-Match": read.headers["ETag"]})
    assert changed.status_code == 200, changed.json
    assert seen and not any(seen)
    assert client.get("/api/v1/me/profile", headers=session.headers).json["bio"] == "Retired nurse."


def test_reads_have_a_pool_of_their_own_let_go_with_the_apps(app, make, postgresql, tmp_path):
    elsewhere = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    engine, reading = every_engine(elsewhere)
    client = elsewhere.test_client()
    session = make.login(client, make.householder(make.scheme()))
    try:
        engine.dispose()  # the sign-in's connection
        assert client.get("/api/v1/me", headers=session.headers).status_code == 200
        assert reading.pool.checkedin() == 1 and engine.pool.checkedin() == 0
        # Only the app's engine is in a transaction: the settings reach both.
        with reading.connect() as connection:
            assert connection.connection.dbapi_connection.autocommit
            assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
        with engine.connect() as connection:
            assert not connection.connection.dbapi_connection.autocommit
    finally:
        engine.dispose()
    assert reading.pool.checkedin() == 0


def test_a_streamed_export_reads_in_a_transaction_and_records_its_audit_event(
        app, client, make, postgresql, autocommit_of_statements):
    scheme = make.scheme()
    coordinator = make.login(client, make.coordinator(scheme))
    for _ in range(3):
        make.householder(scheme)
    with autocommit_of_statements() as seen:
        response = client.get(f"/api/v1/schemes/{scheme.id}/exports/people.csv", headers=coordinator.headers)
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert response.status_code == 200
    assert len(rows) == 3
    # The account lookup and the audit event in autocommit; the server-side cursor in a transaction.
    assert True in seen and False in seen
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "export.people")) == 1


def test_the_service_sets_its_reading_rules_whatever_the_servers_defaults(app, postgresql, tmp_path):
    # Reads in autocommit see what a READ COMMITTED transaction would see, and no more; and
    # PostgreSQL chooses when a prepared statement is planned once (see the test below).
    options = " -cdefault_transaction_isolation=serializable -cplan_cache_mode=force_custom_plan"
    elsewhere = make_app(app.config["SQLALCHEMY_DATABASE_URI"] + quote(options), tmp_path)
    with elsewhere.app_context():
        try:
            for engine in every_engine(elsewhere):
                with engine.connect() as connection:
                    assert connection.exec_driver_sql("SHOW default_transaction_isolation").scalar() == "read committed"
                    assert connection.exec_driver_sql("SHOW plan_cache_mode").scalar() == "auto"
        finally:
            db.session.remove()
            db.engine.dispose()


def test_statements_over_a_whole_scheme_are_planned_for_their_parameters_every_time(app, postgresql):
    # The driver prepares a statement run five times on a connection, and PostgreSQL may then
    # plan it once for any parameters: right for a one-row read, not for a statement whose best
    # plan depends on the size of the scheme it is about. Those are never prepared.
    ordinary = sa.text("SELECT count(*) FROM account WHERE role = :role")
    over_a_scheme = planned_each_time(sa.text("SELECT count(*) FROM scheme WHERE name = :name"))
    with app.app_context():
        connection = db.session.connection()
        for _ in range(8):
            assert connection.execute(ordinary, {"role": "sharer"}).scalar() == 0
            assert connection.execute(over_a_scheme, {"name": "Leeds"}).scalar() == 0
        prepared = connection.execute(sa.text("SELECT statement FROM pg_prepared_statements")).scalars().all()
        db.session.rollback()
    assert any("FROM account WHERE role" in statement for statement in prepared)
    assert not any("FROM scheme WHERE name" in statement for statement in prepared)


def test_a_streamed_statement_over_a_whole_scheme_runs_on_its_server_side_cursor(app, postgresql):
    with app.app_context():
        rows = db.session.execute(planned_each_time(sa.text("SELECT generate_series(1, 3)")),
                                  execution_options={"yield_per": 2}).scalars().all()
        db.session.rollback()
    assert rows == [1, 2, 3]
