"""check-ins, notifications, deliveries and devices

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 12:00:48.057862

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('device',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('platform', sa.Enum('ios', 'android', name='platform', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('token', sa.String(length=400), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_device_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_device')),
    sa.UniqueConstraint('token', name=op.f('uq_device_token'))
    )
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_account_id'), ['account_id'], unique=False)

    op.create_table('notification',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.String(length=2000), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_notification_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_notification_dedupe_key'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_account_id_created_at', ['account_id', 'created_at'], unique=False)

    op.create_table('checkin',
    sa.Column('match_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('contact', 'checkin', 'review', name='kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('contact_kind', sa.String(length=10), nullable=True),
    sa.Column('contact_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('contact_notes', sa.Text(), nullable=True),
    sa.Column('contact_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['contact_by_id'], ['account.id'], name=op.f('fk_checkin_contact_by_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], name=op.f('fk_checkin_match_id_match'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin')),
    sa.UniqueConstraint('match_id', 'kind', 'planned_on', name=op.f('uq_checkin_match_id_kind_planned_on'))
    )
    with op.batch_alter_table('checkin', schema=None) as batch_op:
        batch_op.create_index('ix_checkin_due_on', ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkin_match_id'), ['match_id'], unique=False)

    op.create_table('delivery',
    sa.Column('notification_id', sa.Uuid(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'dead', name='status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], name=op.f('fk_delivery_notification_id_notification'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery')),
    sa.UniqueConstraint('notification_id', 'channel', name=op.f('uq_delivery_notification_id_channel'))
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)

    op.create_table('checkin_answer',
    sa.Column('checkin_id', sa.Uuid(), nullable=False),
    sa.Column('side', sa.String(length=12), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('wellbeing', sa.Integer(), nullable=False),
    sa.Column('match_going', sa.Integer(), nullable=False),
    sa.Column('help_happening', sa.Boolean(), nullable=False),
    sa.Column('wants_call', sa.Boolean(), nullable=False),
    sa.Column('something_wrong', sa.Boolean(), nullable=False),
    sa.Column('comments', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_checkin_answer_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['checkin_id'], ['checkin.id'], name=op.f('fk_checkin_answer_checkin_id_checkin'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_answer')),
    sa.UniqueConstraint('checkin_id', 'side', name=op.f('uq_checkin_answer_checkin_id_side'))
    )


def downgrade():
    op.drop_table('checkin_answer')
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_status_next_attempt_at')

    op.drop_table('delivery')
    with op.batch_alter_table('checkin', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_match_id'))
        batch_op.drop_index('ix_checkin_due_on')

    op.drop_table('checkin')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_account_id_created_at')

    op.drop_table('notification')
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_account_id'))

    op.drop_table('device')
