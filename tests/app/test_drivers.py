"""The PostgreSQL driver's tuning (``homeshare.common.drivers``): column descriptions made only
when read."""

from __future__ import annotations

import psycopg
import pytest

from homeshare.common.drivers import DescribedWhenRead, every_engine
from tests.conftest import make_app


@pytest.fixture
def postgresql(app):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the tuning is psycopg's")


@pytest.fixture
def columns_made(monkeypatch):
    """How many ``psycopg.Column`` objects were made since."""
    made = []
    original = psycopg.Column.__init__

    def counted(self, *args):
        made.append(1)
        original(self, *args)

    monkeypatch.setattr(psycopg.Column, "__init__", counted)
    return made


def test_a_statement_run_again_makes_no_column_descriptions(client, make, postgresql, columns_made):
    session = make.login(client, make.householder(make.scheme()))
    assert client.get("/api/v1/me", headers=session.headers).status_code == 200
    columns_made.clear()
    again = client.get("/api/v1/me", headers=session.headers)
    assert again.status_code == 200 and again.json["scheme"]["slug"]
    assert columns_made == []


def test_a_description_is_psycopgs_own_made_when_read_and_stays_that_of_its_statement(
        app, postgresql, columns_made):
    statement = "SELECT 1 AS one, 'two'::text AS two, now() AS three"
    for engine in every_engine(app):
        with engine.connect() as connection:
            dbapi_connection = connection.connection.dbapi_connection
            expected = [tuple(column) for column in psycopg.Cursor(dbapi_connection).execute(statement).description]
            cursor = dbapi_connection.cursor()
            assert isinstance(cursor, DescribedWhenRead)
            columns_made.clear()
            described = cursor.execute(statement).description
            assert len(described) == 3 and described
            assert columns_made == []
            assert described[0].name == "one"
            assert len(columns_made) == 3
            assert described == list(described) and described != list(described)[:2]
            cursor.execute("SELECT 4 AS four")
            assert [tuple(column) for column in described] == expected
            assert [column.name for column in cursor.description] == ["four"]
            assert described[1].name == "two" and [column.name for column in described[1:]] == ["two", "three"]
            # No rows at all, and rows of no columns, as psycopg says them.
            assert cursor.execute("SET jit = off").description is None
            assert cursor.execute("SELECT").description is not None
            assert len(cursor.description) == 0
            connection.rollback()


def test_a_cursor_class_chosen_in_the_engine_options_is_kept(app, postgresql, tmp_path):
    elsewhere = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path,
                         SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"cursor_factory": psycopg.ClientCursor}})
    try:
        for engine in every_engine(elsewhere):
            with engine.connect() as connection:
                assert type(connection.connection.dbapi_connection.cursor()) is psycopg.ClientCursor
    finally:
        for engine in every_engine(elsewhere):
            engine.dispose()
