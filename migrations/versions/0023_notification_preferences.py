"""notification preferences: each person's channels per kind, and their quiet hours

Two new tables: ``notification_preference`` (one row per account, kind and channel where the
person chose other than the kind's default) and ``quiet_hours`` (one row per account that set
them). Nothing existing changes: every account keeps the defaults until it chooses. A
notification's target is not stored: it follows from its kind's declaration and its data, so
existing notifications carry theirs too. Downgrade drops both tables.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification_preference',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_notification_preference_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'kind', 'channel', name=op.f('pk_notification_preference'))
    )
    op.create_table('quiet_hours',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('ends_at', sa.Time(), nullable=False),
    sa.CheckConstraint('starts_at <> ends_at', name=op.f('ck_quiet_hours_not_empty')),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_quiet_hours_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_quiet_hours'))
    )


def downgrade():
    op.drop_table('quiet_hours')
    op.drop_table('notification_preference')
