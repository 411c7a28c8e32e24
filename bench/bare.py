"""The framework's ceiling: a bare Flask app answering a small JSON document.

Served by ``bench/load.py`` under the same gunicorn settings as the service
(``gunicorn bench.bare:app``), so each endpoint's throughput can be read as a share of
what Flask and gunicorn alone manage on the same machine at the same moment.
"""

from flask import Flask, jsonify

app = Flask(__name__)

DOCUMENT = {"id": "7d0c8a52-3f7e-4c1e-9a8e-2b5f0f0d6c11", "email": "someone@example.org", "role": "sharer",
            "is_active": True}


@app.get("/bare")
def bare():
    return jsonify(DOCUMENT)
