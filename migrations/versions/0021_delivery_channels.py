"""delivery channels: a person's consent to notifications by text message

Text messages go only to those who said yes (`account.sms_opt_in`), which starts as no for
every account, those already there included.

Downgrade: the column is dropped with every answer in it.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on both databases: no table rebuild.
    op.add_column('account', sa.Column('sms_opt_in', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite's own DROP COLUMN (3.35): a batch rebuild would drop the account table, and with
        # it, through their foreign keys, every row that hangs off an account.
        op.execute("ALTER TABLE account DROP COLUMN sms_opt_in")
    else:
        op.drop_column('account', 'sms_opt_in')
