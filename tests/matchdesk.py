"""A coordinator, a householder and a sharer around one match, for tests that need one."""

from __future__ import annotations

TERMS = {
    "hours_per_week": 10, "tasks": ["companionship", "cooking"], "monthly_contribution_pence": 5000,
    "start_on": "2027-01-04", "trial_length_days": 28, "notice_days": 7,
    "house_rules": [{"topic": "Guests", "rule": "No guests overnight without asking."}],
    "sharer_must_know": "The boiler is temperamental.",
}


class Desk:
    """A coordinator, a householder and a sharer around one match."""

    def __init__(self, client, make, scheme, householder_without_login=False):
        self.client, self.scheme = client, scheme
        self.coordinator = make.login(client, make.coordinator(scheme))
        self.householder_person = (make.without_login("householder", scheme) if householder_without_login
                                   else make.ready("householder", scheme))
        self.sharer_person = make.ready("sharer", scheme)
        # A householder without a login has no session: her coordinator or representative answers.
        self.householder = None if householder_without_login else make.login(client, self.householder_person)
        self.sharer = make.login(client, self.sharer_person)
        self.match_id = None

    def propose(self):
        response = self.client.post(f"/api/v1/schemes/{self.scheme.id}/matches", headers=self.coordinator.headers,
                                    json={"householder_id": self.householder_person.id,
                                          "sharer_id": self.sharer_person.id})
        assert response.status_code == 201, response.json
        self.match_id = response.json["id"]
        return response.json

    def post(self, action, session=None, body=None):
        session = session or self.coordinator
        return self.client.post(f"/api/v1/matches/{self.match_id}/{action}", headers=session.headers, json=body)

    def ok(self, action, session=None, body=None):
        response = self.post(action, session, body)
        assert response.status_code == 200, response.json
        return response.json

    def respond(self, session, decision="accept", **extra):
        return self.ok("response", session, {"decision": decision, **extra})

    def agree(self, terms=None):
        response = self.client.put(f"/api/v1/matches/{self.match_id}/agreement", headers=self.coordinator.headers,
                                   json=terms or TERMS)
        assert response.status_code in (200, 201), response.json
        return response.json

    def accept_agreement(self, session, version):
        return self.post("agreement/acceptance", session, {"version": version})

    def view(self, session, view="carry-on", **extra):
        """A side's view of the trial: from its own session, or (``session`` None: a person
        without a login) recorded by the coordinator for ``person``."""
        response = self.client.put(f"/api/v1/matches/{self.match_id}/trial-review/view", headers=session.headers,
                                   json={"view": view, **extra})
        assert response.status_code == 200, response.json
        return response.json

    def view_for(self, person, view="carry-on", **extra):
        return self.view(self.coordinator, view, on_behalf={
            "person_id": person.id, "how": "by-phone", "given_at": "2026-11-30T10:00:00+00:00"}, **extra)

    def decide(self, decision="activate", **body):
        return self.post("trial-review/decision", body={"decision": decision, **body})

    def review(self, decision="activate", **body):
        """Both sides say to carry on, and the coordinator decides (by default: the match
        becomes active); the match as it then is."""
        for session, person in ((self.householder, self.householder_person), (self.sharer, self.sharer_person)):
            if session is None:
                self.view_for(person)
            else:
                self.view(session)
        response = self.decide(decision, **body)
        assert response.status_code == 200, response.json
        return self.detail()

    def detail(self):
        response = self.client.get(f"/api/v1/matches/{self.match_id}", headers=self.coordinator.headers)
        assert response.status_code == 200, response.json
        return response.json

    def own(self, session):
        response = self.client.get(f"/api/v1/me/matches/{self.match_id}", headers=session.headers)
        assert response.status_code == 200, response.json
        return response.json

    # Reaching each state.
    def to_proposed(self):
        self.propose()

    def to_introduction(self):
        self.to_proposed()
        self.respond(self.householder, share_contact_details=True)
        self.respond(self.sharer, share_contact_details=True)
        self.ok("introduction", body={"meeting_at": "2026-12-01T14:00:00+00:00", "place": "Headingley library"})

    def to_trial(self, start_on="2027-01-04"):
        self.to_introduction()
        self.ok("trial", body={"start_on": start_on})

    def to_active(self, start_on="2027-01-04", terms=None):
        self.to_trial(start_on)
        self.agree(terms)
        assert self.accept_agreement(self.householder, 1).status_code == 200
        assert self.accept_agreement(self.sharer, 1).status_code == 200
        self.review()

    def to_ended(self):
        self.to_active()
        self.ok("ending", body={"ended_by": "sharer", "reason": "Moving for work.", "notice_given_days": 30,
                                "end_on": "2027-09-30"})

    def to_notice(self):
        """Active, with the sharer's notice running (28 days from today)."""
        self.to_active()
        self.ok("notice", self.sharer, {"reason": "sharer-moved-for-work-or-study"})

    def to_declined(self):
        self.to_proposed()
        self.respond(self.sharer, "decline", reason="Too far from my college.")

    def to_withdrawn(self):
        self.to_proposed()
        self.ok("withdrawal", body={"reason": "The householder went into hospital."})
