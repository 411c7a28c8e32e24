"""Streamed CSV downloads: rows are written as they are read, never all held in memory."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Iterable, Sequence

from flask import Response, stream_with_context


CSV_CONTENT = {"content": {"text/csv": {"schema": {"type": "string"}}}}
"""How the API description shows a CSV download's body: ``**CSV_CONTENT`` in a response's doc."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value  # a spreadsheet shows it as text instead of running it
    return value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> Response:
    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for count, row in enumerate(rows, start=1):
            writer.writerow([_cell(value) for value in row])
            if count % 200 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
