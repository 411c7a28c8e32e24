"""``flask homeshare ...``: operator commands. Each works without a terminal when every
option is given (passwords may also come from the environment variables shown)."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from homeshare import demo
from homeshare.accounts import service as accounts
from homeshare.errors import ApiError
from homeshare.extensions import db
from homeshare.openapi import render_openapi_yaml
from homeshare.schemes import service as schemes
from homeshare.schemes.models import DEFAULT_TIMEZONE

homeshare_cli = AppGroup("homeshare", help="Homeshare operator commands.")

FIRST_STEPS = """No scheme yet. In another terminal, from this folder, make an admin, and a scheme with its
first coordinator (each asks for a password):
  .venv/bin/flask --app wsgi homeshare create-admin --email you@example.org
  .venv/bin/flask --app wsgi homeshare create-scheme --slug leeds --name "Homeshare Leeds" \\
      --coordinator-email lead@example.org
or stop this and run `make demo` for a scheme with people, matches, hours and check-ins in it."""

def _fail(error: ApiError) -> None:
    detail = error.detail
    if error.errors:
        detail += " " + "; ".join(f"{field}: {messages}" for field, messages in error.errors.items())
    raise click.ClickException(detail)


@homeshare_cli.command("create-scheme")
@click.option("--slug", required=True, help="Short name used in registration, e.g. leeds.")
@click.option("--name", required=True, help="The scheme's full name.")
@click.option("--timezone", default=DEFAULT_TIMEZONE, show_default=True)
@click.option("--coordinator-email", required=True)
@click.option("--coordinator-password", envvar="HOMESHARE_COORDINATOR_PASSWORD", prompt=True,
              hide_input=True, confirmation_prompt=True)
def create_scheme(slug, name, timezone, coordinator_email, coordinator_password):
    """Create a scheme and its first coordinator, in one transaction."""
    from homeshare.accounts.schemas import CoordinatorCreateSchema
    from homeshare.schemes.schemas import SchemeCreateSchema

    errors = SchemeCreateSchema().validate({"slug": slug, "name": name, "timezone": timezone})
    errors |= CoordinatorCreateSchema().validate(
        {"email": coordinator_email, "password": coordinator_password}
    )
    if errors:
        raise click.ClickException("; ".join(f"{field}: {' '.join(m)}" for field, m in errors.items()))
    try:
        scheme = schemes.create_scheme(slug=slug, name=name, timezone=timezone, commit=False)
        db.session.flush()
        accounts.create_coordinator(
            scheme=scheme, email=coordinator_email, password=coordinator_password, commit=False
        )
        db.session.commit()
    except ApiError as error:
        db.session.rollback()
        _fail(error)
    click.echo(f"Created scheme {scheme.slug} ({scheme.id}) with coordinator {coordinator_email}.")


@homeshare_cli.command("create-admin")
@click.option("--email", required=True)
@click.option("--password", envvar="HOMESHARE_ADMIN_PASSWORD", prompt=True, hide_input=True,
              confirmation_prompt=True)
def create_admin(email, password):
    """Create a platform administrator."""
    from homeshare.accounts.schemas import CoordinatorCreateSchema

    errors = CoordinatorCreateSchema().validate({"email": email, "password": password})
    if errors:
        raise click.ClickException("; ".join(f"{field}: {' '.join(m)}" for field, m in errors.items()))
    try:
        result = accounts.create_admin(email=email, password=password)
    except ApiError as error:
        _fail(error)
    click.echo(f"Admin {result.account.email} {'created' if result.created else 'already exists'}.")


@homeshare_cli.command("seed-demo")
def seed_demo():
    """Create a demo scheme worth looking at, and an account of each role (safe to run again)."""
    if current_app.config["HOMESHARE_ENV"] == "production":
        raise click.ClickException("Demo accounts have well-known passwords: not in production.")
    result = demo.seed(current_app._get_current_object())
    told = ("17 people and one without the app with her representative, vetting in several states, a match "
            "in every state, hours, check-ins and a concern"
            if result["told"] else "already seeded: left as it was")
    click.echo(f"Demo scheme '{demo.SCHEME['slug']}' ({result['scheme_id']}): {told}.")
    click.echo(f"Sign in with POST /api/v1/auth/login, password {demo.DEMO_PASSWORD_NOTE}, as:")
    for role, email in demo.SIGN_INS:
        click.echo(f"  {role:<12} {email}")


@homeshare_cli.command("write-openapi")
@click.argument("path", default="openapi.yaml", type=click.Path(dir_okay=False, path_type=Path))
def write_openapi(path: Path):
    """Write the OpenAPI description generated from the code."""
    path.write_text(render_openapi_yaml(current_app))
    click.echo(f"Wrote {path}")


@homeshare_cli.command("load-districts")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_districts(path: Path | None):
    """Load postcode-district centres from a CSV (columns district,latitude,longitude).

    Without PATH, loads the file that ships with the package (the migrations load it into
    an empty database). Replaces the table in one transaction, then locates again everyone
    whose position comes from their postcode.
    """
    from homeshare.places.service import SHIPPED_DISTRICTS, DistrictFileError
    from homeshare.places.service import load_districts as load
    from homeshare.profiles.service import relocate_from_postcodes

    source = path or SHIPPED_DISTRICTS
    try:
        count = load(source)
    except DistrictFileError as error:
        raise click.ClickException(str(error)) from None
    moved = relocate_from_postcodes()
    where = source if path else f"the shipped file ({source})"
    click.echo(f"Loaded {count} postcode districts from {where}; located {moved} people from their postcode.")


@homeshare_cli.command("scheduler")
def scheduler():
    """Run the scheduler: reminders, escalations, schedules and deliveries (blocks).

    Run as many as you like: they share nothing but the database.
    """
    import logging
    import logging.config

    from homeshare.common.requests import process_logging_config
    from homeshare.jobs.scheduler import build

    app = current_app._get_current_object()
    kind = app.config["HOMESHARE_LOG_FORMAT"]
    # Every line the process logs in the service's format: APScheduler's own (a job that
    # failed, with its traceback) as well as ours.
    logging.config.dictConfig(process_logging_config(kind))
    # The scheduler works in threads of its own while this one only waits for Ctrl+C. Run in this
    # thread (APScheduler's BlockingScheduler), a Ctrl+C could land where APScheduler catches every
    # exception (handing a job over, telling a listener) and be lost: the scheduler ran on.
    running = None
    try:
        running = build(app)
        running.start()
        if kind == "json":
            logging.getLogger("homeshare.jobs").info("scheduler running")
        else:
            click.echo("Scheduler running; stop it with Ctrl+C.")
        # A Ctrl+C may be taken by any thread that does not block it (a job's, or one a library
        # started), and Python answers it in this thread only once this thread runs again: it
        # sleeps a second at a time.
        while True:
            time.sleep(1)
    except KeyboardInterrupt:  # Ctrl+C: a stop like any other, logged rather than click's "Aborted!"
        if running is not None and running.running:
            running.shutdown()  # the jobs under way finish first (a claim of sends at most)
        logging.getLogger("homeshare.jobs").info("scheduler stopped")


@homeshare_cli.command("tick")
def tick():
    """Do everything that is due now, once (for cron, or to see what would happen)."""
    from homeshare.jobs.scheduler import schedules, tick as run_tick

    app = current_app._get_current_object()
    schedules(app)
    result = run_tick(app)
    click.echo(f"{result['reminders']} new notifications, {result['delivered']} deliveries sent.")


@homeshare_cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int):
    """Serve the API with the scheduler running inside (the one-command local run)."""
    from werkzeug.serving import run_simple

    from homeshare.jobs.scheduler import build

    app = current_app._get_current_object()
    scheduler = build(app)
    scheduler.start()
    click.echo(f"Homeshare API on http://{host}:{port}/api/v1 (docs: http://{host}:{port}/api/v1/docs), "
               "scheduler running.")
    with app.app_context():
        empty = schemes.list_schemes(page=1, per_page=1).total == 0
        db.session.remove()
    if empty:
        click.echo(FIRST_STEPS)
    try:
        run_simple(host, port, app, threaded=True)
    finally:
        scheduler.shutdown(wait=False)
