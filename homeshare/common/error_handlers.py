"""Every exception a request can raise, rendered in the one error shape (``homeshare.errors``).

Our own errors render themselves; Flask's and Werkzeug's, webargs' validation errors and the
database's are translated here, and anything unexpected is logged and answered with a 500
that says nothing of the cause.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping

from flask import Flask, Response
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from homeshare.errors import STALE_DETAIL, ApiError, problem_response
from homeshare.extensions import db

log = logging.getLogger("homeshare.errors")

DATABASE_RETRY_AFTER_SECONDS = 5


def _validation_errors(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """webargs namespaces messages by location ({"json": {...}}); clients want fields."""
    messages = data.get("messages") or {}
    flat: dict[str, Any] = {}
    for location, fields in messages.items():
        if isinstance(fields, Mapping):
            flat.update(fields)
        else:
            flat[location] = fields
    return flat or None


def handle_api_error(error: ApiError) -> Response:
    return error.to_response()


def handle_http_exception(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    status = error.code or 500
    headers = dict(data.get("headers") or {})
    if status == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 422:
        return problem_response(
            422,
            "The request has invalid values.",
            kind="validation-error",
            errors=_validation_errors(data),
            headers=headers,
        )
    detail = data.get("message") or _HTTP_DETAILS.get(status) or error.description
    return problem_response(status, detail, headers=headers)


_HTTP_DETAILS = {
    404: "There is nothing at this address.",
    405: "This address does not accept that method.",
    413: "The request body is larger than this service accepts.",
    415: "Request bodies must be JSON, sent with Content-Type: application/json.",
}


def handle_integrity_error(error: IntegrityError) -> Response:
    db.session.rollback()
    log.warning("integrity error: %s", error.orig.__class__.__name__)
    return problem_response(409, "The change conflicts with data already stored.", kind="conflict")


def handle_data_error(error: DataError) -> Response:
    """A value the database refuses (a safety net: schemas should refuse it first)."""
    db.session.rollback()
    log.warning("data error: %s", error.orig.__class__.__name__)
    return problem_response(422, "A value is outside what can be stored.", kind="validation-error")


def handle_database_unavailable(error: DBAPIError) -> Response:
    db.session.rollback()
    log.error("database unavailable: %s", error.orig.__class__.__name__)
    return problem_response(
        503,
        "The service cannot reach its database just now. Please try again shortly.",
        kind="database-unavailable",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


def handle_stale_data(error: StaleDataError) -> Response:
    """A conditional write lost a race with another writer: nothing of it was stored."""
    db.session.rollback()
    return problem_response(409, STALE_DETAIL, kind="concurrent-change")


def handle_unexpected(error: Exception) -> Response:
    db.session.rollback()
    log.exception("unhandled error")
    return problem_response(500, "Something went wrong on our side. It has been logged.")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(DataError, handle_data_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(StaleDataError, handle_stale_data)
    app.register_error_handler(Exception, handle_unexpected)
