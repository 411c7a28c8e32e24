"""matches, their history and agreement versions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:31:24.057751

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('match',
    sa.Column('scheme_id', sa.Uuid(), nullable=False),
    sa.Column('householder_id', sa.Uuid(), nullable=False),
    sa.Column('sharer_id', sa.Uuid(), nullable=False),
    sa.Column('state', sa.Enum('proposed', 'introduction', 'trial', 'active', 'ended', 'declined', 'withdrawn', name='state', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('proposed_by_id', sa.Uuid(), nullable=True),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('householder_response', sa.Enum('accepted', 'declined', name='householder_response', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('householder_responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('householder_decline_reason', sa.String(length=1000), nullable=True),
    sa.Column('householder_shares_contact', sa.Boolean(), nullable=False),
    sa.Column('sharer_response', sa.Enum('accepted', 'declined', name='sharer_response', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('sharer_responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sharer_decline_reason', sa.String(length=1000), nullable=True),
    sa.Column('sharer_shares_contact', sa.Boolean(), nullable=False),
    sa.Column('introduction_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('introduction_place', sa.String(length=300), nullable=True),
    sa.Column('trial_started_on', sa.Date(), nullable=True),
    sa.Column('trial_ends_on', sa.Date(), nullable=True),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('ended_by', sa.Enum('householder', 'sharer', 'both', 'scheme', name='ended_by', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('end_reason', sa.String(length=1000), nullable=True),
    sa.Column('notice_given_days', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.CheckConstraint('householder_id <> sharer_id', name=op.f('ck_match_two_people')),
    sa.ForeignKeyConstraint(['householder_id'], ['account.id'], name=op.f('fk_match_householder_id_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['account.id'], name=op.f('fk_match_proposed_by_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['scheme_id'], ['scheme.id'], name=op.f('fk_match_scheme_id_scheme'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sharer_id'], ['account.id'], name=op.f('fk_match_sharer_id_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match'))
    )
    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_householder_id'), ['householder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_scheme_id'), ['scheme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_sharer_id'), ['sharer_id'], unique=False)
        batch_op.create_index('uq_match_live_householder', ['householder_id'], unique=True, sqlite_where=sa.text("state IN ('proposed', 'introduction', 'trial', 'active')"), postgresql_where=sa.text("state IN ('proposed', 'introduction', 'trial', 'active')"))
        batch_op.create_index('uq_match_live_sharer', ['sharer_id'], unique=True, sqlite_where=sa.text("state IN ('proposed', 'introduction', 'trial', 'active')"), postgresql_where=sa.text("state IN ('proposed', 'introduction', 'trial', 'active')"))

    op.create_table('agreement_version',
    sa.Column('match_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('hours_per_week', sa.Integer(), nullable=False),
    sa.Column('tasks', sa.JSON(), nullable=False),
    sa.Column('monthly_contribution_pence', sa.Integer(), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('trial_ends_on', sa.Date(), nullable=False),
    sa.Column('notice_days', sa.Integer(), nullable=False),
    sa.Column('house_rules', sa.Text(), nullable=True),
    sa.Column('householder_must_know', sa.Text(), nullable=True),
    sa.Column('sharer_must_know', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('householder_accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sharer_accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['account.id'], name=op.f('fk_agreement_version_created_by_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], name=op.f('fk_agreement_version_match_id_match'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_version')),
    sa.UniqueConstraint('match_id', 'number', name=op.f('uq_agreement_version_match_id_number'))
    )
    op.create_table('match_event',
    sa.Column('match_id', sa.Uuid(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('from_state', sa.Enum('proposed', 'introduction', 'trial', 'active', 'ended', 'declined', 'withdrawn', name='from_state', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('to_state', sa.Enum('proposed', 'introduction', 'trial', 'active', 'ended', 'declined', 'withdrawn', name='to_state', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['account.id'], name=op.f('fk_match_event_actor_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], name=op.f('fk_match_event_match_id_match'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_event'))
    )
    with op.batch_alter_table('match_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_event_match_id'), ['match_id'], unique=False)



def downgrade():
    with op.batch_alter_table('match_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_event_match_id'))

    op.drop_table('match_event')
    op.drop_table('agreement_version')
    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.drop_index('uq_match_live_sharer', sqlite_where=sa.text("state IN ('proposed', 'introduction', 'trial', 'active')"), postgresql_where=sa.text("state IN ('proposed', 'introduction', 'trial', 'active')"))
        batch_op.drop_index('uq_match_live_householder', sqlite_where=sa.text("state IN ('proposed', 'introduction', 'trial', 'active')"), postgresql_where=sa.text("state IN ('proposed', 'introduction', 'trial', 'active')"))
        batch_op.drop_index(batch_op.f('ix_match_sharer_id'))
        batch_op.drop_index(batch_op.f('ix_match_scheme_id'))
        batch_op.drop_index(batch_op.f('ix_match_householder_id'))

    op.drop_table('match')
