"""WSGI entry point: ``gunicorn wsgi:app``, ``FLASK_APP=wsgi flask ...``."""

import gc

import click

from homeshare import create_app

# ``flask ...`` loads the application inside its command line's context, and gets ``flask db``;
# the API processes gunicorn starts have no use for Alembic (about 12 MB each).
app = create_app(migrations=click.get_current_context(silent=True) is not None)
# Everything built so far lives as long as the process: keep it out of every garbage
# collection, so that collections during large requests only walk their own objects.
gc.freeze()
