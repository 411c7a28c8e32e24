"""An example of a householder's or sharer's list of matches, for the API description."""

from __future__ import annotations

OWN_MATCH_PAGE = {
    "items": [
        {
            "id": "3c2b1a09-8f7e-4d6c-b5a4-93827160f5e4",
            "side": "sharer",
            "state": "introduction",
            "your_response": "accepted",
            "on_behalf": [],
            "proposed_at": "2027-03-10T10:00:00+00:00",
            "introduction_at": "2027-03-15T14:00:00+00:00",
            "introduction_place": "The scheme's office, 12 Park Row",
            "trial_started_on": None,
            "trial_ends_on": None,
            "ended_on": None,
            "next_step": "Meet at the introduction, then wait for your coordinator to start the trial.",
            "on_behalf": [],
            "notice": None,
            "exit_feedback": None,
            "other_party": {
                "role": "householder",
                "preferred_name": "Margaret",
                "district": "LS6",
                "bio": "Retired teacher with a garden and too many books.",
                "interests": ["gardening", "chess"],
                "languages": ["English"],
                "smoker": False,
                "has_pets": True,
                "accepts_pets": True,
                "dietary_needs": None,
                "daily_rhythm": "early_riser",
                "quiet_home": True,
                "photo_url": None,
                "hours_per_week": 10,
                "tasks": ["companionship", "cooking", "gardening"],
                "contact": {
                    "first_name": "Margaret",
                    "last_name": "Hughes",
                    "phone": "+44 113 496 0000",
                    "email": "margaret.hughes@example.com",
                },
            },
        }
    ],
    "pagination": {"page": 1, "per_page": 20, "total": 1, "pages": 1},
}
