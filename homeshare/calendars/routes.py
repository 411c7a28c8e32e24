from __future__ import annotations

from flask import Response, url_for
from flask.views import MethodView

from homeshare.calendars import service
from homeshare.calendars.schemas import CalendarLinkSchema
from homeshare.common.access import current_account, requires
from homeshare.common.roles import MEMBER_ROLES
from homeshare.extensions import Blueprint, documents_errors

blp = Blueprint("calendars", __name__, url_prefix="/api/v1",
                description="Your calendar feed: your meetings and check-ins, for a phone's calendar.")

CALENDAR_CONTENT = {"content": {"text/calendar": {"schema": {"type": "string"}}}}


@blp.route("/me/calendar")
class OwnCalendar(MethodView):
    @blp.doc(operationId="createCalendarLink")
    @requires(*MEMBER_ROLES)
    @blp.response(201, CalendarLinkSchema, description="The new link, shown this once.")
    def post(self):
        """Make your calendar link (or a new one in place of the old)

        The answer holds the full address of your calendar feed, once: only a fingerprint of it is
        kept. A phone's calendar subscribes to it. Making a new one stops the old one at once.
        """
        feed = service.create_feed(current_account())
        url = url_for("calendars.CalendarFeed", secret=feed.secret, _external=True)
        return {"url": url, "created_at": feed.created_at}, 201

    @blp.doc(operationId="removeCalendarLink")
    @requires(*MEMBER_ROLES)
    @blp.response(204)
    def delete(self):
        """Stop your calendar link

        Its address answers 404 from now on. Safe to repeat.
        """
        service.remove_feed(current_account())


@blp.route("/calendar/<string:secret>.ics")
class CalendarFeed(MethodView):
    @blp.doc(operationId="getCalendarFeed")
    @blp.doc(responses={"200": {"description": "The calendar, as iCalendar (RFC 5545).", **CALENDAR_CONTENT}})
    @documents_errors(404)
    def get(self, secret: str):
        """A person's calendar: their meetings and open check-ins (no sign-in: the address is the key)

        Meetings with their times in the scheme's time zone (cancelled ones stay, marked
        cancelled, so that phones remove them; a moved one keeps its id with a higher sequence),
        and the check-ins waiting for the person's answer as all-day events on the day each is
        due. 404 for an address that was replaced or stopped.
        """
        body = service.calendar(service.feed_owner(secret))
        response = Response(body, mimetype="text/calendar")
        response.headers["Content-Disposition"] = 'inline; filename="homeshare.ics"'
        return response
