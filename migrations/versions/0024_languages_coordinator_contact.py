"""languages and coordinators' contact details: what each person is written in, and how to reach a coordinator

``account.language`` (``en`` or ``cy``, English by default, so every existing account stays in
English) chooses the language of what the person is sent and printed. ``account.display_name``
and ``account.work_phone`` (E.164) are a coordinator's name and work phone, shown to their
people; null until set. A scheme's ``default_language`` lives in its settings (JSON), whose
defaults fill in on reading: nothing to migrate there. Downgrade drops the three columns.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), server_default='en', nullable=False))
        batch_op.add_column(sa.Column('display_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('work_phone', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_column('work_phone')
        batch_op.drop_column('display_name')
        batch_op.drop_column('language')
