"""Realistic populations for benchmarks: cleared householders and sharers around a city.

Positions come from the UK postcode-district centres shipped in the package (districts
within ``radius_km`` of the centre), or from a uniform spread around a centre far from any. Rows are written in bulk, with one password hash shared by every account.
"""

from __future__ import annotations

import csv
import math
import random
import uuid
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from homeshare.accounts.models import Account
from homeshare.common.roles import Role
from homeshare.accounts.passwords import hash_password
from homeshare.extensions import db
from homeshare.matching.service import store_features
from homeshare.places.service import SHIPPED_DISTRICTS
from homeshare.profiles.models import Profile
from homeshare.profiles.vocabulary import TASKS
from homeshare.schemes.models import Scheme
from homeshare.vetting.models import CheckKind, CheckStatus, VettingCheck
from homeshare.vetting.rules import required_checks
from homeshare.vetting.service import store_statuses

DISTRICTS_CSV = SHIPPED_DISTRICTS
LEEDS = (53.8008, -1.5491)
INTERESTS = ["gardening", "chess", "cooking", "music", "films", "walking", "reading", "football", "knitting",
             "history", "birdwatching", "crosswords", "baking", "cycling", "art", "theatre", "photography"]
LANGUAGES = ["English", "Polish", "Urdu", "Punjabi", "Arabic", "French", "Spanish", "Romanian", "Bengali"]
TASK_CODES = [task.code for task in TASKS]


def places(centre: tuple[float, float], radius_km: float, rng: random.Random) -> list[tuple[str, float, float]]:
    """(district, latitude, longitude) of the districts near ``centre``."""
    found = []
    with DISTRICTS_CSV.open() as handle:
        for row in csv.DictReader(handle):
            lat, lon = float(row["latitude"]), float(row["longitude"])
            if _km(centre, (lat, lon)) <= radius_km:
                found.append((row["district"], lat, lon))
    if not found:
        for i in range(60):
            lat = centre[0] + rng.uniform(-0.25, 0.25)
            lon = centre[1] + rng.uniform(-0.4, 0.4)
            found.append((f"LS{i + 1}", lat, lon))
    return found


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    dlat, dlon = math.radians(b[0] - a[0]), math.radians(b[1] - a[1])
    h = math.sin(dlat / 2) ** 2 + math.cos(math.radians(a[0])) * math.cos(math.radians(b[0])) * math.sin(dlon / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def _jitter(rng: random.Random, lat: float, lon: float) -> tuple[float, float]:
    return lat + rng.uniform(-0.01, 0.01), lon + rng.uniform(-0.015, 0.015)


def seed_people(scheme: Scheme, *, householders: int, sharers: int, seed: int = 7) -> dict[str, list[uuid.UUID]]:
    """Cleared, complete householders and sharers of ``scheme``; returns their ids by role."""
    rng = random.Random(seed)
    spots = places(LEEDS, 30, rng)
    password = hash_password("benchmark password")
    today = date.today()
    now = datetime.now(timezone.utc)
    settings = scheme.effective_settings
    accounts, profiles, checks = [], [], []
    ids: dict[str, list[uuid.UUID]] = {"householder": [], "sharer": []}
    for role, count in ((Role.HOUSEHOLDER, householders), (Role.SHARER, sharers)):
        for n in range(count):
            account_id = uuid.uuid4()
            ids[role.value].append(account_id)
            accounts.append({"id": account_id, "email": f"{role.value}{n}-{account_id.hex[:8]}@bench.example.org",
                             "password_hash": password, "role": role, "scheme_id": scheme.id, "is_active": True,
                             "email_verified_at": now,
                             "created_at": now, "updated_at": now})
            district, lat, lon = rng.choice(spots)
            lat, lon = _jitter(rng, lat, lon)
            profile = {
                "account_id": account_id, "version": 1, "created_at": now, "updated_at": now,
                "first_name": f"{role.value.title()}{n}", "last_name": "Bench", "preferred_name": None,
                "phone": "0113 496 0000", "address_line1": f"{n} Bench Street", "town": "Leeds",
                "postcode": f"{district} 1AA"[:8], "latitude": lat, "longitude": lon, "location_source": "app",
                "interests": rng.sample(INTERESTS, rng.randint(1, 5)),
                "languages": ["English"] + rng.sample(LANGUAGES[1:], rng.randint(0, 1)),
                "smoker": rng.random() < 0.08, "has_pets": rng.random() < 0.3,
                "accepts_pets": rng.choice([True, True, False, None]),
                "daily_rhythm": rng.choice(["early_riser", "night_owl", "flexible"]),
                "quiet_home": rng.choice([True, False, None]), "gender": rng.choice(["female", "male"]),
                "gender_preference": rng.choice([[], [], [], ["female"]]),
                "tasks_wanted": [], "tasks_offered": [],
            }
            if role is Role.HOUSEHOLDER:
                profile.update({
                    "date_of_birth": date(rng.randint(1930, 1960), rng.randint(1, 12), rng.randint(1, 28)),
                    "room_available_from": today + timedelta(days=rng.randint(-30, 90)),
                    "tasks_wanted": rng.sample(TASK_CODES, rng.randint(2, 5)),
                    "hours_wanted_per_week": rng.randint(6, 15), "nights_at_home_per_week": rng.randint(0, 7),
                })
            else:
                _, base_lat, base_lon = rng.choice(spots)
                profile.update({
                    "date_of_birth": date(rng.randint(1975, 2005), rng.randint(1, 12), rng.randint(1, 28)),
                    "move_in_on": today + timedelta(days=rng.randint(0, 120)), "stay_months": rng.randint(6, 24),
                    "tasks_offered": rng.sample(TASK_CODES, rng.randint(2, 6)),
                    "hours_offered_per_week": rng.randint(6, 15), "max_distance_km": rng.choice([5, 10, 15, 20, 30]),
                    "base_name": "College", "base_latitude": base_lat, "base_longitude": base_lon,
                    "occupation": rng.choice(["student", "key_worker", "employed"]),
                })
            profiles.append(profile)
            for kind in required_checks(role, settings):
                check = {"id": uuid.uuid4(), "account_id": account_id, "kind": kind, "status": CheckStatus.PASSED,
                         "recorded_at": now, "expires_on": None, "certificate_number": None, "issued_on": None}
                if kind is CheckKind.BACKGROUND:
                    check.update(certificate_number="001234567890", issued_on=today - timedelta(days=100),
                                 expires_on=today + timedelta(days=900))
                checks.append(check)
    for model, rows in ((Account, accounts), (Profile, profiles), (VettingCheck, checks)):
        for start in range(0, len(rows), 5000):
            db.session.execute(sa.insert(model), rows[start:start + 5000])
    store_statuses(scheme, Account.role.in_((Role.HOUSEHOLDER, Role.SHARER)))
    store_features(Account.scheme_id == scheme.id)  # written past the ORM, so stored here
    db.session.commit()
    return ids
