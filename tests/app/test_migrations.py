"""Migrations build exactly the models' schema on an empty database, and undo it."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from homeshare.extensions import db
from homeshare.places.models import PostcodeDistrict
from homeshare.places.service import SHIPPED_DISTRICTS, read_districts
from homeshare.profiles.models import Profile
from tests import factories
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


@pytest.mark.parametrize("kind", DATABASES)
def test_upgrade_ships_the_postcode_districts_and_places_people_by_them(kind, tmp_path_factory):
    """A fresh install places people by postcode with no file to fetch (revision 0010)."""
    with empty_database(kind, tmp_path_factory, prefix="hs_districts") as url:
        app = make_app(url, tmp_path_factory.mktemp("instance"))
        make = factories.Factories(app)
        with app.app_context():
            upgrade()  # people made with the models, as the head knows them
        scheme = make.scheme()
        householder, placed_by_app = make.householder(scheme), make.sharer(scheme)
        with app.app_context():
            db.session.execute(sa.update(Profile).where(Profile.account_id == uuid.UUID(householder.id))
                               .values(postcode="LS6 1AA"))
            db.session.execute(sa.update(Profile).where(Profile.account_id == uuid.UUID(placed_by_app.id))
                               .values(postcode="LS6 1AA", latitude=1.0, longitude=2.0, location_source="app"))
            db.session.commit()
            db.session.remove()
            downgrade(revision="0009")  # then back to before the districts shipped, with none loaded
            db.session.execute(sa.delete(PostcodeDistrict))
            db.session.commit()
            upgrade()
            count = db.session.scalar(sa.select(sa.func.count()).select_from(PostcodeDistrict))
            profiles = {str(p.account_id): p for p in db.session.scalars(sa.select(Profile))}
            assert count == len(read_districts(SHIPPED_DISTRICTS)) > 2900
            assert db.session.get(PostcodeDistrict, "SW1A").latitude == pytest.approx(51.50, abs=0.1)
            located = profiles[householder.id]
            assert (located.latitude, located.location_source, located.version) == (
                pytest.approx(53.82, abs=0.05), "postcode", 2)
            assert (profiles[placed_by_app.id].latitude, profiles[placed_by_app.id].location_source) == (1.0, "app")

            db.session.remove()  # its reads hold locks the later revisions' downgrades wait on
            downgrade(revision="0009")  # districts loaded since are the operator's: left alone
            db.session.execute(sa.delete(PostcodeDistrict).where(PostcodeDistrict.district != "LS6"))
            db.session.commit()
            upgrade()  # a table that holds districts is not replaced
            assert db.session.scalars(sa.select(PostcodeDistrict.district)).all() == ["LS6"]
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("kind", DATABASES)
def test_notice_revision_keeps_every_match_and_what_hangs_off_it(kind, tmp_path_factory):
    """0015 rebuilds ``match`` and ``match_event`` on SQLite: down to 0012 and up again, no row
    cascades away, states stay, and afterwards a match in notice is stored and held live."""
    from homeshare.matching.models import Match, MatchEvent, MatchState
    from homeshare.agreements.models import AgreementVersion
    from homeshare.checkins.models import CheckIn
    from tests.matchdesk import Desk

    with empty_database(kind, tmp_path_factory, prefix="hs_notice") as url:
        app = make_app(url, tmp_path_factory.mktemp("instance"))
        make = factories.Factories(app)
        with app.app_context():
            upgrade()
        client = app.test_client()
        desk = Desk(client, make, make.scheme())
        desk.to_active()
        ended = Desk(client, make, make.scheme())
        ended.to_ended()

        def counts():
            return {model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                    for model in (Match, MatchEvent, AgreementVersion, CheckIn)}

        with app.app_context():
            before = counts()
            states = dict(db.session.execute(sa.select(Match.id, Match.state)).all())
            db.session.remove()
            downgrade(revision="0012")
            assert db.session.scalar(sa.text("SELECT count(*) FROM match")) == before["match"]
            assert db.session.scalar(sa.text("SELECT count(*) FROM match_event")) == before["match_event"]
            assert db.session.scalar(sa.text("SELECT count(*) FROM checkin")) == before["checkin"]
            db.session.remove()
            upgrade()
            assert counts() == before
            assert dict(db.session.execute(sa.select(Match.id, Match.state)).all()) == states
            db.session.remove()
        assert desk.post("notice", desk.sharer, {"reason": "sharer-moved-for-work-or-study"}).status_code == 200
        with app.app_context():
            assert db.session.get(Match, uuid.UUID(desk.match_id)).state is MatchState.NOTICE
            db.session.remove()
        # Still live: the householder cannot be proposed again while the notice runs.
        response = client.post(f"/api/v1/schemes/{desk.scheme.id}/matches", headers=desk.coordinator.headers,
                               json={"householder_id": desk.householder_person.id,
                                     "sharer_id": make.ready("sharer", desk.scheme).id})
        assert response.status_code == 409
        with app.app_context():
            db.session.remove()
            downgrade(revision="0012")  # the match in notice goes back to active
            assert db.session.scalar(sa.text(f"SELECT state FROM match WHERE id = '{uuid.UUID(desk.match_id).hex}'"
                                             if kind == "sqlite" else
                                             f"SELECT state FROM match WHERE id = '{desk.match_id}'")) == "active"
            db.session.remove()
            db.engine.dispose()
