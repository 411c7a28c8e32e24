"""gunicorn settings for production: ``gunicorn wsgi:app`` (read from this file by default).

Environment: ``HOMESHARE_BIND`` (default ``0.0.0.0:8000``), ``WEB_CONCURRENCY`` (worker
processes; default one per CPU core) and ``HOMESHARE_THREADS`` (threads per worker,
default 4). The app's own settings are the ``HOMESHARE_*`` variables in docs/operations.md.
"""

import os

from homeshare.common.requests import process_logging_config
from homeshare.config import log_format

bind = os.environ.get("HOMESHARE_BIND", "0.0.0.0:8000")
# Requests spend most of their time waiting on PostgreSQL; threads let a worker serve
# others meanwhile, and one process per core uses every core despite the interpreter lock.
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 2)
worker_class = "gthread"
threads = int(os.environ.get("HOMESHARE_THREADS", "4"))

# Load the app once in the master so that workers share its memory, then give each
# worker its own database connections (a connection must never cross a fork).
preload_app = True

# A stuck worker is replaced; SIGTERM lets requests in flight finish first.
timeout = 30
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so that slow growth of memory cannot accumulate.
max_requests = 10000
max_requests_jitter = 1000

# The app writes its own access lines (with request ids, without query strings, which
# could hold personal data), so gunicorn's own access log stays off.
accesslog = None
errorlog = "-"
# In the JSON log format (HOMESHARE_LOG_FORMAT; the default in production) gunicorn's own lines
# (booting, workers, errors with their traceback) are JSON objects like the app's, one a line.
if log_format(os.environ) == "json":
    logconfig_dict = process_logging_config("json")

# gunicorn 24 and later open a control socket (for gunicornc) at one path per user unless told
# otherwise, so every instance a user runs shares it, and stopping one removes the socket of
# another. Nothing here uses it (systemd reloads and stops with signals): it stays shut.
control_socket_disable = True

# Refuse oversized request lines and headers early (the app limits bodies itself).
limit_request_line = 4094
limit_request_fields = 60
limit_request_field_size = 8190


def post_fork(server, worker):
    import sys

    service = sys.modules.get("wsgi")  # the app this file serves, preloaded in the master
    if service is None:
        return
    from homeshare.common.drivers import every_engine

    # The master's connections (if any) stay open for it: the worker only forgets them. The
    # reading engine first: the app's engine, disposed, disposes it again (closing what it holds).
    for engine in reversed(every_engine(service.app)):
        engine.dispose(close=False)
