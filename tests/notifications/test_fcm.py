"""Push through Firebase Cloud Messaging (HTTP v1), against a local FCM and OAuth token endpoint
that check each request's shape and play FCM's documented answers."""

from __future__ import annotations

import base64
import json
import logging
import urllib.parse
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from homeshare.config import ConfigError, check_channels
from homeshare.extensions import db
from homeshare.notifications import service as notifications
from homeshare.notifications.models import Delivery, Device
from homeshare.notifications.providers import fcm
from tests.helpers import LocalServer
from tests.notifications.outbox import deliver, delivery_on, stored

T0 = datetime(2027, 5, 3, 10, 0, tzinfo=timezone.utc)
PROJECT = "homeshare-test"


class FakeFCM(LocalServer):
    """FCM's messages:send and Google's OAuth token endpoint on one local server. ``answers``
    maps a device token to the answers to play for it, in turn (then 200)."""

    def __init__(self):
        self.sent: list[dict] = []  # each request's message, with the bearer token it came with
        self.tokens_issued = 0
        self.assertions: list[dict] = []
        self.answers: dict[str, list[tuple[int, dict, dict]]] = {}
        super().__init__()

    def answer(self, request, raw):
        if request.path == "/token":
            form = urllib.parse.parse_qs(raw.decode())
            assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
            claims = form["assertion"][0].split(".")[1]
            self.assertions.append(json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4))))
            self.tokens_issued += 1
            return 200, {"access_token": f"access-{self.tokens_issued}", "expires_in": 3600,
                         "token_type": "Bearer"}, {}
        assert request.path == f"/v1/projects/{PROJECT}/messages:send", request.path
        assert request.headers["Content-Type"].startswith("application/json")
        body = json.loads(raw)
        self.sent.append({"authorization": request.headers["Authorization"], **body})
        queued = self.answers.get(body["message"]["token"])
        if queued:
            return queued.pop(0)
        return 200, {"name": f"projects/{PROJECT}/messages/{len(self.sent)}"}, {}


def fcm_error(status: int, name: str, code: str, message: str = "", violations=()) -> tuple[int, dict, dict]:
    details = [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code}]
    if violations:
        details.append({"@type": "type.googleapis.com/google.rpc.BadRequest",
                        "fieldViolations": [{"field": f, "description": "Invalid registration token"}
                                            for f in violations]})
    return status, {"error": {"code": status, "message": message or name, "status": name, "details": details}}, {}


@pytest.fixture
def fake_fcm(app, tmp_path, monkeypatch):
    fake = FakeFCM()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    credentials = tmp_path / "service-account.json"
    credentials.write_text(json.dumps({
        "type": "service_account", "project_id": PROJECT, "private_key_id": "key-1", "private_key": pem,
        "client_email": f"push@{PROJECT}.iam.gserviceaccount.com", "client_id": "1",
        "token_uri": f"{fake.url}/token",
    }))
    monkeypatch.setattr(fcm, "_credentials", {})  # no token kept from another test
    for key_name, value in {"HOMESHARE_FCM_PROJECT_ID": PROJECT, "HOMESHARE_FCM_CREDENTIALS_FILE": str(credentials),
                            "HOMESHARE_FCM_ENDPOINT": fake.url, "HOMESHARE_PUSH_WEBHOOK_URL": None,
                            "HOMESHARE_SMTP_URL": None}.items():
        monkeypatch.setitem(app.config, key_name, value)
    yield fake
    fake.close()


def person_with_devices(app, make, *devices):
    someone = make.sharer(make.scheme())
    with app.app_context():
        for platform, token in devices:
            db.session.add(Device(account_id=uuid.UUID(someone.id), platform=platform, token=token, created_at=T0))
        db.session.commit()
        db.session.remove()
    return someone


def notify(app, account_id, key="fcm:1", kind="checkin_due", data=None, title="Your check-in", body="Body"):
    stored(app, account_id, kind=kind, title=title, body=body, key=key, data=data, now=T0)


def push_delivery(app):
    return delivery_on(app, "push")


def device_tokens(app):
    with app.app_context():
        tokens = sorted(db.session.scalars(sa.select(Device.token)))
        db.session.remove()
    return tokens


def test_each_device_gets_one_fcm_message_of_the_documented_shape(app, make, fake_fcm):
    someone = person_with_devices(app, make, ("android", "android-token-1"), ("ios", "ios-token-1"))
    notify(app, someone.id, kind="urgent_concern", data={"match_id": "m-1", "count": 3, "late": True,
                                                          "nested": {"a": [1, 2]}, "none": None})
    notify(app, someone.id, key="fcm:2")
    assert deliver(app, T0) == 4  # log and push, twice

    assert sorted(m["message"]["token"] for m in fake_fcm.sent) == sorted(["android-token-1", "ios-token-1"] * 2)
    assert fake_fcm.tokens_issued == 1  # one access token for the four sends
    assert {m["authorization"] for m in fake_fcm.sent} == {"Bearer access-1"}
    claims = fake_fcm.assertions[0]
    assert claims["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
    assert claims["iss"] == f"push@{PROJECT}.iam.gserviceaccount.com"

    urgent = next(m["message"] for m in fake_fcm.sent if m["message"]["data"]["kind"] == "urgent_concern")
    delivery = push_delivery_of(app, "urgent_concern")
    assert sum(m["message"]["data"]["kind"] == "urgent_concern" for m in fake_fcm.sent) == 2
    assert urgent["notification"] == {"title": "Your check-in", "body": "Body"}
    assert urgent["data"] == {"match_id": "m-1", "count": "3", "late": "true", "nested": '{"a":[1,2]}', "none": "",
                              "kind": "urgent_concern", "notification_id": str(delivery.notification_id),
                              "delivery_id": str(delivery.id)}
    collapse = str(delivery.notification_id)
    assert urgent["android"] == {"priority": "high", "collapse_key": collapse, "notification": {"tag": collapse}}
    assert urgent["apns"] == {"headers": {"apns-priority": "10", "apns-collapse-id": collapse},
                              "payload": {"aps": {"sound": "default"}}}
    ordinary = next(m["message"] for m in fake_fcm.sent if m["message"]["data"]["kind"] == "checkin_due")
    assert ordinary["android"]["priority"] == "normal" and ordinary["apns"]["headers"]["apns-priority"] == "5"
    for sent in fake_fcm.sent:
        assert all(isinstance(v, str) for v in sent["message"]["data"].values())


def push_delivery_of(app, kind):
    with app.app_context():
        row = db.session.execute(sa.select(Delivery.id, Delivery.notification_id)
                                 .join(notifications.Notification)
                                 .where(Delivery.channel == "push", notifications.Notification.kind == kind)).one()
        db.session.remove()
    return row


def test_a_kept_access_token_is_fetched_again_once_it_is_about_to_expire(app, make, fake_fcm):
    someone = person_with_devices(app, make, ("android", "android-token-1"))
    notify(app, someone.id)
    deliver(app, T0)
    kept = fcm._credentials[app.config["HOMESHARE_FCM_CREDENTIALS_FILE"]]
    kept.expiry = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(seconds=30)  # within google-auth's refresh margin
    notify(app, someone.id, key="fcm:2")
    deliver(app, T0)
    assert fake_fcm.tokens_issued == 2
    assert fake_fcm.sent[-1]["authorization"] == "Bearer access-2"


def test_a_long_body_is_cut_for_the_push_and_kept_whole_in_the_inbox(app, make, fake_fcm):
    someone = person_with_devices(app, make, ("android", "android-token-1"))
    notify(app, someone.id, body="x" * 1500)
    deliver(app, T0)
    body = fake_fcm.sent[0]["message"]["notification"]["body"]
    assert len(body) == fcm.PUSH_BODY_LIMIT and body.endswith("…")


def test_unregistered_and_invalid_tokens_are_forgotten_and_the_delivery_is_done(app, make, fake_fcm):
    someone = person_with_devices(app, make, ("android", "gone-token-1"), ("ios", "bad-token-12"),
                                  ("android", "good-token-1"))
    other = person_with_devices(app, make, ("ios", "other-token-1"))
    fake_fcm.answers["gone-token-1"] = [fcm_error(404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.")]
    fake_fcm.answers["bad-token-12"] = [fcm_error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
                                                  "The registration token is not a valid FCM registration token",
                                                  violations=["message.token"])]
    notify(app, someone.id)
    assert deliver(app, T0) == 2
    assert push_delivery(app).status.value == "sent"
    assert device_tokens(app) == ["good-token-1", "other-token-1"]
    assert other  # another person's devices are untouched


def test_an_invalid_message_is_not_retried_and_keeps_the_device(app, make, fake_fcm):
    someone = person_with_devices(app, make, ("android", "android-token-1"))
    fake_fcm.answers["android-token-1"] = [fcm_error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
                                                     "Invalid value at 'message.data'")]
    notify(app, someone.id)
    deliver(app, T0)
    delivery = push_delivery(app)
    assert (delivery.status.value, delivery.attempts) == ("dead", 1)
    assert "400 INVALID_ARGUMENT" in delivery.last_error
    assert device_tokens(app) == ["android-token-1"]
    deliver(app, T0 + timedelta(days=1))
    assert len(fake_fcm.sent) == 1


def test_quota_exceeded_waits_for_retry_after_before_the_next_attempt(app, make, fake_fcm):
    someone = person_with_devices(app, make, ("android", "android-token-1"), ("android", "android-token-2"))
    fake_fcm.answers["android-token-1"] = [(*fcm_error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED")[:2],
                                            {"Retry-After": "600"})]
    notify(app, someone.id)
    deliver(app, T0)
    delivery = push_delivery(app)
    assert (delivery.status.value, delivery.attempts) == ("pending", 1)
    assert delivery.next_attempt_at == T0 + timedelta(seconds=600)  # not the 60 s backoff
    assert [m["message"]["token"] for m in fake_fcm.sent] == ["android-token-1"]  # the rest wait too
    assert deliver(app, T0 + timedelta(seconds=599)) == 0
    assert deliver(app, T0 + timedelta(seconds=600)) == 1
    assert push_delivery(app).status.value == "sent"


def test_unavailable_is_retried_with_backoff_until_fcm_answers(app, make, fake_fcm):
    someone = person_with_devices(app, make, ("ios", "ios-token-1"))
    fake_fcm.answers["ios-token-1"] = [fcm_error(503, "UNAVAILABLE", "UNAVAILABLE"),
                                       fcm_error(500, "INTERNAL", "INTERNAL")]
    notify(app, someone.id)
    deliver(app, T0)
    assert push_delivery(app).next_attempt_at == T0 + timedelta(seconds=60)
    deliver(app, T0 + timedelta(seconds=60))
    delivery = push_delivery(app)
    assert (delivery.status.value, delivery.attempts) == ("pending", 2)
    assert "500 INTERNAL" in delivery.last_error
    assert delivery.next_attempt_at == T0 + timedelta(seconds=60 + 120)
    deliver(app, T0 + timedelta(seconds=180))
    assert push_delivery(app).status.value == "sent"
    assert len(fake_fcm.sent) == 3 and device_tokens(app) == ["ios-token-1"]


def test_refused_credentials_are_logged_as_an_error_and_retried(app, make, fake_fcm, caplog):
    someone = person_with_devices(app, make, ("android", "android-token-1"))
    fake_fcm.answers["android-token-1"] = [fcm_error(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR")]
    notify(app, someone.id)
    with caplog.at_level(logging.ERROR, logger="homeshare.notifications"):
        deliver(app, T0)
    assert any(r.levelno == logging.ERROR and "credentials" in r.getMessage() for r in caplog.records)
    assert push_delivery(app).status.value == "pending"
    deliver(app, T0 + timedelta(seconds=60))
    assert push_delivery(app).status.value == "sent"
    assert fake_fcm.sent[-1]["authorization"] == "Bearer access-2"  # the refused token is not used again


def test_a_token_endpoint_that_does_not_answer_is_retried(app, make, fake_fcm):
    someone = person_with_devices(app, make, ("android", "android-token-1"))
    fake_fcm.close()
    notify(app, someone.id)
    deliver(app, T0)
    delivery = push_delivery(app)
    assert delivery.status.value == "pending" and "no FCM access token" in delivery.last_error


def test_a_person_without_devices_is_done_without_a_request(app, make, fake_fcm):
    someone = person_with_devices(app, make)
    notify(app, someone.id)
    assert deliver(app, T0) == 2
    assert fake_fcm.sent == [] and fake_fcm.tokens_issued == 0


@pytest.mark.parametrize("settings, problem", [
    ({"HOMESHARE_FCM_PROJECT_ID": "p", "HOMESHARE_FCM_CREDENTIALS_FILE": "/k.json",
      "HOMESHARE_PUSH_WEBHOOK_URL": "http://gateway"}, "both set"),
    ({"HOMESHARE_FCM_PROJECT_ID": "p"}, "needs both"),
    ({"HOMESHARE_FCM_CREDENTIALS_FILE": "/k.json"}, "needs both"),
])
def test_push_configured_twice_or_in_part_is_refused(settings, problem):
    with pytest.raises(ConfigError, match=problem):
        check_channels(settings)
