"""Examples of the main flows' bodies, for the API description (and the SDKs made from it)."""

from __future__ import annotations

REGISTER_REQUEST = {
    "scheme": "leeds-homeshare",
    "email": "sam.okafor@example.com",
    "password": "correct horse battery",
    "role": "sharer",
}

ACCOUNT = {
    "id": "6f1c2b7e-3d4a-4f5b-9c8d-1e2f3a4b5c6d",
    "email": "sam.okafor@example.com",
    "has_login": True,
    "origin": "self-registered",
    "role": "sharer",
    "is_active": True,
    "created_at": "2027-03-01T09:30:00+00:00",
    "last_login_at": None,
    "email_verified_at": None,
    "sms_opt_in": False,
    "language": "en",
    "display_name": None,
    "work_phone": None,
    "scheme": {
        "id": "0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d",
        "slug": "leeds-homeshare",
        "name": "Leeds Homeshare",
        "timezone": "Europe/London",
    },
}

SIGNED_IN_ACCOUNT = {**ACCOUNT, "last_login_at": "2027-03-02T18:04:11+00:00",
                     "email_verified_at": "2027-03-01T09:41:52+00:00"}

REGISTERED = {
    "message": "Check your email. If you are new, we sent a code to confirm the address: sign in and "
               "enter it. If you already have an account, we sent you a reminder instead.",
}

LOGIN_REQUEST = {"email": "sam.okafor@example.com", "password": "correct horse battery"}

TOKEN_PAIR = {
    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI2ZjFjMmI3ZSJ9.c2lnbmF0dXJl",
    "refresh_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0eXBlIjoicmVmcmVzaCJ9.c2lnbmF0dXJl",
    "token_type": "Bearer",
    "expires_in": 900,
    "refresh_expires_in": 2592000,
}
