"""ship the postcode-district centres

Fills an empty postcode_district table from the file that ships with the package
(homeshare/places/data, Open Government Licence), so that a fresh install places people by
their postcode district with no file to fetch; then locates the profiles that have a
postcode but no position yet. A table that already holds districts (loaded with
`flask homeshare load-districts`) is left as it is.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 10:00:00

"""
from alembic import op
import sqlalchemy as sa

from homeshare.places.service import SHIPPED_DISTRICTS, district_of, read_districts


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# The tables as this revision knows them, independent of the models' later changes.
district_table = sa.table(
    'postcode_district',
    sa.column('district', sa.String),
    sa.column('latitude', sa.Float),
    sa.column('longitude', sa.Float),
)
profile_table = sa.table(
    'profile',
    sa.column('account_id'),
    sa.column('version', sa.Integer),
    sa.column('postcode', sa.String),
    sa.column('latitude', sa.Float),
    sa.column('longitude', sa.Float),
    sa.column('location_source', sa.String),
)


def upgrade():
    connection = op.get_bind()
    if connection.scalar(sa.select(sa.func.count()).select_from(district_table)):
        return
    rows = read_districts(SHIPPED_DISTRICTS)
    op.bulk_insert(district_table, rows)
    centres = {row['district']: (row['latitude'], row['longitude']) for row in rows}
    unlocated = connection.execute(
        sa.select(profile_table.c.account_id, profile_table.c.postcode).where(
            profile_table.c.postcode.is_not(None), profile_table.c.location_source.is_(None)
        )
    ).all()
    for account_id, postcode in unlocated:
        centre = centres.get(district_of(postcode))
        if centre:
            connection.execute(
                profile_table.update().where(profile_table.c.account_id == account_id).values(
                    latitude=centre[0], longitude=centre[1], location_source='postcode',
                    version=profile_table.c.version + 1,
                )
            )


def downgrade():
    # The districts are reference data that `load-districts` may have replaced since; the
    # table itself goes with revision 0002.
    pass
