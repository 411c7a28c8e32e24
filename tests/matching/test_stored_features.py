"""The scoring features stored per person (``matching.features``): after every kind of write
of a profile they are what the profile gives; stale ones are never read; and the ranking they
give is exactly the ranking the profile fields themselves give."""

from __future__ import annotations

import hashlib
import importlib.util
import random
import uuid
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from homeshare.accounts.models import Account
from homeshare.common.roles import Role
from homeshare.extensions import db
from homeshare.matching import features, scoring, service
from homeshare.matching.models import ScoringFeatures
from homeshare.places.models import PostcodeDistrict
from homeshare.privacy import service as privacy
from homeshare.profiles import service as profiles
from homeshare.profiles.models import Profile
from homeshare.schemes.models import Scheme

from tests import factories
from tests.conftest import DATABASES, empty_database, make_app
from tests.matching.test_matching import candidates


def stored_and_computed(app, person_id: str) -> tuple[tuple, tuple]:
    with app.app_context():
        profile = db.session.get(Profile, uuid.UUID(person_id))
        row = db.session.get(ScoringFeatures, profile.account_id)
        stored = None if row is None else (row.format, row.profile_version, row.fixed, row.items)
        computed = (features.FORMAT, profile.version,
                    *features.encode({name: getattr(profile, name) for name in features.FIELDS}))
        db.session.remove()
    return stored, computed


def assert_current(app, person_id: str) -> None:
    stored, computed = stored_and_computed(app, person_id)
    assert stored == computed


# Every write that changes a scoring fact -----------------------------------------------------

CHANGES = {
    "householder": [
        {"latitude": 53.9, "longitude": -1.4}, {"smoker": True}, {"has_pets": True}, {"accepts_pets": False},
        {"quiet_home": False}, {"daily_rhythm": "night_owl"}, {"gender": "non_binary"},
        {"gender_preference": ["female", "male"]}, {"interests": ["Board Games", "CHESS"]}, {"languages": ["Welsh"]},
        {"householder": {"tasks_wanted": ["gardening", "overnight_presence"]}},
        {"householder": {"hours_wanted_per_week": 12}}, {"householder": {"nights_at_home_per_week": 3}},
        {"householder": {"room_available_from": "2027-05-01"}}, {"postcode": "LS1 1AA", "latitude": None,
                                                                 "longitude": None},
    ],
    "sharer": [
        {"sharer": {"base_latitude": 53.7, "base_longitude": -1.6}}, {"sharer": {"max_distance_km": 3}},
        {"sharer": {"move_in_on": "2027-02-01"}}, {"sharer": {"stay_months": 7}},
        {"sharer": {"tasks_offered": ["overnight_presence"]}}, {"sharer": {"hours_offered_per_week": 4}},
        {"interests": []}, {"languages": ["English", "Urdu"]}, {"gender_preference": ["female"]}, {"smoker": None},
    ],
}


@pytest.mark.parametrize("role", ["householder", "sharer"])
def test_each_profile_change_stores_the_features_again(app, client, make, scheme, coordinator, role):
    person = make.ready(role, scheme)
    assert_current(app, person.id)
    url = f"/api/v1/people/{person.id}/profile"
    for change in CHANGES[role]:
        before, _ = stored_and_computed(app, person.id)
        etag = client.get(url, headers=coordinator.headers).headers["ETag"]
        response = client.patch(url, headers={**coordinator.headers, "If-Match": etag}, json=change)
        assert response.status_code == 200, (change, response.json)
        assert_current(app, person.id)
        after, _ = stored_and_computed(app, person.id)
        assert after[2:] != before[2:], change  # the change reached the features


def test_a_person_s_own_change_stores_them_too(app, client, make, scheme):
    person = make.ready("sharer", scheme)
    session = make.login(client, person)
    etag = client.get("/api/v1/me/profile", headers=session.headers).headers["ETag"]
    response = client.patch("/api/v1/me/profile", headers={**session.headers, "If-Match": etag},
                            json={"interests": ["Cycling"], "sharer": {"max_distance_km": 4}})
    assert response.status_code == 200, response.json
    assert_current(app, person.id)


def test_a_new_account_a_person_added_and_an_erasure_store_them(app, make, scheme):
    fresh = make.householder(scheme)  # an empty profile, made with the account
    assert_current(app, fresh.id)
    with app.app_context():
        actor = db.session.get(Account, uuid.UUID(make.coordinator(scheme).id))
        profile, _ = profiles.add_person(actor=actor, scheme=db.session.get(Scheme, uuid.UUID(str(scheme.id))), role=Role.SHARER, details={
            "first_name": "Ada", "interests": ["Chess"], "smoker": False,
            "sharer": {"hours_offered_per_week": 6, "tasks_offered": ["cooking"]}})
        added = str(profile.account_id)
        db.session.remove()
    assert_current(app, added)
    person = make.ready("sharer", scheme)
    with app.app_context():
        account = db.session.get(Account, uuid.UUID(person.id))
        privacy.erase(actor=account, account=account)
        db.session.commit()
        db.session.remove()
    stored, _ = stored_and_computed(app, person.id)
    assert_current(app, person.id)
    assert stored[2] == features.encode({})[0]  # nothing known of them any more


def test_locating_again_from_postcodes_stores_them(app, make, scheme):
    person = make.ready("householder", scheme, location_source="postcode", latitude=None, longitude=None,
                        postcode="ZZ9 1AA")
    with app.app_context():
        db.session.merge(PostcodeDistrict(district="ZZ9", latitude=53.9, longitude=-1.5))  # a districts load
        db.session.commit()
        profiles.relocate_from_postcodes()
        located = db.session.get(Profile, uuid.UUID(person.id)).latitude
        db.session.remove()
    assert located is not None
    assert_current(app, person.id)


# Stale features are never read ---------------------------------------------------------------


def reference_ranking(app, person_id: str) -> list[tuple[str, int]]:
    """The ranking worked out the old way: from the profile fields themselves (interests and
    languages lower-cased), for everyone available, by ``scoring.evaluate`` on columns."""
    with app.app_context():
        account = db.session.get(Account, uuid.UUID(person_id))
        other = Role.SHARER if account.role is Role.HOUSEHOLDER else Role.HOUSEHOLDER
        ids = [account.id] + [uuid.UUID(str(i)) for i in
                              service.available_people(account.scheme, other, excluding=account.id).ids]
        rows = {p.account_id: p for p in db.session.scalars(sa.select(Profile).where(Profile.account_id.in_(ids)))}

        def population(people):
            columns = {name: [getattr(rows[i], name) for i in people] for name in features.FIELDS}
            for name in features.CASELESS:
                columns[name] = [[item.lower() for item in items or ()] for items in columns[name]]
            return scoring.Population([i.hex for i in people], columns)

        me, everyone = population(ids[:1]), population(sorted(ids[1:]))
        weights = account.scheme.effective_settings["matching_weights"]
        householder = account.role is Role.HOUSEHOLDER
        pairs = scoring.evaluate(me, everyone, weights) if householder else scoring.evaluate(everyone, me, weights)
        feasible = pairs.feasible[0] if householder else pairs.feasible[:, 0]
        score = pairs.score[0] if householder else pairs.score[:, 0]
        kept = np.flatnonzero(feasible)
        db.session.remove()
    return [(str(everyone.person_id(i)), int(score[i])) for i in kept[np.argsort(-score[kept], kind="stable")]]


def ranking(client, coordinator, person) -> list[tuple[str, int]]:
    other = "sharer" if person.role == "householder" else "householder"
    return [(item[other]["person_id"], item["score"])
            for item in candidates(client, coordinator, person, per_page=100)["items"]]


@pytest.mark.parametrize("role", ["householder", "sharer"])
def test_the_ranking_from_stored_features_is_the_ranking_from_the_profiles(app, client, make, scheme, coordinator,
                                                                            role):
    rng = random.Random(22)
    other = "sharer" if role == "householder" else "householder"
    today = date.today()

    def varied() -> dict:
        return {
            "smoker": rng.choice([True, False, None]), "has_pets": rng.choice([True, False, None]),
            "accepts_pets": rng.choice([True, False, None]), "quiet_home": rng.choice([True, False, None]),
            "latitude": rng.choice([53.7, 53.8, 53.82, 54.1, None]), "longitude": rng.choice([-1.55, -1.6]),
            "base_latitude": rng.choice([53.72, 53.8, 53.85, None]), "base_longitude": -1.56,
            "max_distance_km": rng.choice([2, 5, 10, 30, None]),
            "interests": rng.sample(["Chess", "chess", "Gardening", "Ĳssel walks", "BAKING", "music"], rng.randint(0, 4)),
            "languages": rng.sample(["English", "english", "Polish", "Urdu", "Welsh"], rng.randint(0, 3)),
            "gender": rng.choice(["female", "male", "non_binary", None]),
            "gender_preference": rng.choice([[], [], ["female"], ["male", "non_binary"]]),
            "daily_rhythm": rng.choice(["early_riser", "night_owl", "flexible", None]),
            "tasks_wanted": rng.sample(["companionship", "cooking", "gardening", "overnight_presence"], rng.randint(0, 3)),
            "tasks_offered": rng.sample(["companionship", "cooking", "gardening", "overnight_presence", "shopping"],
                                        rng.randint(0, 4)),
            "hours_wanted_per_week": rng.choice([4, 8, 12, None]), "hours_offered_per_week": rng.choice([4, 8, 12, None]),
            "nights_at_home_per_week": rng.choice([0, 3, 7, None]), "stay_months": rng.choice([3, 12, None]),
            "room_available_from": rng.choice([today, today + timedelta(days=200), None]),
            "move_in_on": rng.choice([today, today + timedelta(days=30), None]),
        }

    for _ in range(25):
        make.ready(other, scheme, **varied())
    people = [make.ready(role, scheme, **varied()) for _ in range(5)]
    for person in people:
        expected = reference_ranking(app, person.id)
        assert ranking(client, coordinator, person) == expected
    # Stale: another format, or a profile changed behind the ORM. Computed afresh, the same ranking.
    with app.app_context():
        ids = db.session.scalars(sa.select(ScoringFeatures.account_id)).all()
        half = ids[::2]
        db.session.execute(sa.update(ScoringFeatures).where(ScoringFeatures.account_id.in_(half))
                           .values(format=features.FORMAT - 1, fixed=b"stale"))
        # An UPDATE past the profiles' objects, which does not set their version itself.
        db.session.execute(sa.update(Profile).where(Profile.account_id.in_(ids[1::2]))
                           .values(interests=["music"], smoker=None))
        db.session.commit()
        db.session.remove()
    for person in people:
        assert ranking(client, coordinator, person) == reference_ranking(app, person.id)


def test_stale_features_cost_one_statement_more_and_no_more(app, client, make, scheme, coordinator, count_queries):
    householder = make.ready("householder", scheme)
    sharers = [make.ready("sharer", scheme) for _ in range(3)]
    with count_queries() as fresh:
        expected = ranking(client, coordinator, householder)
    with app.app_context():
        db.session.execute(sa.delete(ScoringFeatures).where(ScoringFeatures.account_id.in_(
            [uuid.UUID(person.id) for person in (householder, *sharers)])))
        db.session.commit()
        db.session.remove()
    with count_queries() as stale:
        assert ranking(client, coordinator, householder) == expected
    assert len(stale) == len(fresh) + 2  # the person ranked, and the candidates: each one more


# The format ------------------------------------------------------------------------------------

SAMPLES = [
    {},
    {"latitude": 53.82, "longitude": -1.577, "room_available_from": date(2027, 1, 4), "smoker": False,
     "has_pets": True, "accepts_pets": None, "quiet_home": True, "daily_rhythm": "flexible", "gender": "female",
     "gender_preference": ["male", "other"], "interests": ["Chess", "Board games"], "languages": ["English"],
     "tasks_wanted": ["cooking", "overnight_presence"], "hours_wanted_per_week": 8, "nights_at_home_per_week": 2},
    {"base_latitude": 53.8, "base_longitude": -1.55, "max_distance_km": 7.5, "move_in_on": date(2027, 3, 1),
     "stay_months": 12, "tasks_offered": ["overnight_presence", "unknown"], "hours_offered_per_week": 10,
     "interests": ["ÉCHECS"], "languages": [], "gender": "not-a-gender", "daily_rhythm": "night_owl"},
]
# The digest of the samples' encoding at each format. A change of what is stored, or how, that
# keeps FORMAT fails here: raise FORMAT (and store the features again in a migration), then
# record the new digest.
DIGESTS = {1: "3ad4a69143bcfdec64102c03df900766d5f34288765d64ca7608c9b1c4495915"}


def digest() -> str:
    encoded = [part for sample in SAMPLES for part in features.encode(sample)]
    return hashlib.sha256(b"|".join(encoded)).hexdigest()


def test_the_encoding_is_the_one_its_format_number_names():
    assert digest() == DIGESTS[features.FORMAT]


def test_decoding_gives_back_each_person_s_facts():
    decoded = features.Features.of(SAMPLES)
    assert np.isnan(decoded.floats("latitude")[0]) and decoded.floats("latitude")[1] == 53.82
    assert decoded.floats("room_available_from")[1] == date(2027, 1, 4).toordinal()
    assert decoded.floats("max_distance_km")[2] == 7.5
    assert decoded.floats("overnight").tolist() == [0.0, 0.0, 1.0]
    assert decoded.bits("gender_preference")[1].tolist() == [0, 1, 0, 1, 0]
    assert decoded.bits("gender").tolist()[2] == [0, 0, 0, 0, 0]
    rows, codes = decoded.lists["interests"]
    assert rows.tolist() == [1, 1, 2]
    assert codes.tolist() == [features.code("chess"), features.code("board games"), features.code("échecs")]
    rows, codes = decoded.lists["tasks_offered"]
    assert rows.tolist() == [2, 2] and codes[0] == features.OVERNIGHT


@pytest.mark.parametrize("kind", DATABASES)
def test_the_revision_stores_everyone_s_features(kind, tmp_path_factory):
    """0029 stores the features of every profile there is, as the service would."""
    with empty_database(kind, tmp_path_factory, prefix="hs_features") as url:
        app = make_app(url, tmp_path_factory.mktemp("instance"))
        make = factories.Factories(app)
        with app.app_context():
            upgrade()
        scheme = make.scheme()
        people = [make.ready("householder", scheme, interests=["Chess"]), make.ready("sharer", scheme),
                  make.householder(scheme)]
        with app.app_context():
            downgrade(revision="0028")
            upgrade()
            db.session.remove()
        for person in people:
            assert_current(app, person.id)
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(ScoringFeatures)) == len(people)
            db.session.remove()
            db.engine.dispose()


def test_the_revision_still_loads_when_a_later_format_reads_other_profile_fields(monkeypatch):
    """Every migration command imports every revision: 0029 must not depend on the fields the
    encoder reads today. Given fields it does not know, it leaves the filling to the format's
    own revision (it returns before reading anything)."""
    monkeypatch.setattr(features, "FIELDS", features.FIELDS + ("occupation",))
    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0029_stored_scoring_features.py"
    spec = importlib.util.spec_from_file_location("revision_0029", path)
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    assert revision._fill(connection=None) is None
