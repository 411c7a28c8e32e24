"""Request and response bodies of the privacy endpoints."""

from __future__ import annotations

import marshmallow as ma

from homeshare.common.schemas import Schema


class ExportSchema(Schema):
    account = ma.fields.Dict()
    profile = ma.fields.Dict()
    vetting = ma.fields.Dict()
    matches = ma.fields.List(ma.fields.Dict())
    agreements = ma.fields.List(ma.fields.Dict())
    hours = ma.fields.List(ma.fields.Dict())
    checkin_answers = ma.fields.List(ma.fields.Dict())
    notifications = ma.fields.List(ma.fields.Dict())
    devices = ma.fields.List(ma.fields.Dict())
    concerns_raised = ma.fields.List(ma.fields.Dict())
    enquiries = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "The enquiries the scheme recorded before you joined, without its notes."})
