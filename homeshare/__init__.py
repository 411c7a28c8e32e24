"""Homeshare: the backend Homeshare schemes run to pair householders with sharers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from flask import Flask
from sqlalchemy.orm import configure_mappers

from homeshare.common.requests import Service
from homeshare.config import finalise, load_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent
API_TITLE = "Homeshare API"
API_VERSION = "1.0.0"


def create_app(config: Mapping[str, Any] | None = None, *, migrations: bool = True) -> Flask:
    """Build the application. ``config`` overrides what the environment says. ``migrations``:
    whether it carries ``flask db`` and Flask-Migrate's functions (Alembic, about 12 MB a
    process); the API processes do without (``wsgi.py``)."""
    settings = load_config()
    settings.update(config or {})
    instance_path = Path(settings.get("HOMESHARE_INSTANCE_PATH") or PROJECT_ROOT / "instance").resolve()
    settings = finalise(settings, instance_path)

    app = Service(__name__, instance_path=str(instance_path))
    app.config.update(_framework_defaults(settings))
    app.config.update(settings)

    register_logging(app)
    register_extensions(app)
    register_authorisation(app)
    register_events()
    register_audit(app)
    register_error_handlers(app)
    register_request_hooks(app)
    register_blueprints(app)
    register_throttling(app)
    register_commands(app)
    if migrations:
        register_migrations(app)
    # Every model is imported by now: their mappers are set up here once, not by whichever
    # request first reads through the ORM (one that reads none still makes ORM objects).
    configure_mappers()
    return app


def _json(value: Any) -> str:
    # Stored as written (no \u escapes), so the database and Python see the same letters.
    return json.dumps(value, ensure_ascii=False)


def _framework_defaults(settings: Mapping[str, Any]) -> dict[str, Any]:
    # hide_parameters: database errors never carry the values of a statement (personal
    # data) into messages and logs.
    engine_options: dict[str, Any] = {"json_serializer": _json, "hide_parameters": True}
    if settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        engine_options = {"connect_args": {"timeout": 15}, "json_serializer": _json, "hide_parameters": True}
    return {
        "TESTING": settings["HOMESHARE_ENV"] == "testing",
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "SQLALCHEMY_RECORD_QUERIES": False,
        "JSON_SORT_KEYS": False,
        "API_TITLE": API_TITLE,
        "API_VERSION": API_VERSION,
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        # Swagger UI, served with its files from the service itself (homeshare.extensions.Api).
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "API_SPEC_OPTIONS": {
            "info": {
                "description": (
                    "The API that Homeshare schemes, their coordinators and the people they "
                    "match use. Every error is problem details (RFC 9457). Text in requests may not "
                    "hold NUL characters (400, since no database can store them)."
                ),
                "license": {"name": "AGPL-3.0-or-later", "url": "https://www.gnu.org/licenses/agpl-3.0.html"},
            },
            # Relative: the paths hold the /api/v1 prefix, and the probes sit at the root.
            "servers": [{"url": "/", "description": "The service that serves this description."}],
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
            },
        },
    }


def register_logging(app: Flask) -> None:
    from homeshare.common.requests import configure_logging

    configure_logging(app)


def register_migrations(app: Flask) -> None:
    from flask_migrate import Migrate

    from homeshare.extensions import db

    Migrate(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)


def register_extensions(app: Flask) -> None:
    from homeshare.accounts.tokens import configure_jwt
    from homeshare.common.drivers import configure_engine
    from homeshare.common.languages import ENGLISH
    from homeshare.extensions import Api, babel, cors, db, end_of_request

    db.init_app(app)
    app.teardown_request(end_of_request)
    configure_engine(app)
    configure_jwt(app)
    babel.init_app(app, default_locale=ENGLISH, default_timezone="UTC")
    app.extensions["homeshare.api"] = Api(app)
    origins = app.config["HOMESHARE_CORS_ORIGINS"]
    cors.init_app(
        app,
        resources={r"/api/*": {"origins": origins}} if origins else {},
        expose_headers=["X-Request-ID", "ETag", "Retry-After"],
    )


def register_authorisation(app: Flask) -> None:
    """Tell the one authorisation gate how each object a path names is reached."""
    from homeshare.accounts.access import ACCOUNT, PERSON
    from homeshare.behalf.access import REPRESENTATION, REPRESENTED
    from homeshare.common.access import register_path_objects
    from homeshare.concerns.access import CONCERN
    from homeshare.conversations.access import CONVERSATION
    from homeshare.enquiries.access import ENQUIRY
    from homeshare.matching.access import MATCH
    from homeshare.meetings.access import MEETING
    from homeshare.questionnaires.access import QUESTIONNAIRE
    from homeshare.schemes.access import SCHEME

    register_path_objects(app, SCHEME, ACCOUNT, PERSON, MATCH, CONCERN, REPRESENTATION, REPRESENTED, ENQUIRY,
                          MEETING, CONVERSATION, QUESTIONNAIRE)


def register_events() -> None:
    """Connect the packages above to what happens in the packages below them (blinker
    signals; connecting the same receiver twice is a no-op)."""
    from homeshare.absences.events import absence_recorded
    from homeshare.accounts.events import account_created, email_to_owner
    from homeshare.audit.service import record_account_created, record_scheme_updated
    from homeshare.agreements.service import (
        notice_lengths, refuse_activation_unless_accepted, trial_length, version_to_accept,
    )
    from homeshare.behalf.service import copies_for_representatives
    from homeshare.checkins.service import ensure_schedule, move_out_of_absence, replan_schedule
    from homeshare.matching.events import (
        activating, notice_terms, party_steps, trial_extended, trial_started, trial_terms,
    )
    from homeshare.matching.reviews import refuse_activation_without_review
    from homeshare.notifications.events import addressing, phone_numbers
    from homeshare.notifications.service import email_owner
    from homeshare.profiles.service import phone_numbers as profile_phone_numbers, start_profile
    from homeshare.schemes.events import scheme_updated
    from homeshare.vetting.service import checklist_changed

    account_created.connect(start_profile)
    account_created.connect(record_account_created)
    scheme_updated.connect(record_scheme_updated)
    scheme_updated.connect(checklist_changed)
    email_to_owner.connect(email_owner)
    trial_started.connect(ensure_schedule)
    trial_extended.connect(replan_schedule)
    activating.connect(refuse_activation_unless_accepted)
    activating.connect(refuse_activation_without_review)
    party_steps.connect(version_to_accept)
    notice_terms.connect(notice_lengths)
    trial_terms.connect(trial_length)
    addressing.connect(copies_for_representatives)
    phone_numbers.connect(profile_phone_numbers)
    absence_recorded.connect(move_out_of_absence)


def register_audit(app: Flask) -> None:
    from homeshare.audit.service import register_audit_hooks

    register_audit_hooks()


def register_error_handlers(app: Flask) -> None:
    from homeshare.common.error_handlers import register_error_handlers as register

    register(app)


def register_request_hooks(app: Flask) -> None:
    from werkzeug.middleware.proxy_fix import ProxyFix

    from homeshare.common.requests import register_request_hooks as register

    register(app)
    proxies = app.config["HOMESHARE_TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def register_blueprints(app: Flask) -> None:
    from homeshare.absences.routes import blp as absences
    from homeshare.accounts.routes import accounts, auth
    from homeshare.agreements.routes import blp as agreements
    from homeshare.audit.routes import blp as audit
    from homeshare.behalf.routes import blp as behalf
    from homeshare.calendars.routes import blp as calendars
    from homeshare.concerns.routes import blp as concerns
    from homeshare.console.routes import blp as console
    from homeshare.conversations.routes import blp as conversations
    from homeshare.enquiries.routes import blp as enquiries
    from homeshare.checkins.routes import blp as checkins
    from homeshare.health.routes import blp as health
    from homeshare.hours.routes import blp as hours
    from homeshare.matching.routes import blp as matching
    from homeshare.measures.routes import blp as measures
    from homeshare.meetings.routes import blp as meetings
    from homeshare.notifications.routes import blp as notifications
    from homeshare.privacy.routes import blp as privacy
    from homeshare.profiles.routes import blp as profiles
    from homeshare.questionnaires.routes import blp as questionnaires
    from homeshare.schemes.routes import blp as schemes
    from homeshare.vetting.routes import blp as vetting

    api = app.extensions["homeshare.api"]
    for blueprint in (health, auth, accounts, schemes, profiles, vetting, matching, agreements, hours, checkins,
                      notifications, concerns, enquiries, audit, privacy, console, measures, behalf, absences,
                      meetings, calendars, conversations, questionnaires):
        api.register_blueprint(blueprint)


def register_throttling(app: Flask) -> None:
    from homeshare.accounts.throttling import init_throttling

    init_throttling(app)


def register_commands(app: Flask) -> None:
    from homeshare.cli import homeshare_cli

    app.cli.add_command(homeshare_cli)
