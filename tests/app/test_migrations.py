"""Migrations build exactly the models' schema on an empty database, and undo it."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from homeshare.agreements.models import AgreementVersion
from homeshare.checkins.models import CheckIn
from homeshare.extensions import db
from homeshare.matching.models import Match, MatchEvent, MatchState
from homeshare.places.models import PostcodeDistrict
from homeshare.places.service import SHIPPED_DISTRICTS, read_districts
from homeshare.profiles.models import Profile
from homeshare.schemes.models import Scheme
from homeshare.vetting.models import CheckKind, CheckStatus, VettingCheck, VettingStanding, VettingStatus
from tests import factories
from tests.matchdesk import Desk
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
            # Its version moved by the update above (every update of profiles does), and by being placed.
            assert (located.latitude, located.location_source, located.version) == (
                pytest.approx(53.82, abs=0.05), "postcode", 3)
            assert (profiles[placed_by_app.id].latitude, profiles[placed_by_app.id].location_source) == (1.0, "app")

            db.session.remove()  # its reads hold locks the later revisions' downgrades wait on
            downgrade(revision="0009")  # districts loaded since are the operator's: left alone
            db.session.execute(sa.delete(PostcodeDistrict).where(PostcodeDistrict.district != "LS6"))
            db.session.commit()
            upgrade()  # a table that holds districts is not replaced
            assert db.session.scalars(sa.select(PostcodeDistrict.district)).all() == ["LS6"]
            db.session.remove()
            db.engine.dispose()


def _insert(connection, table: str, **values) -> None:
    """A row written as revision 0011 knows the table: raw SQL, every value typed for the driver."""
    types = {"id": sa.Uuid(), "scheme_id": sa.Uuid(), "account_id": sa.Uuid(), "settings": sa.JSON(),
             "interests": sa.JSON(), "languages": sa.JSON(), "gender_preference": sa.JSON(),
             "tasks_wanted": sa.JSON(), "tasks_offered": sa.JSON(), "created_at": sa.DateTime(timezone=True),
             "updated_at": sa.DateTime(timezone=True), "email_verified_at": sa.DateTime(timezone=True)}
    statement = sa.text(f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join(':' + n for n in values)})")
    connection.execute(statement.bindparams(*(sa.bindparam(name, type_=types[name]) for name in values if name in types)),
                       values)


def _account_rows(connection) -> dict[uuid.UUID, tuple]:
    rows = connection.execute(sa.text("SELECT id, role, email FROM account").columns(
        sa.column("id", sa.Uuid()), sa.column("role"), sa.column("email"))).all()
    return {row.id: (row.role, row.email) for row in rows}


def _profile_ids(connection) -> set[uuid.UUID]:
    return set(connection.execute(sa.text("SELECT account_id FROM profile").columns(
        sa.column("account_id", sa.Uuid()))).scalars())


@pytest.mark.parametrize("kind", DATABASES)
def test_people_and_their_profiles_survive_revision_0012_both_ways(kind, tmp_path_factory):
    """0012 rebuilds the account table on SQLite with foreign keys off: no profile (nor any row
    hanging off an account) may cascade away, up or down, and existing people keep their rows."""
    scheme_id, householder_id, coordinator_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = datetime.now(timezone.utc)
    with empty_database(kind, tmp_path_factory, prefix="hs_0012") as url:
        app = make_app(url, tmp_path_factory.mktemp("instance"))
        with app.app_context():
            upgrade(revision="0011")
            with db.engine.begin() as connection:
                _insert(connection, "scheme", id=scheme_id, slug="leeds", name="Homeshare Leeds",
                        timezone="Europe/London", settings={}, created_at=now, updated_at=now)
                for account_id, role in ((householder_id, "householder"), (coordinator_id, "coordinator")):
                    _insert(connection, "account", id=account_id, email=f"{role}@example.org", password_hash="x",
                            role=role, scheme_id=scheme_id, is_active=True, created_at=now, updated_at=now,
                            email_verified_at=now)
                _insert(connection, "profile", account_id=householder_id, version=1, first_name="Margaret",
                        interests=["chess"], languages=[], gender_preference=[], tasks_wanted=[], tasks_offered=[],
                        created_at=now, updated_at=now)

            upgrade()
            with db.engine.begin() as connection:
                assert _account_rows(connection) == {householder_id: ("householder", "householder@example.org"),
                                                     coordinator_id: ("coordinator", "coordinator@example.org")}
                assert _profile_ids(connection) == {householder_id}
                origins = dict(connection.execute(sa.text("SELECT id, origin FROM account").columns(
                    sa.column("id", sa.Uuid()), sa.column("origin"))).all())
                assert origins == {householder_id: "self-registered", coordinator_id: "staff"}
                name = connection.execute(sa.text("SELECT first_name FROM profile")).scalar_one()
                assert name == "Margaret"
                without_login = uuid.uuid4()
                _insert(connection, "account", id=without_login, email=None, password_hash=None, role="householder",
                        scheme_id=scheme_id, is_active=True, origin="coordinator", created_at=now, updated_at=now)
                _insert(connection, "profile", account_id=without_login, version=1, interests=[], languages=[],
                        gender_preference=[], tasks_wanted=[], tasks_offered=[], created_at=now, updated_at=now)
            if kind == "sqlite":
                with db.engine.connect() as connection:  # the rebuilt table still enforces them
                    assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []

            downgrade(revision="0011")  # people the old schema cannot hold go; no one else
            with db.engine.begin() as connection:
                assert _account_rows(connection) == {householder_id: ("householder", "householder@example.org"),
                                                     coordinator_id: ("coordinator", "coordinator@example.org")}
                assert _profile_ids(connection) == {householder_id}
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("kind", DATABASES)
def test_notice_revision_keeps_every_match_and_what_hangs_off_it(kind, tmp_path_factory):
    """0015 rebuilds ``match`` and ``match_event`` on SQLite: down to 0012 and up again, no row
    cascades away, states stay, and afterwards a match in notice is stored and held live."""
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


@pytest.mark.parametrize("kind", DATABASES)
def test_several_offers_revision_withdraws_the_extra_offers_on_the_way_down(kind, tmp_path_factory):
    """0016 lets a person hold several offers; going back to 0015 (one open match a person)
    keeps the live match, or else the first offer, and withdraws the rest; up again, the
    schema is the models' once more."""
    with empty_database(kind, tmp_path_factory, prefix="hs_offers") as url:
        app = make_app(url, tmp_path_factory.mktemp("instance"))
        make = factories.Factories(app)
        with app.app_context():
            upgrade()
        client = app.test_client()
        live = Desk(client, make, make.scheme())
        live.to_trial()
        first = Desk(client, make, make.scheme())
        first.propose()
        offers = [first.match_id]
        for _ in range(2):  # the same householder, two more sharers
            response = client.post(f"/api/v1/schemes/{first.scheme.id}/matches", headers=first.coordinator.headers,
                                   json={"householder_id": first.householder_person.id,
                                         "sharer_id": make.ready("sharer", first.scheme).id})
            assert response.status_code == 201, response.json
            offers.append(response.json["id"])
        with app.app_context():
            db.session.remove()
            downgrade(revision="0015")
            states = {str(uuid.UUID(str(row[0]))): (row[1], row[2]) for row in db.session.execute(
                sa.select(Match.id, Match.state, Match.end_reason))}
            assert states[live.match_id] == (MatchState.TRIAL, None)
            assert states[offers[0]] == (MatchState.PROPOSED, None)
            assert [states[offer] for offer in offers[1:]] == [(MatchState.WITHDRAWN, "matched elsewhere")] * 2
            assert db.session.scalar(sa.select(sa.func.count()).select_from(MatchEvent).where(
                MatchEvent.action == "withdraw")) == 2
            db.session.remove()
            upgrade()
            with db.engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                assert compare_metadata(context, db.metadata) == []
            db.session.remove()
            db.engine.dispose()


def _versions(connection, *columns: str, rules_as_list: bool = False) -> dict[int, tuple]:
    """Each version's ``columns`` by number; ``house_rules`` as text (0016) or as a list (0017)."""
    types = {"start_on": sa.Date(), "trial_ends_on": sa.Date(), "number": sa.Integer(),
             "house_rules": sa.JSON() if rules_as_list else sa.Text(), "trial_length_days": sa.Integer(),
             "term": sa.String()}
    statement = sa.text(f"SELECT number, {', '.join(columns)} FROM agreement_version").columns(
        *(sa.column(name, types[name]) for name in ("number", *columns)))
    return {row[0]: tuple(row[1:]) for row in connection.execute(statement)}


@pytest.mark.parametrize("kind", DATABASES)
def test_fuller_agreements_revision_turns_each_end_date_into_a_length_and_back(kind, tmp_path_factory):
    """0017: a version's trial end becomes its length (end minus start) and its free text house
    rules one rule with a topic; down again, the end and the text come back."""
    with empty_database(kind, tmp_path_factory, prefix="hs_agreements") as url:
        app = make_app(url, tmp_path_factory.mktemp("instance"))
        make = factories.Factories(app)
        with app.app_context():
            upgrade()
        desk = Desk(app.test_client(), make, make.scheme())
        desk.to_active()  # version 1: 28 days from 4 January, one rule about guests
        with app.app_context():
            db.session.remove()
            downgrade(revision="0016")
            with db.engine.begin() as connection:
                assert _versions(connection, "start_on", "trial_ends_on", "house_rules") == {
                    1: (date(2027, 1, 4), date(2027, 2, 1), "Guests: No guests overnight without asking.")}
                statement = sa.text(
                    "INSERT INTO agreement_version (id, match_id, number, hours_per_week, tasks, "
                    "monthly_contribution_pence, start_on, trial_ends_on, notice_days, trial_notice_days, house_rules, "
                    "created_at) VALUES (:id, :match_id, 2, 12, :tasks, 0, :start_on, :trial_ends_on, 28, 7, "
                    ":house_rules, :created_at)").bindparams(
                    sa.bindparam("id", type_=sa.Uuid()), sa.bindparam("match_id", type_=sa.Uuid()),
                    sa.bindparam("tasks", type_=sa.JSON()), sa.bindparam("start_on", type_=sa.Date()),
                    sa.bindparam("trial_ends_on", type_=sa.Date()),
                    sa.bindparam("created_at", type_=sa.DateTime(timezone=True)))
                connection.execute(statement, {
                    "id": uuid.uuid4(), "match_id": uuid.UUID(desk.match_id), "tasks": ["cooking"],
                    "start_on": date(2027, 3, 1), "trial_ends_on": date(2027, 4, 5),
                    "house_rules": "  Quiet after ten.  ", "created_at": datetime.now(timezone.utc)})

            upgrade()
            with db.engine.begin() as connection:
                assert _versions(connection, "trial_length_days", "house_rules", "term", rules_as_list=True) == {
                    1: (28, [{"topic": "House rules", "rule": "Guests: No guests overnight without asking."}],
                        "open-ended"),
                    2: (35, [{"topic": "House rules", "rule": "Quiet after ten."}], "open-ended")}
            if kind == "sqlite":
                with db.engine.connect() as connection:
                    assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) > 0  # nothing cascaded away
            db.session.remove()

            downgrade(revision="0016")
            with db.engine.begin() as connection:
                assert _versions(connection, "start_on", "trial_ends_on", "house_rules") == {
                    1: (date(2027, 1, 4), date(2027, 2, 1), "Guests: No guests overnight without asking."),
                    2: (date(2027, 3, 1), date(2027, 4, 5), "Quiet after ten.")}
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("kind", DATABASES)
def test_stored_vetting_status_revision_fills_in_every_status_from_the_checks(kind, tmp_path_factory):
    """0027 stores each person's vetting status, as the checks and their scheme's checklist
    give it today, and the day a valid check expiring would make it expired."""
    with empty_database(kind, tmp_path_factory, prefix="hs_standing") as url:
        app = make_app(url, tmp_path_factory.mktemp("instance"))
        make = factories.Factories(app)
        with app.app_context():
            upgrade()
        strict = make.scheme(settings={"householder_background_check": True})
        plain = make.scheme()
        cleared, rejected, expiring = make.ready("sharer", plain), make.ready("sharer", plain), make.ready("sharer", strict)
        householder, none_yet = make.ready("householder", plain), make.householder(strict)
        with app.app_context():
            today = date.today()
            lapses_on = today + timedelta(days=3)
            for person, changes in ((rejected, {"status": CheckStatus.FAILED}), (expiring, {"expires_on": lapses_on})):
                db.session.execute(sa.update(VettingCheck).where(
                    VettingCheck.account_id == uuid.UUID(person.id), VettingCheck.kind == CheckKind.BACKGROUND)
                    .values(**changes))
            db.session.execute(sa.update(Scheme).where(Scheme.id == uuid.UUID(householder.scheme_id))
                               .values(settings={"householder_background_check": True}))
            db.session.commit()
            db.session.remove()
            downgrade(revision="0026")
            upgrade()
            stored = {str(row[0]): (row[1], row[2]) for row in db.session.execute(
                sa.select(VettingStanding.account_id, VettingStanding.status, VettingStanding.lapses_on))}
            db.session.remove()
            db.engine.dispose()
    assert stored == {
        cleared.id: (VettingStatus.CLEARED, today + timedelta(days=3 * 365)),
        rejected.id: (VettingStatus.REJECTED, None),
        expiring.id: (VettingStatus.CLEARED, lapses_on),
        householder.id: (VettingStatus.IN_PROGRESS, None),  # the scheme asks for a background check now
    }
    assert none_yet.id not in stored
