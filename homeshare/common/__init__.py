"""Pieces every domain uses: database types, the clock, pagination, schemas, requests."""
