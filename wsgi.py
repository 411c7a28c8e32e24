"""WSGI entry point: ``gunicorn wsgi:app``, ``FLASK_APP=wsgi flask ...``."""

import gc

from homeshare import create_app

app = create_app()
# Everything built so far lives as long as the process: keep it out of every garbage
# collection, so that collections during large requests only walk their own objects.
gc.freeze()
