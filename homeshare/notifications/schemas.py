from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from homeshare.common.pagination import PageQuerySchema
from homeshare.common.schemas import Schema
from homeshare.notifications.kinds import TargetType
from homeshare.notifications.models import Platform


class NotificationTargetSchema(Schema):
    """The screen a notification opens: its type and the id to open it with."""

    type = ma.fields.Enum(TargetType, by_value=True, metadata={
        "description": "match, meeting, agreement, checkin, hours-week (id `<match_id>:<week_start>`), "
                       "concern, conversation, enquiry or person."})
    id = ma.fields.String()


class NotificationSchema(Schema):
    id = ma.fields.UUID()
    kind = ma.fields.String()
    title = ma.fields.String()
    body = ma.fields.String()
    data = ma.fields.Dict()
    target = ma.fields.Nested(NotificationTargetSchema, allow_none=True, metadata={
        "description": "What to open; null when the notification has no screen of its own (open the inbox)."})
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
