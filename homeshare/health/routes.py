from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView

from homeshare.health.schemas import HealthSchema
from sqlalchemy.exc import SQLAlchemyError

from homeshare.common.error_handlers import DATABASE_RETRY_AFTER_SECONDS
from homeshare.errors import problem_response
from homeshare.extensions import Blueprint, db, documents_errors

blp = Blueprint("health", __name__, url_prefix="", description="Probes for load balancers.")


@blp.route("/healthz")
class Health(MethodView):
    @blp.doc(operationId="checkLiveness")
    @blp.response(200, HealthSchema)
    def get(self):
        """The process is alive

        For the load balancer or the orchestrator: answers while the process runs, without
        touching the database.
        """
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.doc(operationId="checkReadiness")
    @blp.response(200, HealthSchema)
    @documents_errors(503)
    def get(self):
        """The process can serve requests: its database answers

        For the load balancer or the orchestrator: 503 while the database does not answer, so
        that no request is sent here.
        """
        try:
            db.session.execute(sa.text("SELECT 1"))
        except SQLAlchemyError:
            db.session.rollback()
            return problem_response(
                503, "The database does not answer.", kind="not-ready", headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}
            )
        return {"status": "ok"}
