"""Extension objects and the project's base classes for the API layer.

Subclass once here so that behaviour changes in one place: the ``Api`` documents
every error as problem details and writes the description the way client generators
read it best (``ContractPlugin``), the ``Blueprint`` knows how to document the errors a
route can return, and ``db`` uses one naming convention for constraints so that
migrations are identical on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import http
import re
from copy import deepcopy
from functools import wraps
from pathlib import Path
from typing import Any, Callable

import flask_smorest
import flask_swagger_ui
from apispec import BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.openapi import OpenAPIConverter
from flask import (
    abort, current_app, g, has_app_context, has_request_context, redirect, render_template_string, request,
    send_from_directory, url_for,
)
from flask_babel import Babel
from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask.views import MethodView
from flask_smorest.utils import prepare_response
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from webargs.flaskparser import FlaskParser
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from homeshare.errors import PROBLEM_CONTENT_TYPE, MalformedJson, ProblemSchema, UnstorableText, ValidationFailed

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Model(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


SAFE_METHODS = frozenset({"GET", "HEAD"})
READING_ENGINES = "homeshare.reading_engines"


class Session(FlaskSession):
    """Flask-SQLAlchemy's session, reading outside a transaction in GET and HEAD requests.

    On PostgreSQL a transaction costs two round trips of its own (``BEGIN`` before the first
    statement, ``ROLLBACK`` when the session closes): as much as the statements of a
    one-row read. In READ COMMITTED, PostgreSQL's default and the service's, each
    statement sees its own snapshot inside a transaction as outside one, so reads lose
    nothing by running in autocommit. Requests that may change data keep their transaction.
    A read that needs one (a server-side cursor, see ``homeshare.common.db.stream``) names
    the engine itself. The reading engine (its connections in autocommit, in a pool of their own)
    is made by ``homeshare.common.drivers.configure_engine`` for PostgreSQL; SQLite's driver
    opens no transaction for reads.

    The session is made when first used, and a request that reads nothing through it makes
    none: ``GET /me`` reads the signed-in account on the request's reading connection
    (``reading_connection``) and nothing else, and a session with its transaction costs about
    a tenth of that request's CPU. What the gate hands the session before it is made (the
    audit context, the account's scheme) waits for it (``with_the_session``). A session made in
    a GET or HEAD request reads on that same connection, the one the account was read on, and
    ends with the request (``end_of_request``).

    Each request has its own application context, and so its own session. Code that pushes
    one context around several requests (a test may) keeps a session made outside them, or in
    a request that may change data, across them: a GET reads on connections of its own beside
    it and does not see the context's uncommitted changes.
    """

    def __init__(self, db, **kwargs):
        super().__init__(db, **kwargs)
        self.reads_on = None
        if has_app_context():
            self.reads_on = g.get(READING_CONNECTION)
            if self.reads_on is not None:
                # The transaction SQLAlchemy began on the connection with the account's read
                # is the session's own: its commit commits (a read's audit event, on SQLite).
                self.join_transaction_mode = "control_fully"
            for prepare in g.pop(SESSION_TO_COME, ()):
                prepare(self)

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        # The reading connection answers for its engine too (SQLite's: the app's own engine,
        # which a streamed read names): a session holds one connection of each engine.
        if self.reads_on is not None and (bind is None or bind is self.reads_on.engine):
            return self.reads_on
        chosen = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if bind is None and has_request_context() and request.method in SAFE_METHODS:
            return reading_engine_for(chosen)
        return chosen


def reading_engine_for(engine: Any) -> Any:
    """The engine GET and HEAD requests read with in place of ``engine``: its reading engine on
    PostgreSQL, ``engine`` itself elsewhere."""
    return current_app.extensions.get(READING_ENGINES, {}).get(engine, engine)


SESSION_TO_COME = "homeshare_session_to_come"
READING_CONNECTION = "homeshare_reading_connection"


def with_the_session(prepare: Callable[[Session], None]) -> None:
    """Call ``prepare`` with this application context's session: now if it is made, or else as
    soon as it is (in ``Session.__init__``). A request that never makes its session needs none
    of it (``end_of_request`` drops what waited)."""
    if db.session.registry.has():
        prepare(db.session())
    else:
        g.setdefault(SESSION_TO_COME, []).append(prepare)


def reading_connection() -> Any:
    """The connection a GET or HEAD request reads on (in autocommit on PostgreSQL): taken from
    the reading engine (the app's own on SQLite) when first asked for, and given back at the end of
    the request (``end_of_request``). The session made in the request reads on it too: one
    connection a request, whether or not it makes a session (a streamed read on PostgreSQL
    takes one more, in a transaction: ``homeshare.common.db.stream``)."""
    held = g.get(READING_CONNECTION)
    if held is None:
        held = reading_engine_for(db.engine).connect()
        setattr(g, READING_CONNECTION, held)
    return held


def end_of_request(_error: BaseException | None = None) -> None:
    """At the end of each request (``teardown_request``): the session made on the request's
    reading connection is closed, then the connection given back, whatever happened; and what
    waited for a session never made is dropped, so that code that pushes one context around
    several requests (a test may) does not hand it to the next."""
    held = g.pop(READING_CONNECTION, None)
    g.pop(SESSION_TO_COME, None)
    if held is None:
        return
    try:
        if db.session.registry.has() and db.session().reads_on is held:
            db.session.remove()
    finally:
        held.close()


db = SQLAlchemy(model_class=Model, session_options={"class_": Session})
jwt = JWTManager()
cors = CORS()
# Translations (homeshare/translations): texts for people are rendered in the recipient's
# language (homeshare.common.languages), never the request's; the request's locale is English.
babel = Babel()


# The interactive docs page: Swagger UI from the pinned flask-swagger-ui package (its dist/
# folder is swagger-ui-dist, with Swagger UI's licence beside it), the page and its initializer
# from docs_page/. All of it is served from the service's own origin, so the page works offline
# and its Content-Security-Policy allows 'self' only (homeshare.common.requests).
SWAGGER_UI_DIST = Path(flask_swagger_ui.__file__).resolve().parent / "dist"
DOCS_PAGE = Path(__file__).resolve().parent / "docs_page"
DOCS_PAGE_TEMPLATE = (DOCS_PAGE / "swagger_ui.html").read_text()
DOCS_ASSETS = {
    "swagger-ui-bundle.js": SWAGGER_UI_DIST,
    "swagger-ui.css": SWAGGER_UI_DIST,
    "favicon-32x32.png": SWAGGER_UI_DIST,
    "swagger-initializer.js": DOCS_PAGE,
}
# The page names each file with ?v= and a digest of its content: a new version is a new URL,
# so browsers may keep a file as long as they like.
DOCS_ASSET_VERSIONS = {
    name: hashlib.sha256((folder / name).read_bytes()).hexdigest()[:16] for name, folder in DOCS_ASSETS.items()
}
DOCS_ASSET_MAX_AGE = 365 * 24 * 3600


# A response property that may be left out says when, in these words (``absent_when`` in a
# field's metadata writes them); every other property of a response is always there.
ABSENT_WHEN = "Absent when "


# The schema that holds null and nothing else, in OpenAPI 3.0 (which has no null type).
NULL_ONLY = {"type": "object", "nullable": True, "enum": [None]}


class ContractConverter(OpenAPIConverter):
    """apispec's field converter, writing fields as OpenAPI 3.0 client generators read them.

    - A nullable nested object is ``anyOf: [$ref, NULL_ONLY]``: the object, or null. apispec
      writes ``anyOf: [$ref, {type: object, nullable: true}]``, whose second branch allows any
      object, so generators make an anonymous model of it. ``allOf: [$ref]`` beside
      ``nullable: true`` does not do either: OpenAPI 3.0.3's ``nullable`` cannot lift the
      referenced schema's ``type: object``, so Redocly refuses a null example of it and
      openapi-python-client types it as never null.
    - An enum says its ``type``; a nullable one also lists ``null`` among its values.
    - ``metadata={"absent_when": "..."}`` on a response field says when it is left out.
    """

    def init_attribute_functions(self):
        super().init_attribute_functions()
        self.attribute_functions.extend([self.enum2type, self.absent2description])

    def field2nullable(self, field, ret) -> dict:
        if not field.allow_none:
            return {}
        if "$ref" in ret:
            return {"anyOf": [{"$ref": ret.pop("$ref")}, dict(NULL_ONLY, enum=[None])]}
        if "allOf" in ret:
            return {"anyOf": [*ret.pop("allOf"), dict(NULL_ONLY, enum=[None])]}
        return {"nullable": True}

    def enum2type(self, field, ret) -> dict:
        values = [value for value in ret.get("enum", ()) if value is not None]
        if "type" in ret or not values:
            return {}
        for kind, python_types in (("boolean", {bool}), ("integer", {int}), ("string", {str})):
            if {type(value) for value in values} <= python_types:
                return {"type": kind}
        return {}

    def absent2description(self, field, ret) -> dict:
        absent_when = field.metadata.get("absent_when")
        if not absent_when:
            return {}
        described = ret.get("description", "")
        return {"description": f"{described} {ABSENT_WHEN}{absent_when}.".strip()}


class ContractMarshmallowPlugin(MarshmallowPlugin):
    Converter = ContractConverter


SUCCESS_STATUSES = re.compile(r"2[0-9][0-9]")
COMPOSITIONS = ("allOf", "anyOf", "oneOf")


class ContractPlugin(BasePlugin):
    """What every operation says, decided once rather than route by route.

    - An operation that no ``requires`` guards is public: ``security: []`` says so (guarded
      ones say ``bearerAuth``, see ``documents_bearer_auth``).
    - Response bodies are dumped from objects that carry every field, so every property of a
      schema a success response reaches is ``required``, unless its field says when it is
      absent (``ABSENT_WHEN``). A value that may be missing is ``nullable`` instead.

    It runs after the marshmallow plugin has turned each operation's schemas into references.
    """

    def init_spec(self, spec):
        super().init_spec(spec)
        self.spec = spec

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            operation.setdefault("security", [])
            for status, response in operation.get("responses", {}).items():
                if SUCCESS_STATUSES.fullmatch(str(status)) and isinstance(response, dict):
                    for media in response.get("content", {}).values():
                        self._require_present(media.get("schema"), set())

    def _require_present(self, schema, seen: set[str]) -> None:
        if not isinstance(schema, dict):
            return
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                self._require_present(self.spec.components.schemas.get(name), seen)
            return
        properties = schema.get("properties") or {}
        declared = set(schema.get("required", ()))
        required = [name for name, value in properties.items()
                    if name in declared or ABSENT_WHEN not in value.get("description", "")]
        if required:
            schema["required"] = required
        for value in properties.values():
            self._require_present(value, seen)
        for key in ("items", "additionalProperties"):
            self._require_present(schema.get(key), seen)
        for key in COMPOSITIONS:
            for part in schema.get(key, ()):
                self._require_present(part, seen)


class Api(flask_smorest.Api):
    """flask-smorest's Api with problem-details errors, a description for client generators
    and a self-contained docs page.

    Error handlers live in ``homeshare.common.error_handlers`` (one shape for every error,
    including the ones Flask, webargs and flask-jwt-extended raise); the Api only documents it.

    flask-smorest's Swagger UI page loads its files from a CDN and starts them with an inline
    script; this one serves them itself (at ``OPENAPI_SWAGGER_UI_PATH``, its files under
    ``/assets/`` below it) and starts Swagger UI from one of those files, not an inline script.
    """

    DEFAULT_ERROR_CONTENT_TYPE = PROBLEM_CONTENT_TYPE

    def _register_swagger_ui_rule(self, blueprint):
        path = self.config.get("OPENAPI_SWAGGER_UI_PATH")
        if path is None:
            return
        path = "/" + path.strip("/")
        blueprint.add_url_rule(path, endpoint="openapi_swagger_ui", view_func=self._openapi_swagger_ui)
        blueprint.add_url_rule(f"{path}/", endpoint="openapi_swagger_ui_slash", view_func=self._docs_redirect)
        blueprint.add_url_rule(f"{path}/assets/<name>", endpoint="openapi_docs_asset", view_func=_docs_asset)

    def _openapi_swagger_ui(self):
        blueprint = self._make_doc_blueprint_name()
        assets = {name: url_for(f"{blueprint}.openapi_docs_asset", name=name, v=digest)
                  for name, digest in DOCS_ASSET_VERSIONS.items()}
        return render_template_string(
            DOCS_PAGE_TEMPLATE, title=self.spec.title, spec_url=url_for(f"{blueprint}.openapi_json"), assets=assets,
        )

    def _docs_redirect(self):
        return redirect(url_for(f"{self._make_doc_blueprint_name()}.openapi_swagger_ui"), 308)

    def _init_spec(self, **kwargs):
        kwargs.setdefault("marshmallow_plugin", ContractMarshmallowPlugin())
        kwargs["extra_plugins"] = [*(kwargs.get("extra_plugins") or ()), ContractPlugin()]
        super()._init_spec(**kwargs)

    def _register_pagination_header(self):
        # Lists carry their pagination in the body (homeshare.common.pagination), never in
        # flask-smorest's header, whose schema would otherwise sit unused in the description.
        pass

    def _register_error_handlers(self):
        # homeshare.common.error_handlers owns every handler.
        pass

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": RESPONSE_DESCRIPTIONS.get(status, status.phrase)}
            if status >= 400:
                response["schema"] = ProblemSchema
            prepare_response(response, self.spec, self.DEFAULT_ERROR_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Any other error", "schema": ProblemSchema}
        prepare_response(response, self.spec, self.DEFAULT_ERROR_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def _docs_asset(name: str):
    folder = DOCS_ASSETS.get(name)
    if folder is None:
        abort(404)
    return send_from_directory(folder, name, max_age=DOCS_ASSET_MAX_AGE)


RESPONSE_DESCRIPTIONS = {
    http.HTTPStatus.BAD_REQUEST: (
        "The body is not JSON that can be read (`urn:homeshare:problem:malformed-json`), or holds "
        "text no database can store, a NUL character or an unpaired surrogate "
        "(`urn:homeshare:problem:unstorable-text`)."
    ),
}


class StrictParser(FlaskParser):
    """Unknown names are refused in query strings as in bodies (the schemas say RAISE).

    A body must also be JSON that Python can hold and the database can store: nesting too
    deep to decode or numbers too long to convert are malformed JSON (400), and text with
    NUL characters or unpaired surrogates is refused (400) before any field sees it.
    """

    DEFAULT_UNKNOWN_BY_LOCATION: dict = {}

    def _raw_load_json(self, req):
        try:
            data = super()._raw_load_json(req)
        except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
            self._handle_invalid_json_error(error, req)
        if not _storable(data):
            raise UnstorableText(
                "The request body holds text that cannot be stored (a NUL character or an unpaired surrogate).")
        return data

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        raise MalformedJson("The request body is not valid JSON.") from error


def _storable(data) -> bool:
    """No string in ``data`` holds a NUL character or an unpaired surrogate."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return False
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, holding requests to what the description says of them.

    A JSON body documented as required (flask-smorest's default) is refused when absent (422),
    instead of being read as an empty object: a change sent without its body is a client's
    mistake, never a change that succeeds doing nothing. An operation that reads a JSON body
    documents the 400 the parser gives for one it cannot read or store.

    An operation with no query schema has no query parameter: any query string it is sent is
    refused (422, each name an unknown field), as the parser refuses unknown names where there
    is a schema. A client that sends ``?role=admin`` learns that nothing reads it.
    """

    ARGUMENTS_PARSER = StrictParser()

    def add_url_rule(self, rule, endpoint=None, view_func=None, provide_automatic_options=None, **kwargs):
        if isinstance(view_func, type) and issubclass(view_func, MethodView):
            for method in view_func.methods or ():
                function = getattr(view_func, method.lower(), None)
                if function is not None:
                    setattr(view_func, method.lower(), _refusing_unread_query(function))
        elif view_func is not None:
            view_func = _refusing_unread_query(view_func)
        return super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **kwargs)

    def arguments(self, schema, *, location="json", required=True, **kwargs):
        decorator = super().arguments(schema, location=location, required=required, **kwargs)
        if location != "json":
            return decorator

        def reading_a_body(func):
            view = decorator(func)
            if required:
                view = _requiring_a_body(view)
            return documents_errors(400)(view)

        return reading_a_body


# The authorisation gate (homeshare.common.access.requires) hands a request it lets through to
# the function in this attribute of its wrapper, looked up at each call: what the Blueprint puts
# there runs after the gate, as the parser does.
PAST_THE_GATE = "past_the_gate"


def _refusing_unread_query(function):
    """``function``, refusing any query string unless it reads one: after the gate if it has one,
    so that a caller the gate stops hears about permission whatever they send."""
    parameters = getattr(function, "_apidoc", {}).get("arguments", {}).get("parameters", ())
    if any(parameter.get("in") == "query" for parameter in parameters):
        return function
    gate = _gate_in(function)
    if gate is not None:
        setattr(gate, PAST_THE_GATE, _refusing_query_strings(getattr(gate, PAST_THE_GATE)))
        return documents_errors(422)(function)
    return documents_errors(422)(_refusing_query_strings(function))


def _gate_in(function):
    """The gate's own wrapper among the decorators of ``function``, if any: the innermost that
    holds ``PAST_THE_GATE`` (decorators above it, ``wraps``-made, hold a copy of it)."""
    gate = None
    while function is not None:
        if PAST_THE_GATE in vars(function):
            gate = function
        function = getattr(function, "__wrapped__", None)
    return gate


def _refusing_query_strings(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.args:
            raise ValidationFailed({name: ["Unknown field."] for name in request.args})
        return current_app.ensure_sync(view)(*args, **kwargs)

    return wrapper


def _requiring_a_body(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not _has_body():
            raise ValidationFailed({"json": ["A JSON request body is required."]})
        return view(*args, **kwargs)

    return wrapper


def _has_body() -> bool:
    return bool(request.content_length) or request.headers.get("Transfer-Encoding") == "chunked"


BEARER_SECURITY = [{"bearerAuth": []}]


def documents_errors(*status_codes: int):
    """Document, in the OpenAPI description, the error responses a view can return."""

    def decorator(func):
        func._apidoc = deepcopy(getattr(func, "_apidoc", {}))
        responses = func._apidoc.setdefault("response", {}).setdefault("responses", {})
        for code in status_codes:
            entries = responses.setdefault(code, [])
            name = http.HTTPStatus(code).name
            if name not in entries:
                entries.append(name)
        return func

    return decorator


def documents_bearer_auth(func):
    """Mark a view as needing a bearer access token in the OpenAPI description."""
    func._apidoc = deepcopy(getattr(func, "_apidoc", {}))
    manual = func._apidoc.setdefault("manual_doc", {})
    manual["security"] = BEARER_SECURITY
    return func

