"""hours entries by week with what their weekly sums read

``ix_hours_entry_week_start_sums`` on ``hours_entry``: ``week_start``, then ``match_id``,
``status``, ``minutes`` and ``deleted_at``, all that the dashboard's hours flags read of the
entries of the weeks they judge, so those sums come from the index alone, without the table's
rows. It leads with ``week_start``, so it takes the place of ``ix_hours_entry_week_start``.

Downgrade puts ``ix_hours_entry_week_start`` back and drops the new index.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 15:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('hours_entry', schema=None) as batch_op:
        batch_op.create_index('ix_hours_entry_week_start_sums',
                              ['week_start', 'match_id', 'status', 'minutes', 'deleted_at'], unique=False)
        batch_op.drop_index('ix_hours_entry_week_start')


def downgrade():
    with op.batch_alter_table('hours_entry', schema=None) as batch_op:
        batch_op.create_index('ix_hours_entry_week_start', ['week_start'], unique=False)
        batch_op.drop_index('ix_hours_entry_week_start_sums')
