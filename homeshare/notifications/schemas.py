from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from homeshare.common.pagination import PageQuerySchema
from homeshare.common.schemas import Schema, bounded_string
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


class ChannelsSchema(Schema):
    """Whether each channel is on. The inbox is always on."""

    push = ma.fields.Boolean()
    email = ma.fields.Boolean()
    sms = ma.fields.Boolean()


class KindPreferenceSchema(Schema):
    kind = ma.fields.String(metadata={"description": "A kind of notification that can reach you."})
    target = ma.fields.Enum(TargetType, by_value=True, allow_none=True,
                            metadata={"description": "The type of screen its notifications open; null: the inbox."})
    urgent = ma.fields.Boolean(metadata={"description": "Urgent alerts are never delayed by quiet hours."})
    changeable = ma.fields.Boolean(metadata={"description": "False for urgent safeguarding alerts: always on."})
    channels = ma.fields.Nested(ChannelsSchema)


class LocalTime(ma.fields.String):
    """A local time of day, ``HH:MM`` (24-hour clock)."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
                                                  error="A time of day as HH:MM, from 00:00 to 23:59."), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.strftime("%H:%M")


class QuietHoursSchema(Schema):
    """Local times in your scheme's time zone; ending before starting runs across midnight."""

    starts_at = LocalTime(metadata={"example": "22:00"})
    ends_at = LocalTime(metadata={"example": "07:00"})


class QuietHoursChangeSchema(Schema):
    """Local times (HH:MM) in your scheme's time zone; ending before starting runs across midnight."""

    starts_at = LocalTime(required=True, metadata={"example": "22:00"})
    ends_at = LocalTime(required=True, metadata={"example": "07:00"})


class NotificationPreferencesSchema(Schema):
    kinds = ma.fields.List(ma.fields.Nested(KindPreferenceSchema))
    quiet_hours = ma.fields.Nested(QuietHoursSchema, allow_none=True,
                                   metadata={"description": "Null: no quiet hours (the default)."})


class KindChangeSchema(Schema):
    kind = bounded_string(40, required=True)
    push = ma.fields.Boolean(metadata={"description": "Left out: unchanged."})
    email = ma.fields.Boolean(metadata={"description": "Left out: unchanged."})
    sms = ma.fields.Boolean(metadata={"description": "Left out: unchanged."})


class NotificationPreferencesChangeSchema(Schema):
    kinds = ma.fields.List(ma.fields.Nested(KindChangeSchema), load_default=list, validate=validate.Length(max=100),
                           metadata={"description": "The kinds to change, and only the channels given."})
    quiet_hours = ma.fields.Nested(QuietHoursChangeSchema, allow_none=True,
                                   metadata={"description": "Left out: unchanged; null: none."})
