"""Per-request plumbing: request ids, JSON-only bodies, access log lines."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

from homeshare.errors import problem_response

REQUEST_ID_HEADER = "X-Request-ID"
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

access_log = logging.getLogger("homeshare.access")


def _assign_request_id() -> None:
    """Reuse a well-formed id from the load balancer or client; otherwise make one."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _CLIENT_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _require_json_body() -> Response | None:
    if request.method not in _BODY_METHODS:
        return None
    has_body = bool(request.content_length) or request.headers.get("Transfer-Encoding") == "chunked"
    if has_body and not request.is_json:
        return problem_response(
            415,
            "Request bodies must be JSON, sent with Content-Type: application/json.",
            kind="unsupported-media-type",
        )
    return None


def _finish(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    started = g.get("request_started")
    if started is not None:
        access_log.info(
            "%s %s %s %.1fms",
            request.method,
            request.path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
    return response


def register_request_hooks(app: Flask) -> None:
    app.before_request(_assign_request_id)
    app.before_request(_require_json_body)
    app.after_request(_finish)


class RequestIdFilter(logging.Filter):
    """Adds the current request id (or "-") to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.request_id = g.get("request_id", "-")
        except RuntimeError:  # outside a request or app context
            record.request_id = "-"
        return True


def configure_logging(app: Flask) -> None:
    logger = logging.getLogger("homeshare")
    logger.setLevel(app.config["HOMESHARE_LOG_LEVEL"].upper())
    if not any(getattr(h, "_homeshare", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
        handler.addFilter(RequestIdFilter())
        handler._homeshare = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        # Tests read records through the root logger (pytest's caplog).
        logger.propagate = app.config["HOMESHARE_ENV"] == "testing"
