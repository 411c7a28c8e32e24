"""Request and response bodies of the health endpoints."""

from __future__ import annotations

import marshmallow as ma

from homeshare.common.schemas import Schema


class HealthSchema(Schema):
    status = ma.fields.String(required=True, metadata={"example": "ok"})
