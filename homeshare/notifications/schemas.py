from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from homeshare.common.pagination import PageQuerySchema
from homeshare.common.schemas import Schema
from homeshare.notifications.models import Platform


class NotificationSchema(Schema):
    id = ma.fields.UUID()
    kind = ma.fields.String()
    title = ma.fields.String()
    body = ma.fields.String()
    data = ma.fields.Dict()
    created_at = ma.fields.AwareDateTime()
    read_at = ma.fields.AwareDateTime(allow_none=True)


class InboxQuerySchema(PageQuerySchema):
    unread = ma.fields.Boolean(load_default=False, metadata={"description": "Only the unread ones."})


class UnreadCountSchema(Schema):
    unread = ma.fields.Integer()


class DeviceRegistrationSchema(Schema):
    platform = ma.fields.Enum(Platform, by_value=True, required=True)
    token = ma.fields.String(required=True, validate=validate.Length(min=8, max=400))


class DeviceSchema(DeviceRegistrationSchema):
    id = ma.fields.UUID(dump_only=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)
