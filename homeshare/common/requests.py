"""Per-request plumbing: request ids, JSON-only bodies, security headers, access log lines."""

from __future__ import annotations

import json
import logging
import re
import time
import types
import uuid
import weakref
from typing import Any, Callable

from flask import Flask, Response, g, request
from flask.sessions import SessionInterface

from homeshare.errors import problem_response

REQUEST_ID_HEADER = "X-Request-ID"
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

access_log = logging.getLogger("homeshare.access")

# The API answers JSON that no browser should render, frame or run: nothing may load.
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The interactive docs page loads Swagger UI, its styles and the API description from the
# service itself, and calls the API there: nothing inline, nothing from another host. Images may
# also be data: URLs, which swagger-ui.css holds for two of its icons.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-site",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
# Production runs behind HTTPS only; browsers remember to use it for a year.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def _assign_request_id() -> None:
    """Reuse a well-formed id from the load balancer or client; otherwise make one."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    context = g._get_current_object()  # type: ignore[attr-defined]
    context.request_id = incoming if _CLIENT_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    context.request_started = time.perf_counter()


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


def _finish(response: Response, headers_for_api: HeaderTable, headers_for_docs: HeaderTable, docs_path: str) -> Response:
    current, context = request._get_current_object(), g._get_current_object()  # type: ignore[attr-defined]
    path = current.path
    headers = response.headers
    present = {name.lower() for name in headers.keys()}
    request_id = context.get("request_id")
    if request_id:
        headers.set(REQUEST_ID_HEADER, request_id)
        present.add(REQUEST_ID_HEADER.lower())
    for name, lowered, value in headers_for_docs if path == docs_path else headers_for_api:
        if lowered not in present:
            headers.add(name, value)
    started = context.get("request_started")
    if started is not None and access_log.isEnabledFor(logging.INFO):
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        method, status, path = current.method, response.status_code, _logged_path(path, current.view_args)
        _log_access(method, path, status, duration_ms)
    return response


def _log_access(method: str, path: str, status: int, duration_ms: float) -> None:
    """The access line. Made as ``access_log.info`` makes it, but for the file and line of the
    call, which no format prints: finding them walked the stack on every request (1.5 % of
    ``GET /me``'s instructions)."""
    access_log.handle(access_log.makeRecord(
        access_log.name, logging.INFO, "", 0, "%s %s %s %.1fms", (method, path, status, duration_ms), None,
        extra={"method": method, "path": path, "status": status, "duration_ms": duration_ms},
    ))


# Path parts that are keys in themselves (a calendar feed's address): never written to the log.
SECRET_PATH_PARTS = frozenset({"secret"})


def _logged_path(path: str, view_args: dict | None) -> str:
    for name, value in (view_args or {}).items():
        if name in SECRET_PATH_PARTS and value:
            path = path.replace(str(value), "[secret]")
    return path


# (name, name in lower case, value) of each header a response gets unless it has it already.
HeaderTable = tuple[tuple[str, str, str], ...]


def security_headers(content_security_policy: str, production: bool) -> HeaderTable:
    """The security headers of a response: no caching, nothing loaded, rendered or framed; and
    in production, HTTPS only (browsers remember it for a year)."""
    chosen = {"Cache-Control": "no-store", **SECURITY_HEADERS, "Content-Security-Policy": content_security_policy}
    if production:
        chosen["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    return tuple((name, name.lower(), value) for name, value in chosen.items())


class Service(Flask):
    """The service's Flask app. Flask asks whether each hook and view is an ``async def``
    function every time it calls one (``ensure_sync``): fifteen times a request, about 1 µs each.
    The answer for a function never changes, so it is kept, for functions and methods (a
    method's answer is its function's), as long as the function lives: one made for a single
    request (an ``after_this_request`` closure) goes with it. Anything else, a partial say, is
    asked about afresh and never kept."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._synchronous: weakref.WeakKeyDictionary[Callable[..., Any], bool] = weakref.WeakKeyDictionary()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        kind = type(func)
        if kind is types.MethodType:
            key = func.__func__  # type: ignore[attr-defined]
        elif kind is types.FunctionType:
            key = func
        else:
            return super().ensure_sync(func)
        synchronous = self._synchronous.get(key)
        if synchronous is None:
            synchronous = self._synchronous[key] = super().ensure_sync(key) is key
        return func if synchronous else self.async_to_sync(func)


class NoCookieSession(SessionInterface):
    """The API keeps nothing in cookies: clients send a bearer token, and no view reads or
    writes ``flask.session``. Flask's default opened a signed cookie session on every request
    (building its signer each time: 15 to 25 µs a request, ``bench.request_parts``); this one
    opens none, and the null session Flask puts in its place refuses writes."""

    def open_session(self, app, request):
        return None

    def save_session(self, app, session, response) -> None:
        return None


def register_request_hooks(app: Flask) -> None:
    """The hooks around every request. The headers a response gets are worked out here once,
    and each response's names compared in one pass (``setdefault`` for each header scanned them
    all each time)."""
    config = app.config
    production = config["HOMESHARE_ENV"] == "production"
    headers_for_api = security_headers(API_CONTENT_SECURITY_POLICY, production)
    headers_for_docs = security_headers(DOCS_CONTENT_SECURITY_POLICY, production)
    docs_path = f"{config['OPENAPI_URL_PREFIX']}/{config['OPENAPI_SWAGGER_UI_PATH']}"

    def finish(response: Response) -> Response:
        return _finish(response, headers_for_api, headers_for_docs, docs_path)

    app.session_interface = NoCookieSession()
    app.before_request(_assign_request_id)
    app.before_request(_require_json_body)
    app.after_request(finish)


class RequestIdFilter(logging.Filter):
    """Adds the current request id (or "-") to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.request_id = g.get("request_id", "-")
        except RuntimeError:  # outside a request or app context
            record.request_id = "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors: time, level, logger, request id and
    message, the access log's fields, and the traceback of an error."""

    ACCESS_FIELDS = ("method", "path", "status", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        for field in self.ACCESS_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def log_formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        formatter: logging.Formatter = JsonFormatter()
        formatter.converter = time.gmtime
        return formatter
    return logging.Formatter(TEXT_FORMAT)


def process_logging_config(kind: str) -> dict:
    """A ``logging.config.dictConfig`` for a whole process (gunicorn's master and workers, the
    scheduler): with ``json``, every logger's lines, gunicorn's and the libraries' (APScheduler's
    job errors, their traceback in ``exception``) as well as ours, are one JSON object each.

    The root logger takes warnings and errors, gunicorn's error log its own level. The
    ``homeshare`` loggers keep the handler ``configure_logging`` gives them."""
    formatter = {"()": f"{__name__}.log_formatter", "kind": kind}
    if kind != "json":
        formatter = {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"homeshare": formatter},
        "handlers": {
            "error_console": {"class": "logging.StreamHandler", "formatter": "homeshare",
                              "stream": "ext://sys.stderr"},
        },
        "root": {"level": "WARNING", "handlers": ["error_console"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            # The app writes the access lines, without query strings (they could hold personal
            # data); gunicorn's, which hold them, are never written.
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
    }


def configure_logging(app: Flask) -> None:
    logger = logging.getLogger("homeshare")
    logger.setLevel(app.config["HOMESHARE_LOG_LEVEL"].upper())
    if not any(getattr(h, "_homeshare", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(log_formatter(app.config["HOMESHARE_LOG_FORMAT"]))
        handler.addFilter(RequestIdFilter())
        handler._homeshare = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        # Tests read records through the root logger (pytest's caplog).
        logger.propagate = app.config["HOMESHARE_ENV"] == "testing"
