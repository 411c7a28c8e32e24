from __future__ import annotations

import marshmallow as ma

from homeshare.common.schemas import Schema


class CalendarLinkSchema(Schema):
    url = ma.fields.String(metadata={
        "description": "The calendar's address, shown this once: subscribe to it from a phone's calendar. Anyone "
                       "who has it can read the calendar; make a new one to stop the old one working."})
    created_at = ma.fields.AwareDateTime()
