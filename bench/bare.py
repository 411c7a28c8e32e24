"""The framework's ceilings: a bare Flask app answering a small JSON document.

Served by ``bench/load.py`` under the same gunicorn settings as the service
(``gunicorn bench.bare:app``), so each endpoint's throughput can be read as a share of
what Flask and gunicorn alone manage on the same machine at the same moment.

``/bare`` answers a constant document. ``/bare/account`` first reads one account by its
primary key over plain psycopg (one connection per thread, in autocommit: one round trip
to PostgreSQL), the least any endpoint that reads the database pays.
"""

import os
import random
import threading

import psycopg
from flask import Flask, jsonify

app = Flask(__name__)

DOCUMENT = {"id": "7d0c8a52-3f7e-4c1e-9a8e-2b5f0f0d6c11", "email": "someone@example.org", "role": "sharer",
            "is_active": True}
_local = threading.local()


@app.get("/bare")
def bare():
    return jsonify(DOCUMENT)


def _connection() -> psycopg.Connection:
    if getattr(_local, "connection", None) is None:
        url = os.environ["HOMESHARE_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://", 1)
        _local.connection = psycopg.connect(url, autocommit=True)
        _local.ids = [row[0] for row in _local.connection.execute("SELECT id FROM account LIMIT 500")]
    return _local.connection


@app.get("/bare/account")
def bare_account():
    connection = _connection()
    row = connection.execute("SELECT id, email, role, is_active FROM account WHERE id = %s",
                             (random.choice(_local.ids),)).fetchone()
    return jsonify({"id": str(row[0]), "email": row[1], "role": row[2], "is_active": row[3]})
