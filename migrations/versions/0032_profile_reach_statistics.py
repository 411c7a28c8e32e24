"""profiles: statistics on the edges of a sharer's reach in latitude (PostgreSQL)

The ranking leaves out the sharers whose reach (their maximum distance, in degrees of
latitude) cannot take in the householder's latitude: ``base_latitude - max_distance_km / K <=
latitude <= base_latitude + max_distance_km / K``. PostgreSQL keeps no statistics on an
expression of two columns and guesses a third for each comparison: it took a few hundred of
10,000 sharers for the thousands that pass, and probed two indexes for each of them where
hashing the tables costs less than half as much. These statistics give it both edges.

``K`` is ``homeshare.matching.service.KM_PER_DEGREE_AT_LEAST`` as the ranking sends it (a
float parameter cast to FLOAT): the expressions must be the ranking's to be used, and a test
holds them to that constant. SQLite has no such statistics: nothing to do there.

Downgrade drops them.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-02 22:15:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None

KM_PER_DEGREE_AT_LEAST = "111.08388515329938"
EDGES = {
    "st_profile_reach_south": f"base_latitude - max_distance_km / CAST({KM_PER_DEGREE_AT_LEAST} AS FLOAT)",
    "st_profile_reach_north": f"base_latitude + max_distance_km / CAST({KM_PER_DEGREE_AT_LEAST} AS FLOAT)",
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, expression in EDGES.items():
        op.execute(f"CREATE STATISTICS {name} ON ({expression}) FROM profile")
    op.execute("ANALYZE profile")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in EDGES:
        op.execute(f"DROP STATISTICS IF EXISTS {name}")
