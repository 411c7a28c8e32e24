from __future__ import annotations

from flask.views import MethodView

from homeshare.accounts.models import Account
from homeshare.common.access import current_account, requires
from homeshare.common.pagination import PageQuerySchema, page_of
from homeshare.common.roles import MEMBER_ROLES, Role
from homeshare.extensions import Blueprint, documents_errors
from homeshare.questionnaires import service
from homeshare.questionnaires.models import Questionnaire
from homeshare.questionnaires.schemas import AnswersRequestSchema, QuestionnaireSchema

blp = Blueprint("questionnaires", __name__, url_prefix="/api/v1",
                description="Questionnaires: wellbeing, loneliness and the scheme's own items, with their scores.")

SCOPES = (service.SCOPE,)


@blp.route("/me/questionnaires")
class OwnQuestionnaires(MethodView):
    @blp.doc(operationId="listMyQuestionnaires")
    @requires(*MEMBER_ROLES)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_of(QuestionnaireSchema))
    def get(self, query):
        """Your questionnaires, the latest due first, with your scores over time

        The baseline asked at your approval and those asked 3, 6 and 12 months into a match and at
        its end: what each asks, whether it is open, and once answered your answers and scores.
        """
        return service.questionnaires_of(current_account(), page=query["page"], per_page=query["per_page"])


@blp.route("/represented/<uuid:represented_id>/questionnaires")
class RepresentedQuestionnaires(MethodView):
    @blp.doc(operationId="listRepresentedQuestionnaires")
    @requires(Role.REPRESENTATIVE, scopes=SCOPES)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_of(QuestionnaireSchema))
    @documents_errors(404)
    def get(self, query, represented: Account):
        """The questionnaires of someone you represent, with their scores (representatives)

        Needs the person's consent to let you answer their check-ins (`answer-checkins`); otherwise 404.
        """
        return service.questionnaires_of(represented, page=query["page"], per_page=query["per_page"])


@blp.route("/people/<uuid:person_id>/questionnaires")
class PersonQuestionnaires(MethodView):
    @blp.doc(operationId="listPersonQuestionnaires")
    @requires(Role.COORDINATOR)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_of(QuestionnaireSchema))
    @documents_errors(404)
    def get(self, query, person: Account):
        """A person's questionnaires, the latest due first, with their scores over time (coordinators)

        What the person sees in `GET /me/questionnaires`, for the coordinators of their scheme; a
        coordinator records a person's answers with `POST /questionnaires/{id}/answers` and `on_behalf`.
        """
        return service.questionnaires_of(person, page=query["page"], per_page=query["per_page"])


@blp.route("/questionnaires/<uuid:questionnaire_id>/answers")
class Answers(MethodView):
    @blp.doc(operationId="answerQuestionnaire")
    @requires(*MEMBER_ROLES, Role.COORDINATOR, Role.REPRESENTATIVE, scopes=SCOPES)
    @blp.arguments(AnswersRequestSchema)
    @blp.response(201, QuestionnaireSchema)
    @blp.alt_response(200, schema=QuestionnaireSchema, description="The same answers again: the stored ones.",
                    success=True)
    @documents_errors(404, 409)
    def post(self, data, questionnaire: Questionnaire):
        """Answer a questionnaire

        The person answers for themselves in the app, a representative whose scope allows it
        (`answer-checkins`) for the person they represent, and a coordinator records the answers a
        person gave by phone, in person or on paper (`on_behalf`). Every item of every instrument
        is required, each on its scale (422, nothing stored). Sending the same answers again
        returns the stored ones (200); other answers once it is answered are 409
        `questionnaire-answered`. 409 `questionnaire-not-open` before it opens, and
        `questionnaire-closed` for a baseline whose person's first trial has started, a follow-up whose
        match ended before its day, or a questionnaire whose instruments the scheme no longer asks.
        """
        found, created = service.answer(actor=current_account(), questionnaire=questionnaire,
                                        answers=data["answers"], on_behalf=data["on_behalf"])
        return found, 201 if created else 200
