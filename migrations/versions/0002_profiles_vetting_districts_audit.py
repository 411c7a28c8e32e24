"""profiles, vetting checks, postcode districts and the audit trail

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:22:29.395287

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('postcode_district',
    sa.Column('district', sa.String(length=4), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('district', name=op.f('pk_postcode_district'))
    )
    op.create_table('audit_event',
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('scheme_id', sa.Uuid(), nullable=True),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('target_type', sa.String(length=40), nullable=False),
    sa.Column('target_id', sa.String(length=80), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['account.id'], name=op.f('fk_audit_event_actor_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['scheme_id'], ['scheme.id'], name=op.f('fk_audit_event_scheme_id_scheme'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_scheme_id_occurred_at', ['scheme_id', 'occurred_at'], unique=False)

    op.create_table('profile',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=True),
    sa.Column('last_name', sa.String(length=100), nullable=True),
    sa.Column('preferred_name', sa.String(length=100), nullable=True),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('address_line1', sa.String(length=200), nullable=True),
    sa.Column('address_line2', sa.String(length=200), nullable=True),
    sa.Column('town', sa.String(length=100), nullable=True),
    sa.Column('postcode', sa.String(length=8), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('location_source', sa.String(length=10), nullable=True),
    sa.Column('bio', sa.Text(), nullable=True),
    sa.Column('interests', sa.JSON(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('smoker', sa.Boolean(), nullable=True),
    sa.Column('has_pets', sa.Boolean(), nullable=True),
    sa.Column('accepts_pets', sa.Boolean(), nullable=True),
    sa.Column('dietary_needs', sa.String(length=200), nullable=True),
    sa.Column('daily_rhythm', sa.String(length=20), nullable=True),
    sa.Column('quiet_home', sa.Boolean(), nullable=True),
    sa.Column('gender', sa.String(length=20), nullable=True),
    sa.Column('gender_preference', sa.JSON(), nullable=False),
    sa.Column('photo_url', sa.String(length=500), nullable=True),
    sa.Column('room_furnished', sa.Boolean(), nullable=True),
    sa.Column('room_own_bathroom', sa.Boolean(), nullable=True),
    sa.Column('room_step_free', sa.Boolean(), nullable=True),
    sa.Column('room_available_from', sa.Date(), nullable=True),
    sa.Column('tasks_wanted', sa.JSON(), nullable=False),
    sa.Column('hours_wanted_per_week', sa.Integer(), nullable=True),
    sa.Column('nights_at_home_per_week', sa.Integer(), nullable=True),
    sa.Column('things_to_know', sa.Text(), nullable=True),
    sa.Column('tasks_offered', sa.JSON(), nullable=False),
    sa.Column('hours_offered_per_week', sa.Integer(), nullable=True),
    sa.Column('move_in_on', sa.Date(), nullable=True),
    sa.Column('stay_months', sa.Integer(), nullable=True),
    sa.Column('max_distance_km', sa.Float(), nullable=True),
    sa.Column('base_name', sa.String(length=200), nullable=True),
    sa.Column('base_latitude', sa.Float(), nullable=True),
    sa.Column('base_longitude', sa.Float(), nullable=True),
    sa.Column('occupation', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_profile_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_profile'))
    )
    # Householders and sharers who registered before profiles existed get an empty one.
    op.execute(
        "INSERT INTO profile (account_id, version, interests, languages, gender_preference, "
        "tasks_wanted, tasks_offered, created_at, updated_at) "
        "SELECT id, 1, '[]', '[]', '[]', '[]', '[]', created_at, created_at "
        "FROM account WHERE role IN ('householder', 'sharer')"
    )
    op.create_table('vetting_check',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('identity', 'background', 'reference_1', 'reference_2', 'right_to_rent', 'interview', 'home_visit', name='check_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('status', sa.Enum('not_started', 'pending', 'passed', 'failed', 'waived', name='check_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('waived_reason', sa.String(length=500), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('certificate_number', sa.String(length=40), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('referee_name', sa.String(length=200), nullable=True),
    sa.Column('referee_relationship', sa.String(length=100), nullable=True),
    sa.Column('referee_contact', sa.String(length=200), nullable=True),
    sa.Column('reference_received', sa.Boolean(), nullable=True),
    sa.Column('reference_satisfactory', sa.Boolean(), nullable=True),
    sa.Column('recorded_by_id', sa.Uuid(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_vetting_check_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['account.id'], name=op.f('fk_vetting_check_recorded_by_id_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vetting_check')),
    sa.UniqueConstraint('account_id', 'kind', name=op.f('uq_vetting_check_account_id_kind'))
    )
    with op.batch_alter_table('vetting_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vetting_check_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vetting_check_expires_on'), ['expires_on'], unique=False)



def downgrade():
    with op.batch_alter_table('vetting_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vetting_check_expires_on'))
        batch_op.drop_index(batch_op.f('ix_vetting_check_account_id'))

    op.drop_table('vetting_check')
    op.drop_table('profile')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_scheme_id_occurred_at')

    op.drop_table('audit_event')
    op.drop_table('postcode_district')
