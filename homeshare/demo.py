"""A demo scheme worth looking at (``flask homeshare seed-demo``, ``make demo``).

Seventeen people of Leeds placed by their postcode district, vetting in several states, a match
in every state, five weeks of hours and check-ins on the live matches, a concern, a householder
without the app whose son represents her, and one account of each role to sign in with. Everything after the accounts goes through the API
itself, in process, so the demo obeys the same rules, audit and events as a real scheme.
The story is told once: a second run finds the scheme's matches and leaves them alone.
"""

from __future__ import annotations

import logging
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterator

import sqlalchemy as sa
from flask import Flask

from homeshare.accounts import service as accounts
from homeshare.accounts.throttling import EXTENSION_KEY as LIMITER_KEY
from homeshare.common.clock import local_today
from homeshare.common.roles import Role
from homeshare.extensions import db
from homeshare.matching.models import Match
from homeshare.schemes import service as schemes

SCHEME = {"slug": "demo", "name": "Demo Homeshare"}
PASSWORD = "homeshare-demo"
ADMIN_EMAIL = "admin@demo.homeshare.test"
COORDINATOR_EMAIL = "coordinator@demo.homeshare.test"
DEMO_PASSWORD_NOTE = f"'{PASSWORD}'"
SIGN_INS = (
    ("admin", ADMIN_EMAIL),
    ("coordinator", COORDINATOR_EMAIL),
    ("householder", "householder@demo.homeshare.test"),
    ("sharer", "sharer@demo.homeshare.test"),
    ("representative", "representative@demo.homeshare.test"),
)
IDS = uuid.UUID("0b6f3a52-5d0c-4a8e-9a51-7d1f3c1e2b90")  # namespace of the demo's hours entry ids

# Places of study and work the sharers give (for their maximum distance).
UNIVERSITY = {"base_name": "University of Leeds", "base_latitude": 53.8067, "base_longitude": -1.5550}
HOSPITAL = {"base_name": "St James's University Hospital", "base_latitude": 53.8070, "base_longitude": -1.5200}
CITY = {"base_name": "Leeds city centre", "base_latitude": 53.7997, "base_longitude": -1.5492}


@dataclass
class Person:
    key: str
    role: str
    email: str
    profile: dict[str, Any]
    vetting: str = "cleared"  # cleared, in_progress, rejected or expired
    id: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def _householder(key, first, last, born, postcode, town, bio, interests, tasks, hours, **more) -> Person:
    profile = {
        "first_name": first, "last_name": last, "preferred_name": more.pop("preferred", first),
        "date_of_birth": born, "phone": more.pop("phone", "0113 496 0" + str(100 + len(key))),
        "address_line1": more.pop("address", f"{len(key) + 3} {town} Lane"), "town": town,
        "postcode": postcode, "bio": bio, "interests": interests,
        "languages": more.pop("languages", ["English"]), "smoker": False,
        "has_pets": more.pop("has_pets", False), "accepts_pets": True, "gender": more.pop("gender", "female"),
        "daily_rhythm": more.pop("rhythm", "early_riser"), "quiet_home": more.pop("quiet", True),
        "householder": {
            "room_furnished": True, "room_own_bathroom": more.pop("own_bathroom", False),
            "room_step_free": False, "tasks_wanted": tasks, "hours_wanted_per_week": hours,
            "nights_at_home_per_week": more.pop("nights", 3), "things_to_know": more.pop("know", None),
        },
    }
    vetting = more.pop("vetting", "cleared")
    email = more.pop("email", f"{key}@demo.homeshare.test")
    return Person(key, "householder", email, profile, vetting)


def _sharer(key, first, last, born, postcode, town, bio, interests, tasks, occupation, base, **more) -> Person:
    profile = {
        "first_name": first, "last_name": last, "preferred_name": more.pop("preferred", first),
        "date_of_birth": born, "phone": more.pop("phone", "07700 900" + str(100 + len(key))),
        "address_line1": more.pop("address", f"Flat {len(key)}, {town} Road"), "town": town,
        "postcode": postcode, "bio": bio, "interests": interests,
        "languages": more.pop("languages", ["English"]), "smoker": False, "has_pets": False,
        "accepts_pets": True, "gender": more.pop("gender", "female"),
        "daily_rhythm": more.pop("rhythm", "flexible"), "quiet_home": more.pop("quiet", True),
        "sharer": {
            "tasks_offered": tasks, "hours_offered_per_week": more.pop("hours", 10),
            "stay_months": more.pop("stay", 12), "max_distance_km": more.pop("distance", 10.0),
            "occupation": occupation, **base,
        },
    }
    vetting = more.pop("vetting", "cleared")
    email = more.pop("email", f"{key}@demo.homeshare.test")
    return Person(key, "sharer", email, profile, vetting)


def people() -> list[Person]:
    return [
        _householder("margaret", "Margaret", "Hill", "1941-03-12", "LS6 3HN", "Headingley",
                     "Retired district nurse; forty years in the same house near the cricket ground.",
                     ["gardening", "crosswords", "cricket"], ["companionship", "cooking", "shopping",
                                                              "technology_help"], 10,
                     preferred="Peggy", email="householder@demo.homeshare.test", has_pets=True,
                     know="A cat called Biscuit, who sleeps on the landing."),
        _householder("arthur", "Arthur", "Bennett", "1937-08-30", "LS8 2JT", "Roundhay",
                     "Widower and former bus driver; likes company at tea time.",
                     ["football", "local history", "dominoes"], ["companionship", "evening_presence",
                                                                 "light_housework"], 10, gender="male",
                     know="Hard of hearing in his left ear."),
        _householder("joan", "Joan", "Whitaker", "1944-11-02", "LS17 6DR", "Moortown",
                     "Former music teacher with a piano nobody plays any more.",
                     ["music", "baking", "birdwatching"], ["companionship", "cooking", "gardening"], 8),
        _householder("dennis", "Dennis", "Okafor", "1946-05-19", "LS16 6AA", "Adel",
                     "Retired engineer; needs a hand with the garden and the computer.",
                     ["engineering", "chess", "walking"], ["gardening", "small_repairs", "technology_help"], 8,
                     gender="male", languages=["English", "Igbo"]),
        _householder("elsie", "Elsie", "Marsh", "1939-01-25", "LS7 4HB", "Chapel Allerton",
                     "Loves the theatre and would like someone in the house at night.",
                     ["theatre", "knitting", "reading"], ["companionship", "overnight_presence"], 6, nights=7),
        _householder("harold", "Harold", "Price", "1942-07-07", "LS12 3QX", "Armley",
                     "Keen allotment holder, former union rep.",
                     ["allotment", "rugby league", "history"], ["gardening", "shopping", "companionship"], 8,
                     gender="male"),
        _householder("winifred", "Winifred", "Lowe", "1936-04-22", "LS18 4AA", "Horsforth",
                     "Former seamstress with a sunny back bedroom and a garden full of roses.",
                     ["sewing", "gardening", "quiz shows"], ["companionship", "gardening", "shopping"], 8),
        _householder("beryl", "Beryl", "Dawson", "1948-09-14", "LS4 2BB", "Kirkstall",
                     "Retired librarian, newly widowed, house too quiet.",
                     ["books", "painting"], ["companionship", "cooking"], 6, vetting="in_progress"),
        _sharer("priya", "Priya", "Sharma", "2001-06-04", "LS2 9JT", "Woodhouse",
                "Nursing student in her third year; grew up with her grandmother.",
                ["cooking", "crosswords", "cricket"], ["companionship", "cooking", "shopping", "technology_help"],
                "student", UNIVERSITY, email="sharer@demo.homeshare.test", languages=["English", "Hindi"]),
        _sharer("tom", "Tomasz", "Nowak", "1998-02-17", "LS9 7TF", "Burmantofts",
                "Junior doctor on rotation at St James's.", ["football", "chess", "cycling"],
                ["companionship", "evening_presence", "light_housework", "small_repairs"], "key_worker",
                HOSPITAL, preferred="Tom", gender="male", languages=["English", "Polish"]),
        _sharer("aisha", "Aisha", "Rahman", "2000-10-30", "LS6 1AN", "Hyde Park",
                "Music postgraduate who bakes when stuck on her thesis.", ["music", "baking", "film"],
                ["companionship", "cooking", "gardening", "errands"], "student", UNIVERSITY,
                languages=["English", "Bengali"]),
        _sharer("kwame", "Kwame", "Asante", "1996-12-08", "LS11 5QP", "Beeston",
                "Software developer, handy with a drill.", ["chess", "walking", "engineering"],
                ["gardening", "small_repairs", "technology_help"], "employed", CITY, gender="male",
                distance=15.0),
        _sharer("sam", "Samuel", "Green", "1999-04-21", "LS3 1AB", "Burley",
                "Trainee accountant, quiet and tidy.", ["theatre", "reading", "running"],
                ["companionship", "overnight_presence", "errands"], "employed", CITY, preferred="Sam",
                gender="male"),
        _sharer("lena", "Lena", "Fischer", "2002-03-03", "LS6 2UE", "Headingley",
                "Exchange student from Hamburg for a year.", ["allotment", "history", "cycling"],
                ["gardening", "shopping", "companionship"], "student", UNIVERSITY, stay=10,
                languages=["English", "German"]),
        _sharer("ben", "Benjamin", "Carter", "2000-08-11", "LS18 5HD", "Horsforth",
                "Trainee teacher at a Horsforth primary school.", ["quiz shows", "gardening", "football"],
                ["companionship", "gardening", "shopping"], "employed", CITY, preferred="Ben", gender="male"),
        _sharer("oliver", "Oliver", "Reid", "1997-09-09", "LS5 3EL", "Kirkstall",
                "Care-home kitchen assistant looking for a room.", ["cooking", "gaming"],
                ["cooking", "shopping"], "employed", CITY, gender="male", vetting="rejected"),
        _sharer("nadia", "Nadia", "Haddad", "1995-01-15", "LS10 1JJ", "Hunslet",
                "Paramedic; her background check needs renewing.", ["running", "film"],
                ["companionship", "errands"], "key_worker", HOSPITAL, vetting="expired"),
    ]


def _reference(number: int) -> dict[str, Any]:
    return {"status": "passed", "referee_name": ["Jo Bloggs", "Sam Patel"][number - 1],
            "referee_relationship": ["Former employer", "Tutor"][number - 1],
            "referee_contact": f"referee{number}@example.org", "reference_received": True,
            "reference_satisfactory": True}


def vetting_records(person: Person, today: date) -> dict[str, dict[str, Any]]:
    """The checks recorded for a person, by kind, to reach their vetting state."""
    passed = {"status": "passed"}
    background = {"status": "passed", "certificate_number": "001122334455",
                  "issued_on": (today - timedelta(days=200)).isoformat()}
    if person.role == "householder":
        records = {"identity": passed, "reference_1": _reference(1), "reference_2": _reference(2),
                   "interview": passed, "home_visit": {"status": "passed", "notes": "Room ready; smoke alarm tested."}}
    else:
        records = {"identity": passed, "background": background, "reference_1": _reference(1),
                   "reference_2": _reference(2), "right_to_rent": passed, "interview": passed}
    if person.vetting == "in_progress":
        records = {"identity": passed, "reference_1": {"status": "pending", "referee_name": "Ann Lee"},
                   "home_visit": {"status": "pending", "notes": "Visit booked."}}
    elif person.vetting == "rejected":
        records["reference_2"] = {**_reference(2), "status": "failed", "reference_satisfactory": False,
                                  "notes": "Referee could not confirm the dates of employment."}
    elif person.vetting == "expired":
        records["background"] = {**background, "issued_on": (today - timedelta(days=3 * 365 + 20)).isoformat()}
    return records


class Api:
    """The API in process, as one signed-in caller after another."""

    def __init__(self, app: Flask):
        self.client = app.test_client()

    def login(self, person: Person) -> None:
        tokens = self.call("post", "/auth/login", None, {"email": person.email, "password": PASSWORD})
        person.headers = {"Authorization": f"Bearer {tokens['access_token']}"}

    def call(self, method: str, path: str, who: Person | None, body: Any = None, **headers: str) -> Any:
        response = self.client.open(f"/api/v1{path}", method=method.upper(), json=body,
                                    headers={**(who.headers if who else {}), **headers})
        if response.status_code >= 400:
            raise RuntimeError(f"{method.upper()} {path}: {response.status_code} {response.get_data(as_text=True)}")
        return response.json if response.is_json else None


@contextmanager
def _quietly(app: Flask) -> Iterator[None]:
    """No access log lines and no throttling while the demo's callers sign in one after another."""
    access, limiter = logging.getLogger("homeshare.access"), app.extensions.get(LIMITER_KEY)
    level, enabled = access.level, getattr(limiter, "enabled", None)
    access.setLevel(logging.WARNING)
    if limiter is not None:
        limiter.enabled = False
    try:
        yield
    finally:
        access.setLevel(level)
        if limiter is not None:
            limiter.enabled = enabled


def _accounts(cast: list[Person]) -> tuple[Any, bool]:
    """The scheme and every account, made where missing. Returns the scheme and whether it has matches."""
    scheme = schemes.find_by_slug(SCHEME["slug"]) or schemes.create_scheme(**SCHEME)
    if accounts.find_by_email(ADMIN_EMAIL) is None:
        accounts.create_admin(email=ADMIN_EMAIL, password=PASSWORD)
    if accounts.find_by_email(COORDINATOR_EMAIL) is None:
        accounts.create_coordinator(scheme=scheme, email=COORDINATOR_EMAIL, password=PASSWORD)
    for person in cast:
        account = accounts.find_by_email(person.email)
        if account is None:
            account = accounts.register(scheme_slug=scheme.slug, email=person.email, password=PASSWORD,
                                        role=Role(person.role), email_verified=True).account
        person.id = str(account.id)
    seeded = db.session.scalar(sa.select(sa.func.count()).select_from(Match).where(Match.scheme_id == scheme.id))
    return scheme, bool(seeded)


def seed(app: Flask) -> dict[str, Any]:
    """Make the demo scheme; tell its story unless it was told before. Returns what it did."""
    cast = people()
    with app.app_context():
        scheme, seeded = _accounts(cast)
        scheme_id, today = str(scheme.id), local_today(scheme.timezone)
        db.session.remove()
    if seeded:
        return {"scheme_id": scheme_id, "told": False}
    with _quietly(app):
        _story(Api(app), scheme_id, {p.key: p for p in cast}, today)
    return {"scheme_id": scheme_id, "told": True}


def _story(api: Api, scheme_id: str, cast: dict[str, Person], today: date) -> None:
    coordinator = Person("coordinator", "coordinator", COORDINATOR_EMAIL, {})
    api.login(coordinator)
    for person in cast.values():
        api.login(person)
        own = api.client.get("/api/v1/me/profile", headers=person.headers)
        api.call("patch", "/me/profile", person, _dated(person, today), **{"If-Match": own.headers["ETag"]})
        for kind, record in vetting_records(person, today).items():
            api.call("put", f"/people/{person.id}/vetting/{kind}", coordinator, record)

    _without_the_app(api, scheme_id, coordinator, today)

    def match(householder: str, sharer: str) -> str:
        body = {"householder_id": cast[householder].id, "sharer_id": cast[sharer].id}
        return api.call("post", f"/schemes/{scheme_id}/matches", coordinator, body)["id"]

    def step(match_id: str, action: str, who: Person | None = None, body: Any = None) -> Any:
        return api.call("post", f"/matches/{match_id}/{action}", who or coordinator, body)

    def accepted(match_id: str, householder: str, sharer: str) -> None:
        for key in (householder, sharer):
            step(match_id, "response", cast[key], {"decision": "accept", "share_contact_details": True})

    def introduced(match_id: str, householder: str, sharer: str, on: date, place: str) -> None:
        accepted(match_id, householder, sharer)
        step(match_id, "introduction", body={"meeting_at": _at(on, 14), "place": place})

    def agreed(match_id: str, householder: str, sharer: str, terms: dict[str, Any]) -> None:
        version = api.call("put", f"/matches/{match_id}/agreement", coordinator, terms)["current"]["number"]
        for key in (householder, sharer):
            step(match_id, "agreement/acceptance", cast[key], {"version": version})

    def reviewed(match_id: str, householder: str, sharer: str) -> None:
        """The trial review: both say to carry on, and the coordinator makes the match active."""
        for key in (householder, sharer):
            api.call("put", f"/matches/{match_id}/trial-review/view", cast[key], {"view": "carry-on"})
        step(match_id, "trial-review/decision", body={"decision": "activate"})

    # Active: Margaret and Priya, six weeks in.
    active = match("margaret", "priya")
    started = today - timedelta(days=42)
    introduced(active, "margaret", "priya", started - timedelta(days=10), "Headingley library café")
    step(active, "trial", body={"start_on": started.isoformat()})
    tasks = ["companionship", "cooking", "shopping", "technology_help"]
    agreed(active, "margaret", "priya", _terms(started, 10, tasks, "Quiet after 10pm; Biscuit is fed at 7."))
    reviewed(active, "margaret", "priya")
    _hours(api, active, cast["priya"], cast["margaret"], started, today, tasks, weekly_minutes=600)
    _checkins(api, active, cast["margaret"], cast["priya"], today, low=False)

    # Trial: Arthur and Tom, three weeks in, short of hours, a worried answer and a concern.
    trial = match("arthur", "tom")
    started = today - timedelta(days=20)
    introduced(trial, "arthur", "tom", started - timedelta(days=7), "Roundhay Park café")
    step(trial, "trial", body={"start_on": started.isoformat()})
    tasks = ["companionship", "evening_presence", "light_housework"]
    agreed(trial, "arthur", "tom", _terms(started, 10, tasks, "Tea together on weekdays at six."))
    _hours(api, trial, cast["tom"], cast["arthur"], started, today, tasks, weekly_minutes=330)
    _checkins(api, trial, cast["arthur"], cast["tom"], today, low=True)
    concern = api.call("post", "/concerns", cast["arthur"], {
        "match_id": trial, "category": "hours", "severity": "medium",
        "description": "Tom has missed several of our evenings; I do not like to say so to him."})
    api.call("post", f"/concerns/{concern['id']}/acknowledgement", coordinator)

    # Introduction: Joan and Aisha meet next week; proposed: Dennis accepted, Kwame to answer.
    introduced(match("joan", "aisha"), "joan", "aisha", today + timedelta(days=5), "Moortown library")
    proposed = match("dennis", "kwame")
    step(proposed, "response", cast["dennis"], {"decision": "accept", "share_contact_details": False})

    # Ended: Elsie and Sam shared for three months until Sam moved for work.
    ended = match("elsie", "sam")
    started = today - timedelta(days=130)
    introduced(ended, "elsie", "sam", started - timedelta(days=9), "West Yorkshire Playhouse bar")
    step(ended, "trial", body={"start_on": started.isoformat()})
    agreed(ended, "elsie", "sam", _terms(started, 6, ["companionship", "overnight_presence"], "Back by 11pm."))
    reviewed(ended, "elsie", "sam")
    step(ended, "ending", body={"ended_by": "sharer", "reason": "Moved to Manchester for a new job.",
                                "reason_code": "sharer-moved-for-work-or-study",
                                "notice_given_days": 30, "end_on": (today - timedelta(days=30)).isoformat()})

    # Notice: Winifred and Ben, ten weeks in; Winifred's health changed and she moves to her
    # daughter's, so she gave the agreement's notice.
    notice = match("winifred", "ben")
    started = today - timedelta(days=70)
    introduced(notice, "winifred", "ben", started - timedelta(days=12), "Horsforth village café")
    step(notice, "trial", body={"start_on": started.isoformat()})
    tasks = ["companionship", "gardening", "shopping"]
    agreed(notice, "winifred", "ben", _terms(started, 8, tasks, "Roses are watered before nine."))
    reviewed(notice, "winifred", "ben")
    _hours(api, notice, cast["ben"], cast["winifred"], started, today, tasks, weekly_minutes=480)
    _checkins(api, notice, cast["winifred"], cast["ben"], today, low=False)
    step(notice, "notice", cast["winifred"], {
        "reason": "householder-health-changed",
        "comment": "After my fall I am moving in with my daughter in Ilkley."})

    # Declined and withdrawn proposals; Harold and Lena wait for their match.
    declined = match("harold", "sam")
    step(declined, "response", cast["sam"], {"decision": "decline", "reason": "I would rather stay nearer town."})
    withdrawn = match("elsie", "lena")
    step(withdrawn, "withdrawal", body={"reason": "Elsie is in hospital for a few weeks."})


def _without_the_app(api: Api, scheme_id: str, coordinator: Person, today: date) -> None:
    """Dorothy does not use the app: her coordinator added her after her son's enquiry, and her
    son David, who holds her lasting power of attorney for health and welfare, represents her
    with a login of his own (he claimed the invitation his coordinator read him on the phone)."""
    dorothy = _householder("dorothy", "Dorothy", "Clarke", "1934-04-09", "LS6 4HX", "Far Headingley",
                           "Former seamstress; still does the Yorkshire Post crossword every morning.",
                           ["crosswords", "sewing", "radio"], ["companionship", "shopping"], 6)
    added = api.call("post", f"/schemes/{scheme_id}/people", coordinator, {
        "role": "householder", "person_id": str(uuid.uuid5(IDS, "dorothy")), **_dated(dorothy, today)})
    dorothy.id = added["person_id"]
    for kind, record in vetting_records(dorothy, today).items():
        api.call("put", f"/people/{dorothy.id}/vetting/{kind}", coordinator, record)
    link = api.call("post", f"/people/{dorothy.id}/representatives", coordinator, {
        "representation_id": str(uuid.uuid5(IDS, "dorothy-david")),
        "representative": {"full_name": "David Clarke", "phone": "07700 900555"},
        "relationship": "attorney-health", "consent_on": (today - timedelta(days=14)).isoformat(),
        "consent_how": "on-paper", "scopes": ["see-match", "accept-agreement", "confirm-hours",
                                              "raise-concerns", "receive-notifications"]})
    invitation = api.call("post", f"/accounts/{link['representative_id']}/invitations", coordinator,
                          {"channel": "phone"})
    api.call("post", "/auth/invitation", None, {"code": invitation["code"], "email": SIGN_INS[-1][1],
                                               "password": PASSWORD})


def _dated(person: Person, today: date) -> dict[str, Any]:
    profile = {**person.profile}
    if person.role == "householder":
        profile["householder"] = {**profile["householder"],
                                  "room_available_from": (today - timedelta(days=180)).isoformat()}
    else:
        profile["sharer"] = {**profile["sharer"], "move_in_on": (today - timedelta(days=150)).isoformat()}
    return profile


def _terms(start: date, hours: int, tasks: list[str], rules: str) -> dict[str, Any]:
    return {"hours_per_week": hours, "tasks": tasks, "monthly_contribution_pence": 4000,
            "start_on": start.isoformat(), "trial_length_days": 28, "notice_days": 7,
            "house_rules": [{"topic": "House rules", "rule": rules}], "sharer_must_know": "The back door sticks."}


def _at(day: date, hour: int) -> str:
    return datetime.combine(day, time(hour), tzinfo=timezone.utc).isoformat()


def _hours(api: Api, match_id: str, sharer: Person, householder: Person, started: date, today: date,
           tasks: list[str], weekly_minutes: int) -> None:
    """Four sessions a week from the trial's start to yesterday; the householder confirms all
    but the last week and disputes one entry."""
    per_session, entries = weekly_minutes // 4, []
    day = started
    while day < today:
        if day.weekday() in (0, 2, 4, 5):
            entry_id = str(uuid.uuid5(IDS, f"{match_id}/{day}"))
            task = tasks[day.toordinal() % len(tasks)]
            api.call("put", f"/matches/{match_id}/hours/{entry_id}", sharer,
                     {"worked_on": day.isoformat(), "minutes": per_session, "task": task})
            entries.append((entry_id, day))
        day += timedelta(days=1)
    settled = [entry_id for entry_id, day in entries if day <= today - timedelta(days=7)]
    if len(settled) > 1:
        api.call("post", f"/matches/{match_id}/hours/{settled[-1]}/dispute", householder,
                 {"reason": "That was the day of my hospital appointment; she was not here."})
        api.call("post", f"/matches/{match_id}/hours/confirmation", householder, {"entry_ids": settled[:-1]})


def _checkins(api: Api, match_id: str, householder: Person, sharer: Person, today: date, low: bool) -> None:
    """Both sides answer the check-ins due so far, but the latest, which one side has not answered."""
    coordinator_view = api.call("get", f"/me/matches/{match_id}/checkins?per_page=100", householder)
    due = sorted((c for c in coordinator_view["items"] if date.fromisoformat(c["due_on"]) <= today),
                 key=lambda c: c["due_on"])
    for number, checkin in enumerate(due):
        last = number == len(due) - 1
        worried = low and last
        for who in (householder, sharer):
            if last and who is sharer:
                continue  # the sharer's answer to the latest check-in is still to come
            answer = {"wellbeing": 2 if worried else 4 + number % 2, "match_going": 2 if worried else 4,
                      "help_happening": not worried, "wants_call": worried}
            if worried:
                answer["comments"] = "Lonely in the evenings again."
            api.call("put", f"/matches/{match_id}/checkins/{checkin['id']}/answer", who, answer)
