from __future__ import annotations

from flask.views import MethodView

from homeshare.accounts.models import Account
from homeshare.common.access import current_account, requires
from homeshare.common.pagination import PageQuerySchema, page_of
from homeshare.common.roles import MEMBER_ROLES, Role
from homeshare.conversations import service
from homeshare.conversations.models import Conversation
from homeshare.conversations.schemas import (
    ConversationAssignmentSchema,
    ConversationSchema,
    ConversationMessageSchema,
    NameCoordinatorSchema,
    NewMessageSchema,
    SchemeConversationQuerySchema,
    NewConversationSchema,
    UnreadMessagesSchema,
    YourCoordinatorSchema,
)
from homeshare.extensions import Blueprint, documents_errors
from homeshare.schemes.models import Scheme

blp = Blueprint("conversations", __name__, url_prefix="/api/v1",
                description="Your coordinator: the scheme's contact details, your named coordinator, conversations.")

SCOPES = (service.SCOPE,)
IN_A_CONVERSATION = (*MEMBER_ROLES, Role.COORDINATOR, Role.REPRESENTATIVE)


@blp.route("/me/coordinator")
class OwnCoordinator(MethodView):
    @blp.doc(operationId="getMyCoordinator")
    @requires(*MEMBER_ROLES)
    @blp.response(200, YourCoordinatorSchema)
    def get(self):
        """How to reach your scheme, and your named coordinator

        The scheme's phone, email, office hours and what to do in an emergency, and the coordinator
        you turn to first (null until the scheme names one).
        """
        return service.your_coordinator(current_account())


@blp.route("/represented/<uuid:represented_id>/coordinator")
class RepresentedCoordinator(MethodView):
    @blp.doc(operationId="getRepresentedCoordinator")
    @requires(Role.REPRESENTATIVE)
    @blp.response(200, YourCoordinatorSchema)
    @documents_errors(404)
    def get(self, represented: Account):
        """How to reach the scheme of a person you represent, and their named coordinator (representatives)

        What the person sees in `GET /me/coordinator`, for any representative of theirs.
        """
        return service.your_coordinator(represented)


@blp.route("/people/<uuid:person_id>/coordinator")
class PersonCoordinator(MethodView):
    @blp.doc(operationId="setPersonCoordinator")
    @requires(Role.COORDINATOR)
    @blp.arguments(NameCoordinatorSchema)
    @blp.response(200, YourCoordinatorSchema)
    @documents_errors(404)
    def put(self, data, person: Account):
        """Name the coordinator a person turns to first (coordinators; audited)

        A coordinator of the person's scheme (422 for anyone else); null names none. The person's
        new conversations are handed to them.
        """
        return service.name_coordinator(actor=current_account(), person=person, coordinator_id=data["coordinator_id"])


@blp.route("/me/conversations")
class OwnConversations(MethodView):
    @blp.doc(operationId="listMyConversations")
    @requires(*MEMBER_ROLES)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_of(ConversationSchema))
    def get(self, query):
        """Your conversations with your coordinators, the latest first

        Each with how many messages you have not read.
        """
        return service.of_person(current_account(), page=query["page"], per_page=query["per_page"])

    @blp.doc(operationId="startConversation")
    @requires(*MEMBER_ROLES)
    @blp.arguments(NewConversationSchema)
    @blp.response(201, ConversationSchema, description="The conversation was started.")
    @blp.alt_response(200, schema=ConversationSchema, description="The same conversation_id again: the conversation "
                      "started before.", success=True)
    @documents_errors(409)
    def post(self, data):
        """Start a conversation with your coordinators

        A subject and a first message. It goes to your named coordinator when you have one,
        otherwise to every coordinator of your scheme.
        """
        actor = current_account()
        conversation, created = service.start(actor=actor, person=actor, values=data)
        return conversation, 201 if created else 200


@blp.route("/represented/<uuid:represented_id>/conversations")
class RepresentedConversations(MethodView):
    @blp.doc(operationId="listRepresentedConversations")
    @requires(Role.REPRESENTATIVE, scopes=SCOPES)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_of(ConversationSchema))
    @documents_errors(404)
    def get(self, query, represented: Account):
        """The conversations of a person you represent (representatives who may raise concerns)

        What the person sees in `GET /me/conversations`.
        """
        return service.of_person(represented, page=query["page"], per_page=query["per_page"])

    @blp.doc(operationId="startRepresentedConversation")
    @requires(Role.REPRESENTATIVE, scopes=SCOPES)
    @blp.arguments(NewConversationSchema)
    @blp.response(201, ConversationSchema, description="The conversation was started.")
    @blp.alt_response(200, schema=ConversationSchema, description="The same conversation_id again: the conversation "
                      "started before.", success=True)
    @documents_errors(404, 409)
    def post(self, data, represented: Account):
        """Start a conversation with the coordinators for a person you represent (representatives)

        As the person would; the messages say you wrote them.
        """
        conversation, created = service.start(actor=current_account(), person=represented, values=data)
        return conversation, 201 if created else 200


@blp.route("/me/conversations/unread-count")
class Unread(MethodView):
    @blp.doc(operationId="countUnreadConversationMessages")
    @requires(*IN_A_CONVERSATION)
    @blp.response(200, UnreadMessagesSchema)
    def get(self):
        """How many messages your side has not read, over every conversation you see

        For a householder or sharer their own; for a representative those of the people they
        represent; for a coordinator the scheme's.
        """
        return service.unread_count(current_account())


@blp.route("/schemes/<uuid:scheme_id>/conversations")
class SchemeConversations(MethodView):
    @blp.doc(operationId="listSchemeConversations")
    @requires(Role.COORDINATOR)
    @blp.arguments(SchemeConversationQuerySchema, location="query")
    @blp.response(200, page_of(ConversationSchema))
    @documents_errors(404)
    def get(self, query, scheme: Scheme):
        """Your scheme's conversations, the latest first (coordinators)

        With the person's name and what the coordinators have not read; filtered by unread,
        by the coordinator it is handed to and by person.
        """
        return service.of_scheme(scheme_id=scheme.id, unread=query.get("unread"),
                                 assigned_coordinator_id=query.get("assigned_coordinator_id"),
                                 person_id=query.get("person_id"), page=query["page"], per_page=query["per_page"])


@blp.route("/conversations/<uuid:conversation_id>")
class ConversationDetail(MethodView):
    @blp.doc(operationId="getConversation")
    @requires(*IN_A_CONVERSATION, scopes=SCOPES)
    @blp.response(200, ConversationSchema)
    @documents_errors(404)
    def get(self, conversation: Conversation):
        """A conversation, with what your side has not read

        Its messages are `GET /conversations/{conversation_id}/messages`.
        """
        return service.with_details(conversation, service.side_of(current_account()))


@blp.route("/conversations/<uuid:conversation_id>/messages")
class Messages(MethodView):
    @blp.doc(operationId="listConversationMessages")
    @requires(*IN_A_CONVERSATION, scopes=SCOPES)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_of(ConversationMessageSchema))
    @documents_errors(404)
    def get(self, query, conversation: Conversation):
        """A conversation's messages, the newest first; reading them marks them read for your side

        Your side's last-read marker moves to the newest message of the page you read.
        """
        return service.messages(actor=current_account(), conversation=conversation, page=query["page"],
                                per_page=query["per_page"])

    @blp.doc(operationId="postConversationMessage")
    @requires(*IN_A_CONVERSATION, scopes=SCOPES)
    @blp.arguments(NewMessageSchema)
    @blp.response(201, ConversationMessageSchema, description="The message was sent.")
    @blp.alt_response(200, schema=ConversationMessageSchema, description="The same message_id again: the message sent before.",
                      success=True)
    @documents_errors(404, 409)
    def post(self, data, conversation: Conversation):
        """Write in a conversation

        The other side is told once: the person (and their representatives who receive their
        notifications), or the coordinator it is handed to, else every coordinator of the scheme.
        """
        message, created = service.post(actor=current_account(), conversation=conversation, values=data)
        return message, 201 if created else 200


@blp.route("/conversations/<uuid:conversation_id>/assignment")
class Assignment(MethodView):
    @blp.doc(operationId="assignConversation")
    @requires(Role.COORDINATOR)
    @blp.arguments(ConversationAssignmentSchema)
    @blp.response(200, ConversationSchema)
    @documents_errors(404)
    def put(self, data, conversation: Conversation):
        """Hand a conversation to a coordinator of the scheme (coordinators; audited)

        Its new messages are told to that coordinator.
        """
        return service.assign(actor=current_account(), conversation=conversation,
                              coordinator_id=data["assigned_coordinator_id"])
