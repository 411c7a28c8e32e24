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


COLUMNS = ('work_phone', 'display_name', 'language')


def upgrade():
    # Plain ADD COLUMNs on both databases: no table rebuild.
    op.add_column('account', sa.Column('language', sa.String(length=2), server_default='en', nullable=False))
    op.add_column('account', sa.Column('display_name', sa.String(length=100), nullable=True))
    op.add_column('account', sa.Column('work_phone', sa.String(length=20), nullable=True))


def downgrade():
    for column in COLUMNS:
        if op.get_bind().dialect.name == "sqlite":
            # SQLite's own DROP COLUMN (3.35): a batch rebuild would drop the account table, and with
            # it, through their foreign keys, every row that hangs off an account.
            op.execute(f"ALTER TABLE account DROP COLUMN {column}")
        else:
            op.drop_column('account', column)
