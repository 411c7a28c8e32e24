from __future__ import annotations

import marshmallow as ma

from homeshare.common.pagination import PageQuerySchema
from homeshare.common.schemas import Schema, bounded_string
from homeshare.conversations.models import WrittenAs
from homeshare.schemes.schemas import SchemeContactSchema, SchemeSummarySchema

MESSAGE_MAX_LENGTH = 5000


class NamedCoordinatorSchema(Schema):
    id = ma.fields.UUID()
    email = ma.fields.String(allow_none=True, metadata={"description": "Their work email (their login)."})
    display_name = ma.fields.String(allow_none=True, metadata={
        "description": "Their name, as they or an admin set it; null until set."})
    work_phone = ma.fields.String(allow_none=True, metadata={
        "description": "Their work phone (E.164), as they or an admin set it; null until set."})


class YourCoordinatorSchema(Schema):
    scheme = ma.fields.Nested(SchemeSummarySchema)
    contact = ma.fields.Nested(SchemeContactSchema, metadata={"description": "How to reach the scheme."})
    coordinator = ma.fields.Nested(NamedCoordinatorSchema, allow_none=True, metadata={
        "description": "The coordinator you turn to first; null until the scheme names one."})


class NameCoordinatorSchema(Schema):
    coordinator_id = ma.fields.UUID(required=True, allow_none=True, metadata={
        "description": "A coordinator of the person's scheme; null: none."})


class NewConversationSchema(Schema):
    conversation_id = ma.fields.UUID(load_default=None, metadata={
        "description": "An id you choose, so that sending the same request again makes no second conversation."})
    subject = bounded_string(200, required=True)
    body = bounded_string(MESSAGE_MAX_LENGTH, required=True, metadata={"description": "The first message."})


class NewMessageSchema(Schema):
    message_id = ma.fields.UUID(load_default=None, metadata={
        "description": "An id you choose, so that sending the same message again makes no second one."})
    body = bounded_string(MESSAGE_MAX_LENGTH, required=True)


class ConversationAssignmentSchema(Schema):
    assigned_coordinator_id = ma.fields.UUID(required=True, metadata={
        "description": "A coordinator of the conversation's scheme."})


class ConversationSchema(Schema):
    id = ma.fields.UUID()
    person_id = ma.fields.UUID()
    person_first_name = ma.fields.String(allow_none=True)
    person_last_name = ma.fields.String(allow_none=True)
    subject = ma.fields.String(allow_none=True, metadata={"description": "Null once the person was erased."})
    assigned_coordinator_id = ma.fields.UUID(allow_none=True, metadata={
        "description": "The coordinator it is handed to; null: every coordinator of the scheme."})
    started_by_id = ma.fields.UUID(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    last_message_at = ma.fields.AwareDateTime()
    messages = ma.fields.Integer(attribute="last_seq", metadata={"description": "How many messages it holds."})
    unread = ma.fields.Integer(metadata={"description": "Messages your side has not read."})
    person_erased = ma.fields.Boolean()


class ConversationMessageSchema(Schema):
    id = ma.fields.UUID()
    conversation_id = ma.fields.UUID()
    seq = ma.fields.Integer(metadata={"description": "Its number in the conversation, from 1."})
    author_id = ma.fields.UUID(allow_none=True, metadata={"description": "Who wrote it."})
    written_as = ma.fields.Enum(WrittenAs, by_value=True, metadata={
        "description": "`self`: the person; `representative`: their representative, for them; `coordinator`: a "
                       "coordinator of the scheme."})
    body = ma.fields.String(allow_none=True, metadata={"description": "Null once the person was erased."})
    created_at = ma.fields.AwareDateTime()


class UnreadMessagesSchema(Schema):
    unread = ma.fields.Integer(metadata={"description": "Messages your side has not read."})
    conversations = ma.fields.Integer(metadata={"description": "Conversations with any."})


class SchemeConversationQuerySchema(PageQuerySchema):
    unread = ma.fields.Boolean(metadata={"description": "true: only those with messages the coordinators have not "
                                                        "read; false: only those without."})
    assigned_coordinator_id = ma.fields.UUID()
    person_id = ma.fields.UUID()
