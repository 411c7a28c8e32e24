"""deliveries: an index of those still to settle only

``ix_delivery_status_next_attempt_at`` held every delivery ever made, and gained an entry
each time one was settled as sent; and a claim, which asks for the pending ones and the lapsed
leases together by due time, could not read it in that order: it sorted every due delivery at
each claim. ``ix_delivery_unsettled`` holds the deliveries pending or being sent only, by due
time, then status: a claim reads the first few, and the index stays as small as the work
waiting, however many were sent before.

Downgrade puts the old index back.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-02 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

UNSETTLED = "status IN ('pending', 'sending')"


def upgrade():
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_status_next_attempt_at')
        batch_op.create_index('ix_delivery_unsettled', ['next_attempt_at', 'status'], unique=False,
                              sqlite_where=sa.text(UNSETTLED), postgresql_where=sa.text(UNSETTLED))


def downgrade():
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_unsettled', sqlite_where=sa.text(UNSETTLED),
                            postgresql_where=sa.text(UNSETTLED))
        batch_op.create_index('ix_delivery_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)
