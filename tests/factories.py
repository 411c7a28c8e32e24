"""Test data made through the services, so that it obeys the same rules as the API."""

from __future__ import annotations

import itertools
import uuid
from datetime import date, timedelta
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from homeshare.accounts import passwords
from homeshare.accounts import service as accounts
from homeshare.behalf import service as behalf
from homeshare.behalf.models import How, Relationship, Scope
from homeshare.accounts.models import Account
from homeshare.common.roles import Role
from homeshare.common.clock import local_today, utcnow
from homeshare.profiles.models import Profile
from homeshare.vetting.models import CheckKind, CheckStatus, VettingCheck
from homeshare.vetting.rules import required_checks
from homeshare.vetting.service import store_statuses
from homeshare.extensions import db
from homeshare.schemes import service as schemes

PASSWORD = "correct horse battery"
_sequence = itertools.count(1)


@dataclass
class Person:
    id: str
    email: str | None
    role: str
    scheme_id: str | None
    password: str | None = PASSWORD


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
                password: str = PASSWORD, email_verified: bool = True) -> Person:
        email = email or f"{role}{next(_sequence)}@example.org"
        with self.app.app_context():
            if role == "admin":
                created = accounts.create_admin(email=email, password=password)
            elif role == "coordinator":
                created = accounts.create_coordinator(
                    scheme=schemes.get_scheme(_uuid(scheme.id)), email=email, password=password
                )
            else:
                created = accounts.register(scheme_slug=scheme.slug, email=email, password=password, role=Role(role),
                                            email_verified=email_verified)
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

    def representative(self, scheme: Scheme, of: Person, scopes=tuple(Scope), relationship: str = "family",
                       email: str | None = None, password: str = PASSWORD) -> Person:
        """A representative of ``of`` with a login (as after claiming an invitation), linked by a
        coordinator of the scheme with the person's consent and ``scopes``."""
        email = email or f"representative{next(_sequence)}@example.org"
        with self.app.app_context():
            coordinator = db.session.scalars(sa.select(Account).where(
                Account.scheme_id == _uuid(scheme.id), Account.role == Role.COORDINATOR)).first()
            if coordinator is None:
                db.session.remove()
                self.coordinator(scheme)
                return self.representative(scheme, of, scopes, relationship, email, password)
            link, _created = behalf.link(actor=coordinator, person=db.session.get(Account, _uuid(of.id)), values={
                "representative": {"full_name": f"Relative of {of.email}"}, "relationship": Relationship(relationship),
                "consent_on": date.today(), "consent_how": How.IN_PERSON, "scopes": [Scope(s) for s in scopes]})
            account = db.session.get(Account, link.representative_id)
            account.email, account.password_hash = email, passwords.hash_password(password)
            account.email_verified_at = account.password_changed_at = utcnow()
            db.session.commit()
            person = Person(id=str(account.id), email=email, role="representative", scheme_id=scheme.id,
                            password=password)
            db.session.remove()
        return person

    def without_login(self, role: str, scheme: Scheme, cleared: bool = True, **overrides) -> Person:
        """A householder or sharer a coordinator added (no email, no password), with a full
        profile and, unless told otherwise, cleared vetting."""
        with self.app.app_context():
            account = accounts.add_without_login(scheme=schemes.get_scheme(_uuid(scheme.id)), role=Role(role))
            db.session.commit()
            person = Person(id=str(account.id), email=None, role=role, scheme_id=scheme.id, password=None)
            db.session.remove()
        base = HOUSEHOLDER_PROFILE if role == "householder" else SHARER_PROFILE
        _set_up(self.app, person, _dates({**base, **overrides}, role), cleared)
        return person

    def ready(self, role: str, scheme: Scheme, cleared: bool = True, **overrides) -> Person:
        """A householder or sharer with a full profile and, unless told otherwise, cleared vetting."""
        return ready_person(self, role, scheme, cleared, **overrides)

    def login(self, client, person: Person) -> Session:
        response = client.post("/api/v1/auth/login", json={"email": person.email, "password": person.password})
        assert response.status_code == 200, response.json
        return Session(tokens=response.json, person=person)


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)


HOUSEHOLDER_PROFILE = {
    "first_name": "Margaret", "last_name": "Hill", "preferred_name": "Peggy", "phone": "0113 496 0000",
    "address_line1": "4 Cardigan Road", "town": "Leeds", "postcode": "LS6 1AA",
    "latitude": 53.8200, "longitude": -1.5770, "location_source": "app", "bio": "Retired nurse.",
    "interests": ["gardening", "chess"], "languages": ["English", "Polish"],
    "smoker": False, "has_pets": False, "accepts_pets": True, "gender": "female",
    "daily_rhythm": "early_riser", "quiet_home": True,
    "tasks_wanted": ["companionship", "cooking"], "hours_wanted_per_week": 8, "nights_at_home_per_week": 0,
}
SHARER_PROFILE = {
    "first_name": "Tomasz", "last_name": "Nowak", "preferred_name": "Tom", "phone": "07700 900001",
    "address_line1": "Flat 2, 9 Hyde Park Road", "town": "Leeds", "postcode": "LS6 1AB",
    "latitude": 53.8100, "longitude": -1.5600, "location_source": "app", "bio": "Nursing student.",
    "interests": ["chess", "cycling"], "languages": ["English", "Polish"],
    "smoker": False, "has_pets": False, "accepts_pets": True, "gender": "male",
    "daily_rhythm": "early_riser", "quiet_home": True,
    "tasks_offered": ["companionship", "cooking", "technology_help"], "hours_offered_per_week": 10,
    "stay_months": 12, "max_distance_km": 10, "base_name": "Leeds General Infirmary",
    "base_latitude": 53.8015, "base_longitude": -1.5530, "occupation": "student",
}


def _set_up(app, person: Person, profile: dict, cleared: bool) -> None:
    with app.app_context():
        account = db.session.get(Account, uuid.UUID(person.id))
        row = db.session.get(Profile, account.id)
        for name, value in profile.items():
            setattr(row, name, value)
        if cleared:
            today = local_today(account.scheme.timezone)
            for kind in required_checks(account.role, account.scheme.effective_settings):
                check = VettingCheck(account_id=account.id, kind=kind, status=CheckStatus.PASSED,
                                     recorded_at=utcnow())
                if kind is CheckKind.BACKGROUND:
                    check.certificate_number, check.issued_on = "001122334455", today - timedelta(days=10)
                    check.expires_on = today + timedelta(days=3 * 365)
                db.session.add(check)
            store_statuses(account.scheme, Account.id == account.id)
        db.session.commit()
        db.session.remove()


def _dates(profile: dict, role: str) -> dict:
    today = date.today()
    if role == "householder":
        return {"room_available_from": today, "date_of_birth": date(1944, 5, 1), **profile}
    return {"move_in_on": today + timedelta(days=14), "date_of_birth": date(2001, 9, 9), **profile}


def ready_person(factories: Factories, role: str, scheme: Scheme, cleared: bool, **overrides) -> Person:
    base = HOUSEHOLDER_PROFILE if role == "householder" else SHARER_PROFILE
    person = factories.account(role, scheme)
    _set_up(factories.app, person, _dates({**base, **overrides}, role), cleared)
    return person

