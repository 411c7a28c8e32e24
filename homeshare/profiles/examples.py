"""Examples of a profile and a change to it, for the API description."""

from __future__ import annotations

PROFILE_CHANGE = {
    "preferred_name": "Sam",
    "bio": "Second-year nursing student; I cook and like long walks.",
    "interests": ["cooking", "walking", "chess"],
    "sharer": {"hours_offered_per_week": 10, "occupation": "student", "tasks_offered": ["companionship", "cooking"]},
}

PROFILE = {
    "person_id": "6f1c2b7e-3d4a-4f5b-9c8d-1e2f3a4b5c6d",
    "role": "sharer",
    "first_name": "Samuel",
    "last_name": "Okafor",
    "preferred_name": "Sam",
    "date_of_birth": "2005-06-14",
    "phone": "+44 7700 900123",
    "address_line1": None,
    "address_line2": None,
    "town": "Leeds",
    "postcode": "LS6 2AB",
    "latitude": None,
    "longitude": None,
    "location_source": "postcode",
    "bio": "Second-year nursing student; I cook and like long walks.",
    "interests": ["cooking", "walking", "chess"],
    "languages": ["English", "Yoruba"],
    "smoker": False,
    "has_pets": False,
    "accepts_pets": True,
    "dietary_needs": None,
    "daily_rhythm": "early_riser",
    "quiet_home": True,
    "gender": "male",
    "gender_preference": [],
    "photo_url": None,
    "householder": None,
    "sharer": {
        "tasks_offered": ["companionship", "cooking"],
        "hours_offered_per_week": 10,
        "move_in_on": "2027-04-01",
        "stay_months": 12,
        "max_distance_km": 5.0,
        "base_name": "University of Leeds",
        "base_latitude": 53.8067,
        "base_longitude": -1.5550,
        "occupation": "student",
    },
    "completeness": {
        "ready_for_vetting": True,
        "missing_for_vetting": [],
        "ready_for_matching": False,
        "missing_for_matching": ["photo_url"],
    },
    "updated_at": "2027-03-02T18:10:00+00:00",
}
