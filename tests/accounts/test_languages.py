"""Each person's language: theirs to set, a coordinator's to set for a person of their scheme,
their scheme's default for new people; shown in GET /me and their data export."""

from __future__ import annotations

import sqlalchemy as sa

from homeshare.audit.models import AuditEvent
from homeshare.extensions import db
from tests.helpers import assert_problem


def me(client, session):
    response = client.get("/api/v1/me", headers=session.headers)
    assert response.status_code == 200, response.json
    return response.json


def test_a_person_chooses_welsh_and_a_language_not_spoken_is_refused_with_nothing_stored(app, client, make):
    scheme = make.scheme()
    person = make.login(client, make.sharer(scheme))
    assert me(client, person)["language"] == "en"
    for body in ({"language": "fr"}, {"language": None}, {"language": "CY"}, {"language": ""}, {"colour": "red"}):
        assert_problem(client.patch("/api/v1/me", headers=person.headers, json=body), 422)
    assert me(client, person)["language"] == "en"
    for _ in range(2):  # the same again records nothing more
        response = client.patch("/api/v1/me", headers=person.headers, json={"language": "cy"})
        assert response.status_code == 200 and response.json["language"] == "cy", response.json
    assert me(client, person)["language"] == "cy"
    export = client.get("/api/v1/me/export", headers=person.headers)
    assert export.status_code == 200, export.json
    assert export.json["account"]["language"] == "cy"
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "account.changed")).all()
        assert [(e.before, e.after) for e in events] == [({"language": "en"}, {"language": "cy"})]
        db.session.remove()


def test_a_coordinator_sets_the_language_of_a_person_of_their_scheme_only(client, make):
    scheme, elsewhere = make.scheme(), make.scheme()
    coordinator = make.login(client, make.coordinator(scheme))
    person, stranger = make.without_login("householder", scheme), make.householder(elsewhere)
    response = client.patch(f"/api/v1/accounts/{person.id}", headers=coordinator.headers, json={"language": "cy"})
    assert response.status_code == 200 and response.json["language"] == "cy", response.json
    assert_problem(client.patch(f"/api/v1/accounts/{stranger.id}", headers=coordinator.headers,
                                json={"language": "cy"}), 404)
    sharer = make.login(client, make.sharer(scheme))
    assert_problem(client.patch(f"/api/v1/accounts/{person.id}", headers=sharer.headers, json={"language": "en"}), 403)
    seen = client.get(f"/api/v1/schemes/{scheme.id}/accounts", headers=coordinator.headers,
                      query_string={"role": "householder"}).json["items"]
    assert [item["language"] for item in seen if item["id"] == person.id] == ["cy"]


def test_new_people_of_a_scheme_take_its_default_language(client, make):
    scheme = make.scheme()
    coordinator = make.login(client, make.coordinator(scheme))
    before = make.login(client, make.sharer(scheme))
    response = client.patch(f"/api/v1/schemes/{scheme.id}", headers=coordinator.headers,
                            json={"settings": {"default_language": "cy"}})
    assert response.status_code == 200 and response.json["settings"]["default_language"] == "cy", response.json
    assert_problem(client.patch(f"/api/v1/schemes/{scheme.id}", headers=coordinator.headers,
                                json={"settings": {"default_language": "de"}}), 422)
    after = make.login(client, make.sharer(scheme))
    assert (me(client, before)["language"], me(client, after)["language"]) == ("en", "cy")
    # Still each person's own choice.
    client.patch("/api/v1/me", headers=after.headers, json={"language": "en"})
    assert me(client, after)["language"] == "en"
