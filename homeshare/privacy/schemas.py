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
    questionnaires = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "Your questionnaires: their answers and scores, and whose hand the answers came by."})
    trial_review_views = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "The person's views of their trials, each with its match and round."})
    meeting_feedback = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "The person's feedback on the meetings of their matches, each with its meeting_id."})
    done_on_behalf = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "What others did for the person, oldest first: a coordinator recording the person's view "
                       "(`given_as` `on-behalf`, with how and when they gave it) or a representative "
                       "(`proxy`); who recorded it, and the record it made (`target_type`, `target_id`)."})
    representatives = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "The person's representatives, live and removed: who, their relationship, the consent "
                       "and its scope."})
    notifications = ma.fields.List(ma.fields.Dict())
    devices = ma.fields.List(ma.fields.Dict())
    notification_choices = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "The channels the person turned on or off, by kind and channel (`kind`, `channel`, "
                       "`enabled`); a kind not listed keeps its defaults."})
    quiet_hours = ma.fields.Dict(allow_none=True, metadata={
        "description": "The person's quiet hours (`starts_at`, `ends_at`, local times), or null."})
    concerns_raised = ma.fields.List(ma.fields.Dict())
    conversations = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "The person's conversations with the scheme's coordinators, oldest first, each with every "
                       "message: who wrote it (`author_id`) and by whose hand (`written_as`)."})
    enquiries = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "The enquiries the scheme recorded before you joined, without its notes."})
