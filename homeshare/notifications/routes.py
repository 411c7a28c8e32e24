from __future__ import annotations

import uuid

from flask.views import MethodView

from homeshare.common.access import current_account, requires
from homeshare.common.pagination import page_of
from homeshare.extensions import Blueprint, documents_errors
from homeshare.notifications import service
from homeshare.notifications.schemas import (
    DeviceRegistrationSchema, DeviceSchema, InboxQuerySchema, NotificationPreferencesChangeSchema,
    NotificationPreferencesSchema, NotificationSchema, UnreadCountSchema,
)

blp = Blueprint("notifications", __name__, url_prefix="/api/v1/me", description="Your notifications and devices.")


@blp.route("/notifications")
class Inbox(MethodView):
    @blp.doc(operationId="listMyNotifications")
    @requires()
    @blp.arguments(InboxQuerySchema, location="query")
    @blp.response(200, page_of(NotificationSchema))
    def get(self, query):
        """Your notifications, newest first

        A page at a time; `unread=true` for the unread ones only.
        """
        return service.inbox(current_account(), unread_only=query["unread"], page=query["page"],
                             per_page=query["per_page"])


@blp.route("/notifications/unread-count")
class Unread(MethodView):
    @blp.doc(operationId="countUnreadNotifications")
    @requires()
    @blp.response(200, UnreadCountSchema)
    def get(self):
        """How many of your notifications are unread

        A cheap count, for a badge on the app's icon.
        """
        return {"unread": service.unread_count(current_account())}


@blp.route("/notifications/<uuid:notification_id>/read")
class Read(MethodView):
    @blp.doc(operationId="markNotificationRead")
    @requires()
    @blp.response(200, NotificationSchema)
    @documents_errors(404)
    def post(self, notification_id: uuid.UUID):
        """Mark a notification read

        Marks one of your notifications read; marking it again changes nothing.
        """
        return service.mark_read(current_account(), notification_id)


@blp.route("/devices")
class Devices(MethodView):
    @blp.doc(operationId="registerDevice")
    @requires()
    @blp.arguments(DeviceRegistrationSchema)
    @blp.response(201, DeviceSchema)
    @blp.alt_response(200, schema=DeviceSchema, description="The token was already registered.", success=True)
    def post(self, data):
        """Register this phone's push token

        Registers a push token for the signed-in account; registering the same token again
        returns the device it made (200).
        """
        device, created = service.register_device(current_account(), platform=data["platform"], token=data["token"])
        return device, 201 if created else 200


@blp.route("/devices/<uuid:device_id>")
class DeviceDetail(MethodView):
    @blp.doc(operationId="removeDevice")
    @requires()
    @blp.response(204)
    @documents_errors(404)
    def delete(self, device_id: uuid.UUID):
        """Stop pushing to a phone

        Forgets the device's push token: notifications are no longer pushed to it.
        """
        service.unregister_device(current_account(), device_id)


@blp.route("/notification-preferences")
class Preferences(MethodView):
    @blp.doc(operationId="getMyNotificationPreferences")
    @requires()
    @blp.response(200, NotificationPreferencesSchema)
    def get(self):
        """Your notification channels per kind, and your quiet hours

        Every kind of notification that can reach you, with whether it is pushed, emailed and
        texted (the inbox always has it) and whether you can change that.
        """
        return service.preferences(current_account())

    @blp.doc(operationId="changeMyNotificationPreferences")
    @requires()
    @blp.arguments(NotificationPreferencesChangeSchema)
    @blp.response(200, NotificationPreferencesSchema)
    @documents_errors(422)
    def patch(self, data):
        """Turn channels on or off per kind, and set your quiet hours

        Changes only the kinds and channels given; `quiet_hours` null clears them. A kind that
        cannot reach you, an unknown channel, or turning off an urgent safeguarding alert: 422,
        and nothing is stored. The same change again changes nothing.
        """
        return service.change_preferences(current_account(), changes=data["kinds"],
                                          quiet_hours=data.get("quiet_hours"),
                                          quiet_hours_sent="quiet_hours" in data)
