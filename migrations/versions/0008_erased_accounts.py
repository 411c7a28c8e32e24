"""erased accounts

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 12:22:54.384492

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_column('erased_at')

