"""hours entries

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 11:49:22.509728

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('hours_entry',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('match_id', sa.Uuid(), nullable=False),
    sa.Column('sharer_id', sa.Uuid(), nullable=False),
    sa.Column('worked_on', sa.Date(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('task', sa.String(length=40), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('status', sa.Enum('logged', 'confirmed', 'disputed', name='status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('dispute_reason', sa.String(length=1000), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disputed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('minutes > 0 AND minutes <= 720', name=op.f('ck_hours_entry_minutes_in_a_day')),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], name=op.f('fk_hours_entry_match_id_match'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sharer_id'], ['account.id'], name=op.f('fk_hours_entry_sharer_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hours_entry'))
    )
    with op.batch_alter_table('hours_entry', schema=None) as batch_op:
        batch_op.create_index('ix_hours_entry_match_id_week_start', ['match_id', 'week_start'], unique=False)



def downgrade():
    with op.batch_alter_table('hours_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_hours_entry_match_id_week_start')

    op.drop_table('hours_entry')
