"""Test data made through the services, so that it obeys the same rules as the API."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

from homeshare.accounts import service as accounts
from homeshare.accounts.models import Role
from homeshare.extensions import db
from homeshare.schemes import service as schemes

PASSWORD = "correct horse battery"
_sequence = itertools.count(1)


@dataclass
class Person:
    id: str
    email: str
    role: str
    scheme_id: str | None
    password: str = PASSWORD


@dataclass
class Scheme:
    id: str
    slug: str


@dataclass
class Session:
    """A signed-in client: its tokens and the headers that send them."""

    tokens: dict[str, Any]
    person: Person
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens['access_token']}"}

    @property
    def refresh_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens['refresh_token']}"}


class Factories:
    def __init__(self, app):
        self.app = app

    def scheme(self, slug: str | None = None, name: str | None = None, **kwargs) -> Scheme:
        number = next(_sequence)
        with self.app.app_context():
            scheme = schemes.create_scheme(
                slug=slug or f"scheme-{number}", name=name or f"Scheme {number}", **kwargs
            )
            result = Scheme(id=str(scheme.id), slug=scheme.slug)
            db.session.remove()
        return result

    def account(self, role: str, scheme: Scheme | None = None, email: str | None = None,
                password: str = PASSWORD) -> Person:
        email = email or f"{role}{next(_sequence)}@example.org"
        with self.app.app_context():
            if role == "admin":
                created = accounts.create_admin(email=email, password=password)
            elif role == "coordinator":
                created = accounts.create_coordinator(
                    scheme=schemes.get_scheme(_uuid(scheme.id)), email=email, password=password
                )
            else:
                created = accounts.register(scheme_slug=scheme.slug, email=email, password=password, role=Role(role))
            account = created.account
            person = Person(
                id=str(account.id), email=account.email, role=account.role.value,
                scheme_id=str(account.scheme_id) if account.scheme_id else None, password=password,
            )
            db.session.remove()
        return person

    def householder(self, scheme: Scheme, **kwargs) -> Person:
        return self.account("householder", scheme, **kwargs)

    def sharer(self, scheme: Scheme, **kwargs) -> Person:
        return self.account("sharer", scheme, **kwargs)

    def coordinator(self, scheme: Scheme, **kwargs) -> Person:
        return self.account("coordinator", scheme, **kwargs)

    def admin(self, **kwargs) -> Person:
        return self.account("admin", None, **kwargs)

    def login(self, client, person: Person) -> Session:
        response = client.post("/api/v1/auth/login", json={"email": person.email, "password": person.password})
        assert response.status_code == 200, response.json
        return Session(tokens=response.json, person=person)


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)
