"""leaving

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 12:28:41.217158

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('left_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('left_reason', sa.String(length=200), nullable=True))



def downgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_column('left_reason')
        batch_op.drop_column('left_at')

