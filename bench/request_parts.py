"""Where a signed-in read's CPU goes, part by part: each part of ``GET /me`` timed alone, in process.

    .venv/bin/python -m bench.request_parts            # PostgreSQL (HOMESHARE_BENCH_DATABASE_URL)

Seeds the load benchmark's population (``--people``, default 300) on a throw-away PostgreSQL
schema, builds the service as the gunicorn workers build it, and times each part alone: the
thread's CPU time, the best of five passes of ``--requests`` each (microseconds). Beside each
part that the service does differently from the library's default, the default's cost:

- a request to a one-line Flask view, with Flask's cookie session and with none (the service's);
- verifying an access token with PyJWT, and the check of a token the process kept;
- putting the account's scheme in the session through its constructor, and as the ORM makes
  the objects it loads (the service's);
- the signed-in account's read as a request makes it (the session's connection, the statement,
  its row), its parts (the connection alone; the same statement on a bare psycopg cursor), and a
  one-row read of four columns for comparison;
- the response's serialisation and the access log line.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import secrets
import tempfile
import time
import uuid
from datetime import datetime, timezone

import jwt as pyjwt
import sqlalchemy as sa
from flask import Flask, jsonify
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy.orm import make_transient_to_detached

from bench import load
from bench.harness import bench_app, fresh_database


def best(part, requests: int, passes: int = 5) -> float:
    """The thread's CPU time of one call of ``part``, in microseconds, the best of ``passes``."""
    found = []
    for _ in range(passes):
        started = time.thread_time()
        for _ in range(requests):
            part()
        found.append((time.thread_time() - started) / requests * 1e6)
    return min(found)


def one_line_view(requests: int) -> list[tuple[str, float]]:
    from homeshare.common.requests import NoCookieSession

    app = Flask("one_line_view")
    app.secret_key = secrets.token_urlsafe(32)
    app.get("/one")(lambda: jsonify({"id": 1}))
    client = app.test_client()
    found = {}
    for _ in range(3):  # alternated, so that a change in the machine's load falls on both alike
        for name, interface in (("with Flask's cookie session", SecureCookieSessionInterface()),
                                ("with none (the service's)", NoCookieSession())):
            app.session_interface = interface
            cost = best(lambda: client.get("/one"), requests)
            found[name] = min(found.get(name, cost), cost)
    return [(f"a request to a one-line Flask view, {name}", cost) for name, cost in found.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--requests", type=int, default=3000, help="calls of each part a pass")
    args = parser.parse_args()
    print(f"# {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load average {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    rows = one_line_view(args.requests)
    secret = secrets.token_urlsafe(48)
    with fresh_database("postgresql") as url, tempfile.TemporaryDirectory() as instance:
        app = bench_app(url, instance, SECRET_KEY=secret, HOMESHARE_ACCESS_TOKEN_MINUTES=120)
        with app.app_context():
            from homeshare.extensions import db

            seeded = load.seed(app, args.people, random.Random(23))
            db.session.remove()
        measured, _login = load.endpoints(seeded)
        me = next(endpoint for endpoint in measured if endpoint.name == "GET /me")
        token = me.lines[0].split("\t", 3)[2]
        app = load.production_app(url, secret, instance)
        rows += signed_in_parts(app, token, args.requests)
    print()
    print("| part | CPU (µs) |")
    print("| --- | --- |")
    for name, cost in rows:
        print(f"| {name} | {cost:.0f} |")


def signed_in_parts(app, token: str, requests: int) -> list[tuple[str, float]]:
    from flask_jwt_extended.config import config as jwt_config

    from homeshare.accounts import tokens
    from homeshare.accounts.schemas import AccountSchema
    from homeshare.common import access
    from homeshare.common.clock import utcnow
    from homeshare.common.db import keep_loaded
    from homeshare.common.requests import access_log
    from homeshare.extensions import db
    from homeshare.schemes.models import Scheme

    claims = pyjwt.decode(token, options={"verify_signature": False})
    parameters = {"account_id": uuid.UUID(claims["sub"]), "session_id": uuid.UUID(claims["sid"]), "now": utcnow()}
    rows = []
    with app.test_request_context("/api/v1/me", method="GET", headers={"Authorization": f"Bearer {token}"}):
        settings = {"key": jwt_config.decode_key, "algorithms": jwt_config.decode_algorithms}
        rows.append(("verifying the access token (PyJWT)", best(
            lambda: pyjwt.decode_complete(token, options={"verify_aud": False}, **settings), requests)))
        access._verified(token)
        rows.append(("checking a token the process kept (the service's)", best(lambda: access._verified(token), requests)))

        account = tokens._load_account({}, claims)
        values = {attribute.key: getattr(account.scheme, attribute.key) for attribute in sa.inspect(Scheme).column_attrs}
        db.session.remove()

        def constructed():
            instance = Scheme(**values)
            make_transient_to_detached(instance)
            db.session.add(instance)
            db.session.expunge(instance)
            db.session.info.clear()

        def kept():
            db.session.expunge(keep_loaded(Scheme, values))
            db.session.info.clear()  # the list of kept objects, which would grow over the passes

        rows.append(("putting the account's scheme in the session, through its constructor", best(constructed, requests)))
        rows.append(("putting it there as the ORM makes loaded objects (the service's)", best(kept, requests)))
        db.session.remove()

        def read_as_a_request_does():
            tokens._load_account({}, claims)
            db.session.remove()

        def connection_alone():
            db.session.connection()
            db.session.remove()

        rows.append(("the signed-in account's read as a request makes it, connection included", best(
            read_as_a_request_does, requests)))
        rows.append(("of which the session's connection alone", best(connection_alone, requests)))
        compiled = tokens._live_account_row().compile(dialect=db.engine.dialect)
        text, values_of = str(compiled), compiled.construct_params(parameters)
        bare = db.engine.raw_connection()
        try:
            cursor = bare.cursor()
            bare_row = "SELECT id, email, role, is_active FROM account WHERE id = %(account_id)s"
            rows.append(("the same statement on a bare psycopg cursor", best(
                lambda: (cursor.execute(text, values_of), cursor.fetchone()), requests)))
            rows.append(("a one-row read of four columns on a bare psycopg cursor", best(
                lambda: (cursor.execute(bare_row, parameters), cursor.fetchone()), requests)))
        finally:
            bare.close()
        account = tokens._load_account({}, claims)
        schema = AccountSchema()
        rows.append(("the response's serialisation (marshmallow)", best(lambda: schema.dump(account), requests)))
        db.session.remove()
        extra = {"method": "GET", "path": "/api/v1/me", "status": 200, "duration_ms": 1.0}
        rows.append(("the access log line", best(
            lambda: access_log.info("%s %s %s %.1fms", "GET", "/api/v1/me", 200, 1.0, extra=extra), requests)))
    return rows


if __name__ == "__main__":
    main()
