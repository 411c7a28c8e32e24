"""Profiles through HTTP: the person's own edits, coordinators' corrections, the rules."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from homeshare.audit.models import AuditEvent
from homeshare.extensions import db
from homeshare.places.service import SHIPPED_DISTRICTS
from homeshare.profiles.vocabulary import PERSONAL_CARE
from tests.helpers import assert_problem

COMPLETE_COMMON = {
    "first_name": "Ada", "last_name": "Lovelace", "preferred_name": "Ada", "phone": "+44 7700 900123",
    "address_line1": "1 High Street", "town": "Leeds", "postcode": "ls6 1aa",
    "latitude": 53.82, "longitude": -1.57, "bio": "Retired teacher who loves the garden.",
    "interests": ["gardening", "chess"], "languages": ["English", "Polish"],
    "smoker": False, "has_pets": True, "accepts_pets": True, "gender": "female",
}
COMPLETE_HOUSEHOLDER = {
    "room_furnished": True, "room_own_bathroom": False, "room_step_free": True,
    "room_available_from": "2027-01-01", "tasks_wanted": ["companionship", "gardening"],
    "hours_wanted_per_week": 10, "nights_at_home_per_week": 5, "things_to_know": "A cat called Tom.",
}
COMPLETE_SHARER = {
    "tasks_offered": ["cooking", "technology_help"], "hours_offered_per_week": 10, "move_in_on": "2027-01-15",
    "stay_months": 12, "max_distance_km": 8, "base_name": "University of Leeds",
    "base_latitude": 53.807, "base_longitude": -1.553, "occupation": "student",
}


def read(client, session, url="/api/v1/me/profile"):
    response = client.get(url, headers=session.headers)
    assert response.status_code == 200, response.json
    return response


def patch(client, session, body, etag, url="/api/v1/me/profile"):
    headers = dict(session.headers)
    if etag is not None:
        headers["If-Match"] = etag
    return client.patch(url, headers=headers, json=body)


def edit(client, session, body, url="/api/v1/me/profile"):
    """Read, then change with the ETag read: the app's normal flow."""
    response = patch(client, session, body, read(client, session, url).headers["ETag"], url)
    assert response.status_code == 200, response.json
    return response


@pytest.fixture
def scheme(make):
    return make.scheme(settings={"min_sharer_age": 21, "max_sharer_age": 60, "min_householder_age": 55})


def test_registration_gives_an_empty_profile_that_says_what_is_missing(client, make, scheme):
    session = make.login(client, make.householder(scheme))
    response = read(client, session)
    assert response.headers["ETag"] == '"1"'
    profile = response.json
    assert profile["role"] == "householder"
    assert profile["sharer"] is None and profile["householder"]["tasks_wanted"] == []
    completeness = profile["completeness"]
    assert completeness["ready_for_vetting"] is False
    assert {"first_name", "date_of_birth", "postcode"} <= set(completeness["missing_for_vetting"])
    assert {"location", "tasks_wanted", "hours_wanted_per_week"} <= set(completeness["missing_for_matching"])


@pytest.mark.parametrize("role, block, details", [
    ("householder", "householder", COMPLETE_HOUSEHOLDER), ("sharer", "sharer", COMPLETE_SHARER),
])
def test_a_complete_profile_is_ready_for_vetting_and_matching(client, make, scheme, role, block, details):
    session = make.login(client, make.account(role, scheme))
    birth = "1950-03-04" if role == "householder" else "2000-03-04"
    response = edit(client, session, {**COMPLETE_COMMON, "date_of_birth": birth, block: details})
    assert response.headers["ETag"] == '"2"'
    profile = response.json
    assert profile["completeness"] == {
        "ready_for_vetting": True, "missing_for_vetting": [], "ready_for_matching": True, "missing_for_matching": [],
    }
    assert profile["postcode"] == "LS6 1AA"
    assert profile["location_source"] == "app"
    assert profile[block] == {**details, **{k: v for k, v in profile[block].items() if k not in details}}
    assert read(client, session).json == profile


def test_if_match_is_required_and_stale_versions_are_refused(client, make, scheme):
    person = make.sharer(scheme)
    app_session = make.login(client, person)
    coordinator = make.login(client, make.coordinator(scheme))
    person_url = f"/api/v1/people/{person.id}/profile"

    assert_problem(patch(client, app_session, {"first_name": "Bo"}, None), 428, "precondition-required")
    app_etag = read(client, app_session).headers["ETag"]
    coordinator_etag = read(client, coordinator, person_url).headers["ETag"]
    assert app_etag == coordinator_etag

    assert patch(client, app_session, {"first_name": "Bo"}, app_etag).status_code == 200
    stale = patch(client, coordinator, {"first_name": "Robert", "last_name": "Smith"}, coordinator_etag, person_url)
    assert_problem(stale, 412, "stale-version")
    assert_problem(patch(client, app_session, {"bio": "again"}, '"not-a-version"'), 412)
    profile = read(client, app_session).json
    assert (profile["first_name"], profile["last_name"], profile["bio"]) == ("Bo", None, None)

    fresh = read(client, coordinator, person_url).headers["ETag"]
    assert patch(client, coordinator, {"last_name": "Smith"}, fresh, person_url).status_code == 200
    assert read(client, app_session).json["first_name"] == "Bo"


@pytest.mark.parametrize("care", sorted(PERSONAL_CARE)[:4] + ["medication", "washing"])
def test_personal_care_is_refused_with_the_reason(client, make, scheme, care):
    householder = make.login(client, make.householder(scheme))
    response = patch(client, householder, {"householder": {"tasks_wanted": ["cooking", care]}},
                     read(client, householder).headers["ETag"])
    problem = assert_problem(response, 422, "validation-error")
    message = " ".join(problem["errors"]["householder"]["tasks_wanted"])
    assert "personal care" in message and "regulated care" in message
    sharer = make.login(client, make.sharer(scheme))
    response = patch(client, sharer, {"sharer": {"tasks_offered": [care]}}, read(client, sharer).headers["ETag"])
    assert "personal care" in " ".join(assert_problem(response, 422)["errors"]["sharer"]["tasks_offered"])
    assert read(client, householder).json["householder"]["tasks_wanted"] == []
    assert read(client, householder).headers["ETag"] == '"1"'


def test_task_vocabulary_is_published_without_personal_care(client):
    response = client.get("/api/v1/tasks")
    assert response.status_code == 200
    codes = {task["code"] for task in response.json}
    assert {"companionship", "cooking", "shopping", "gardening", "technology_help", "overnight_presence"} <= codes
    assert not codes & PERSONAL_CARE
    assert all(task["label"] and task["description"] for task in response.json)


@pytest.mark.parametrize("body, field", [
    ({"householder": {"tasks_wanted": ["juggling"]}}, "householder"),
    ({"sharer": {"tasks_offered": ["cooking"]}}, "sharer"),
    ({"latitude": 51.5}, "latitude"),
    ({"latitude": 95, "longitude": 0}, "latitude"),
    ({"postcode": "NOT A POSTCODE"}, "postcode"),
    ({"phone": "call me maybe"}, "phone"),
    ({"gender": "dragon"}, "gender"),
    ({"daily_rhythm": "sometimes"}, "daily_rhythm"),
    ({"interests": ["x" * 41]}, "interests"),
    ({"photo_url": "http://insecure.example.org/a.jpg"}, "photo_url"),
    ({"photo_url": ""}, "photo_url"),
    ({"postcode": "LS6\t1AA"}, "postcode"),
    ({"first_name": "   "}, "first_name"),
    ({"first_name": "Ann" + " " * 100}, "first_name"),  # the bounds hold for the text as sent
    ({"interests": ["\u3000"]}, "interests"),
    ({"householder": {"hours_wanted_per_week": 0}}, "householder"),
    ({"householder": {"nights_at_home_per_week": 8}}, "householder"),
    ({"date_of_birth": "1950-02-30"}, "date_of_birth"),
    ({"first_name": ""}, "first_name"),
    ({"email": "new@example.org"}, "email"),
])
def test_bad_profile_changes_are_refused_and_change_nothing(client, make, scheme, body, field):
    session = make.login(client, make.householder(scheme))
    before = read(client, session)
    problem = assert_problem(patch(client, session, body, before.headers["ETag"]), 422, "validation-error")
    assert field in problem["errors"]
    after = read(client, session)
    assert after.json == before.json and after.headers["ETag"] == before.headers["ETag"]


def test_minimum_and_maximum_ages_follow_the_scheme(client, make, scheme, clock):
    clock.set(clock.now.replace(year=2026, month=6, day=15, hour=12))
    sharer = make.login(client, make.sharer(scheme))
    householder = make.login(client, make.householder(scheme))

    def set_birth(session, value):
        return patch(client, session, {"date_of_birth": value}, read(client, session).headers["ETag"])

    too_young = assert_problem(set_birth(sharer, "2005-06-16"), 422)  # 20 the day before a birthday
    assert too_young["errors"]["date_of_birth"] == ["Sharers in this scheme must be at least 21 years old."]
    assert set_birth(sharer, "2005-06-15").status_code == 200  # 21 today
    assert "at most 60" in assert_problem(set_birth(sharer, "1960-01-01"), 422)["errors"]["date_of_birth"][0]
    assert "at least 55" in assert_problem(set_birth(householder, "1990-01-01"), 422)["errors"]["date_of_birth"][0]
    assert set_birth(householder, "1941-11-02").status_code == 200
    assert_problem(set_birth(householder, "2027-01-01"), 422)


def test_location_comes_from_the_postcode_district_unless_the_app_sends_one(app, client, make, scheme, tmp_path):
    districts = tmp_path / "districts.csv"
    districts.write_text("district,latitude,longitude\nLS6,53.8196,-1.5769\nM14,53.4452,-2.2197\n")
    session = make.login(client, make.sharer(scheme))
    before_load = edit(client, session, {"postcode": "LS6 2AB"}).json
    assert before_load["latitude"] is None and before_load["location_source"] is None

    result = app.test_cli_runner().invoke(args=["homeshare", "load-districts", str(districts)])
    assert result.exit_code == 0, result.output
    assert "Loaded 2 postcode districts" in result.output
    located = read(client, session).json
    assert (located["latitude"], located["longitude"], located["location_source"]) == (53.8196, -1.5769, "postcode")

    moved = edit(client, session, {"postcode": "m14 5tp"}).json
    assert (moved["postcode"], moved["latitude"], moved["location_source"]) == ("M14 5TP", 53.4452, "postcode")
    from_app = edit(client, session, {"latitude": 53.45, "longitude": -2.22}).json
    assert (from_app["latitude"], from_app["location_source"]) == (53.45, "app")
    kept = edit(client, session, {"postcode": "LS6 1AA"}).json
    assert (kept["latitude"], kept["location_source"]) == (53.45, "app")
    cleared = edit(client, session, {"latitude": None, "longitude": None}).json
    assert (cleared["latitude"], cleared["location_source"]) == (53.8196, "postcode")
    unknown = edit(client, session, {"postcode": "ZE2 9AA"}).json
    assert (unknown["latitude"], unknown["location_source"]) == (None, None)


def test_a_bad_districts_file_changes_nothing(app, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("district,latitude,longitude\nLS6,53.8,-1.5\n")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["homeshare", "load-districts", str(good)]).exit_code == 0
    for name, text in [("columns.csv", "code,lat,lon\nLS6,1,2\n"),
                       ("numbers.csv", "district,latitude,longitude\nLS7,north,-1.5\n"),
                       ("range.csv", "district,latitude,longitude\nLS7,91,-1.5\n")]:
        bad = tmp_path / name
        bad.write_text(text)
        result = runner.invoke(args=["homeshare", "load-districts", str(bad)])
        assert result.exit_code != 0
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT district FROM postcode_district")).scalars().all()
    assert rows == ["LS6"]


def test_the_shipped_districts_file_loads_and_places_people(app, client, make, scheme):
    assert SHIPPED_DISTRICTS.is_file()
    session = make.login(client, make.householder(scheme))
    edit(client, session, {"postcode": "SW1A 1AA"})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["homeshare", "load-districts"])
    assert result.exit_code == 0, result.output
    assert "from the shipped file" in result.output and "located 1 people" in result.output
    with app.app_context():
        count = db.session.scalar(sa.text("SELECT count(*) FROM postcode_district"))
    assert count > 2900
    located = read(client, session).json
    assert 51.4 < located["latitude"] < 51.6 and -0.2 < located["longitude"] < -0.1
    assert located["location_source"] == "postcode"
    again = runner.invoke(args=["homeshare", "load-districts", str(SHIPPED_DISTRICTS)])
    assert again.exit_code == 0 and f"Loaded {count} postcode districts" in again.output


def test_profiles_are_private_to_the_person_and_their_coordinators(client, make, scheme):
    other_scheme = make.scheme()
    person = make.sharer(scheme)
    url = f"/api/v1/people/{person.id}/profile"
    householder = make.login(client, make.householder(scheme))
    assert_problem(client.get(url, headers=householder.headers), 403)
    assert_problem(client.patch(url, headers={**householder.headers, "If-Match": '"1"'}, json={"bio": "x"}), 403)
    outsider = make.login(client, make.coordinator(other_scheme))
    assert_problem(client.get(url, headers=outsider.headers), 404)
    assert_problem(client.patch(url, headers={**outsider.headers, "If-Match": '"1"'}, json={"bio": "x"}), 404)
    admin = make.login(client, make.admin())
    assert_problem(client.get(url, headers=admin.headers), 403)
    coordinator_account = make.coordinator(scheme)
    coordinator = make.login(client, coordinator_account)
    assert_problem(client.get(f"/api/v1/people/{coordinator_account.id}/profile", headers=coordinator.headers), 404)
    assert_problem(client.get("/api/v1/me/profile", headers=coordinator.headers), 403)
    assert read(client, coordinator, url).json["person_id"] == person.id
    assert read(client, make.login(client, person)).json["bio"] is None


def test_coordinator_corrections_are_audited(app, client, make, scheme):
    person = make.householder(scheme)
    coordinator_account = make.coordinator(scheme)
    coordinator = make.login(client, coordinator_account)
    url = f"/api/v1/people/{person.id}/profile"
    edit(client, make.login(client, person), {"first_name": "Mary"})
    edit(client, coordinator, {"first_name": "Marie", "town": "York"}, url)
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent)).all()
    assert len(events) == 1  # the person's own edit is not a coordinator write
    event = events[0]
    assert (event.action, event.target_id, str(event.actor_id)) == ("profile.corrected", person.id, coordinator_account.id)
    # The trail says what changed and who changed it; the values, personal data, stay out of it.
    assert event.before == {"first_name": "[personal data]", "town": None}
    assert event.after == {"first_name": "[personal data]", "town": "[personal data]"}
    assert event.request_id


def test_people_list_filters_by_role_status_and_completeness(client, make, scheme, count_queries):
    coordinator = make.login(client, make.coordinator(scheme))
    ready = make.login(client, make.householder(scheme))
    edit(client, ready, {**COMPLETE_COMMON, "last_name": "Able", "date_of_birth": "1940-01-01",
                         "householder": COMPLETE_HOUSEHOLDER})
    partial = make.login(client, make.sharer(scheme))
    edit(client, partial, {key: COMPLETE_COMMON[key] for key in ("first_name", "last_name")} | {"last_name": "Baker"})
    for _ in range(3):
        make.sharer(scheme)
    make.householder(make.scheme())
    url = f"/api/v1/schemes/{scheme.id}/people"

    everyone = client.get(url, headers=coordinator.headers).json
    assert everyone["pagination"]["total"] == 5
    assert [item["last_name"] for item in everyone["items"][:2]] == ["Able", "Baker"]
    assert {item["vetting_status"] for item in everyone["items"]} == {"not_started"}

    matching = client.get(f"{url}?ready_for_matching=true", headers=coordinator.headers).json["items"]
    assert [item["person_id"] for item in matching] == [ready.person.id]
    assert matching[0]["ready_for_vetting"] is True
    not_ready = client.get(f"{url}?ready_for_matching=false&role=sharer", headers=coordinator.headers).json
    assert not_ready["pagination"]["total"] == 4
    vetting_ready = client.get(f"{url}?ready_for_vetting=true", headers=coordinator.headers).json
    assert vetting_ready["pagination"]["total"] == 1

    counts = []
    for per_page in (1, 100):
        with count_queries() as statements:
            assert client.get(f"{url}?per_page={per_page}", headers=coordinator.headers).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] == 2  # the account; the page with its total
    assert_problem(client.get(f"{url}?vetting_status=approved", headers=coordinator.headers), 422)
    assert_problem(client.get(f"{url}?role=coordinator", headers=coordinator.headers), 422)
    outsider = make.login(client, make.coordinator(make.scheme()))
    assert_problem(client.get(url, headers=outsider.headers), 404)
    member = make.login(client, make.sharer(scheme))
    assert_problem(client.get(url, headers=member.headers), 403)


def test_date_of_birth_never_reaches_the_logs(client, make, scheme, caplog):
    session = make.login(client, make.householder(scheme))
    edit(client, session, {"date_of_birth": "1944-07-21", "address_line1": "17 Secret Lane"})
    assert_problem(patch(client, session, {"date_of_birth": "2020-01-01"}, '"2"'), 422)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "1944-07-21" not in text and "Secret Lane" not in text and "2020-01-01" not in text
    assert date(1944, 7, 21).isoformat() == read(client, session).json["date_of_birth"]
