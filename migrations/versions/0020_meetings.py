"""meetings: the meetings of a match in its introduction, each side's feedback, and calendar links

Three new tables: ``meeting`` (with its coordinators' notes and the start before a move),
``meeting_feedback`` (one per meeting and side) and ``calendar_feed`` (a hash of each person's
calendar link secret). Nothing existing changes; downgrade drops them.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 04:35:20

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_feed',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_calendar_feed_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_calendar_feed_secret_hash'))
    )
    op.create_table('meeting',
    sa.Column('match_id', sa.Uuid(), nullable=False),
    sa.Column('scheme_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('introduction', 'visit', 'shared-meal', 'overnight-stay', 'final-meeting', 'other', name='kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('previous_starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('coordinator_attends', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('planned', 'held', 'cancelled', 'moved', name='status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('coordinator_notes', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_meeting_ends_after_start')),
    sa.ForeignKeyConstraint(['created_by_id'], ['account.id'], name=op.f('fk_meeting_created_by_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], name=op.f('fk_meeting_match_id_match'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scheme_id'], ['scheme.id'], name=op.f('fk_meeting_scheme_id_scheme'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting'))
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_match_id'), ['match_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_starts_at'), ['starts_at'], unique=False)

    op.create_table('meeting_feedback',
    sa.Column('meeting_id', sa.Uuid(), nullable=False),
    sa.Column('side', sa.String(length=12), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('how_it_went', sa.Integer(), nullable=False),
    sa.Column('carry_on', sa.Enum('yes', 'not-sure', 'no', name='carry_on', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('comments', sa.Text(), nullable=True),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('given_as', sa.Enum('self', 'on-behalf', 'proxy', name='given_as', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_meeting_feedback_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_feedback_meeting_id_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_feedback')),
    sa.UniqueConstraint('meeting_id', 'side', name=op.f('uq_meeting_feedback_meeting_id_side'))
    )


def downgrade():
    op.drop_table('meeting_feedback')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_starts_at'))
        batch_op.drop_index(batch_op.f('ix_meeting_match_id'))

    op.drop_table('meeting')
    op.drop_table('calendar_feed')
