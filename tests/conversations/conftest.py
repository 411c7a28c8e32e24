from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pytest

from tests import factories

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)


@dataclass
class Office:
    """A scheme with two coordinators, a householder and a sharer with the app, the householder's
    daughter (who may raise concerns for her) and son (who may only see her matches), and
    another scheme's coordinator."""

    client: Any
    make: factories.Factories
    clock: Any
    scheme: factories.Scheme
    coordinator: factories.Session
    colleague: factories.Session
    householder: factories.Session
    sharer: factories.Session
    daughter: factories.Session
    son: factories.Session
    outsider: factories.Session

    def ok(self, response, *statuses):
        assert response.status_code in (statuses or (200, 201)), response.get_data(as_text=True)
        return response.json

    def start(self, session, subject="The boiler", body="The boiler is making a noise.", url="/api/v1/me/conversations",
              **values):
        return self.ok(self.client.post(url, headers=session.headers,
                                        json={"subject": subject, "body": body, **values}), 201)

    def write(self, session, conversation_id, body="Thank you.", **values):
        return self.ok(self.client.post(f"/api/v1/conversations/{conversation_id}/messages", headers=session.headers,
                                        json={"body": body, **values}), 201)

    def read(self, session, conversation_id, **query):
        return self.ok(self.client.get(f"/api/v1/conversations/{conversation_id}/messages", headers=session.headers,
                                       query_string=query))

    def unread(self, session):
        return self.ok(self.client.get("/api/v1/me/conversations/unread-count", headers=session.headers))


@pytest.fixture
def office(client, make, clock):
    clock.set(NOW)
    scheme, elsewhere = make.scheme(), make.scheme()
    login = lambda person: make.login(client, person)  # noqa: E731
    householder = make.householder(scheme)
    return Office(
        client=client, make=make, clock=clock, scheme=scheme,
        coordinator=login(make.coordinator(scheme)), colleague=login(make.coordinator(scheme)),
        householder=login(householder), sharer=login(make.sharer(scheme)),
        daughter=login(make.representative(scheme, householder, scopes=("raise-concerns", "receive-notifications"))),
        son=login(make.representative(scheme, householder, scopes=("see-match",))),
        outsider=login(make.coordinator(elsewhere)))
