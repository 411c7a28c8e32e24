from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from homeshare.accounts.throttling import EXTENSION_KEY as LIMITER
from homeshare.common.error_handlers import DATABASE_RETRY_AFTER_SECONDS
from homeshare.errors import problem_response
from homeshare.extensions import Blueprint, db, documents_errors
from homeshare.health.schemas import HealthSchema, ReadinessSchema

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
    @blp.response(200, ReadinessSchema)
    @documents_errors(503)
    def get(self):
        """The process can serve requests: its database answers

        For the load balancer or the orchestrator: 503 while the database does not answer, so
        that no request is sent here. For the operator, the state of the Redis that counts
        sign-in attempts, when there is one: the service serves without it (200), unthrottled.
        """
        try:
            db.session.execute(sa.text("SELECT 1"))
        except SQLAlchemyError:
            db.session.rollback()
            return problem_response(
                503, "The database does not answer.", kind="not-ready", headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}
            )
        ready = {"status": "ok", "database": "ok"}
        if current_app.config["HOMESHARE_RATELIMIT_STORAGE_URI"].startswith("redis"):
            ready["rate_limit_storage"] = _storage_state()
        return ready


def _storage_state() -> str:
    """``ok`` when the rate-limit storage answers a ping (within its short timeouts)."""
    try:
        answers = current_app.extensions[LIMITER].storage.check()
    except Exception:  # any failure to reach it is the same news for the operator
        answers = False
    return "ok" if answers else "unavailable"
