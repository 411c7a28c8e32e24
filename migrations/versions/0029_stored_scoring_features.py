"""stored scoring features

A new table ``scoring_features``: for each person with a profile, the facts the ranking of
candidates scores, as ``homeshare.matching.features`` encodes them (format 1), with the
profile's version they were made from. The service writes them with every change of a
profile; the ranking reads them only where the format and the version are current (anyone
else's are computed from the profile). They are filled here for every profile.

Downgrade drops the table.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02 14:40:00

"""
from alembic import op
import sqlalchemy as sa

from homeshare.matching import features


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

# The profile's columns the features of format 1 are made from, as this revision knows them, typed so that every database gives the
# values (dates, booleans, lists) the encoding takes.
TYPES = {
    'latitude': sa.Float(), 'longitude': sa.Float(), 'base_latitude': sa.Float(), 'base_longitude': sa.Float(),
    'max_distance_km': sa.Float(), 'stay_months': sa.Integer(), 'hours_wanted_per_week': sa.Integer(),
    'hours_offered_per_week': sa.Integer(), 'nights_at_home_per_week': sa.Integer(), 'smoker': sa.Boolean(),
    'has_pets': sa.Boolean(), 'accepts_pets': sa.Boolean(), 'quiet_home': sa.Boolean(),
    'room_available_from': sa.Date(), 'move_in_on': sa.Date(), 'tasks_wanted': sa.JSON(), 'tasks_offered': sa.JSON(),
    'interests': sa.JSON(), 'languages': sa.JSON(), 'daily_rhythm': sa.String(), 'gender': sa.String(),
    'gender_preference': sa.JSON(),
}
profile = sa.table('profile', sa.column('account_id', sa.Uuid()), sa.column('version', sa.Integer()),
                   *(sa.column(name, type_) for name, type_ in TYPES.items()))
stored = sa.table('scoring_features', sa.column('account_id', sa.Uuid()), sa.column('format', sa.Integer()),
                  sa.column('profile_version', sa.Integer()), sa.column('fixed', sa.LargeBinary()),
                  sa.column('items', sa.LargeBinary()))


def _fill(connection) -> None:
    # The encoder is the application's: filled here only while it reads the profile's columns
    # of this revision. A later format that reads others fills the table in its own revision;
    # until then the ranking works features out from the profile (never reading stale ones).
    if not set(features.FIELDS) <= set(TYPES):
        return
    rows = []
    for row in connection.execute(sa.select(profile)):
        fixed, items = features.encode(row._mapping)
        rows.append({'account_id': row.account_id, 'format': features.FORMAT, 'profile_version': row.version,
                     'fixed': fixed, 'items': items})
        if len(rows) == 5000:
            connection.execute(sa.insert(stored), rows)
            rows = []
    if rows:
        connection.execute(sa.insert(stored), rows)


def upgrade():
    op.create_table('scoring_features',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('format', sa.Integer(), nullable=False),
    sa.Column('profile_version', sa.Integer(), nullable=False),
    sa.Column('fixed', sa.LargeBinary(), nullable=False),
    sa.Column('items', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_scoring_features_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_scoring_features'))
    )
    _fill(op.get_bind())


def downgrade():
    op.drop_table('scoring_features')
