"""Migrations build exactly the models' schema on an empty database, and undo it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from homeshare.extensions import db
from tests.conftest import DATABASES, empty_database, make_app


@pytest.mark.parametrize("kind", DATABASES)
def test_upgrade_matches_models_and_downgrade_empties(kind, tmp_path_factory):
    with empty_database(kind, tmp_path_factory, prefix="hs_migrations") as url:
        app = make_app(url, tmp_path_factory.mktemp("instance"))
        with app.app_context():
            upgrade()
            with db.engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                differences = compare_metadata(context, db.metadata)
            assert differences == []

            downgrade(revision="base")
            with db.engine.connect() as connection:
                tables = set(sa.inspect(connection).get_table_names())
            assert tables <= {"alembic_version"}
            db.engine.dispose()
