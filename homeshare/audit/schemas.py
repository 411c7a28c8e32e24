"""Request and response bodies of the audit endpoints."""

from __future__ import annotations

import marshmallow as ma

from homeshare.common.pagination import PageQuerySchema
from homeshare.common.schemas import BoundedDateTime, Schema


class AuditQuerySchema(PageQuerySchema):
    actor_id = ma.fields.UUID()
    action = ma.fields.String()
    target_type = ma.fields.String()
    target_id = ma.fields.String()
    from_ = BoundedDateTime(data_key="from")
    to = BoundedDateTime()


class AuditEventSchema(Schema):
    id = ma.fields.UUID()
    occurred_at = ma.fields.AwareDateTime()
    actor_id = ma.fields.UUID(allow_none=True)
    action = ma.fields.String()
    target_type = ma.fields.String()
    target_id = ma.fields.String()
    request_id = ma.fields.String(allow_none=True)
    before = ma.fields.Dict(allow_none=True)
    after = ma.fields.Dict(allow_none=True)
