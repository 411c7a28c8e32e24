"""Request and response bodies of the health endpoints."""

from __future__ import annotations

import marshmallow as ma

from homeshare.common.schemas import Schema


class HealthSchema(Schema):
    status = ma.fields.String(required=True, metadata={"example": "ok"})


class ReadinessSchema(HealthSchema):
    database = ma.fields.String(required=True, metadata={"example": "ok", "description": "Answers: `ok`."})
    rate_limit_storage = ma.fields.String(
        validate=ma.validate.OneOf(["ok", "unavailable"]),
        metadata={"example": "ok", "absent_when": "sign-in attempts are counted in each process's memory",
                  "description": (
                      "The Redis that counts sign-in attempts: `ok`, or `unavailable` when it does not answer. "
                      "The service keeps serving without it (sign-ins go on unthrottled), so readiness stays 200."
                  )},
    )
