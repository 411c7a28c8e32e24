"""enquiries: the first contact with a scheme, and its stages up to approval

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 01:50:23.889769

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('enquiry',
    sa.Column('scheme_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('contact', sa.String(length=200), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=True),
    sa.Column('seeking', sa.Enum('householder', 'sharer', name='seeking', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('source', sa.Enum('self', 'family-or-friend', 'social-worker', 'gp-or-health', 'council', 'charity', 'website', 'other', name='source', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('owner_id', sa.Uuid(), nullable=True),
    sa.Column('stage', sa.Enum('enquiry', 'application', 'assessment', 'approved', 'closed', name='stage', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('closed_reason', sa.Enum('not-eligible', 'chose-other-support', 'no-reply', 'moved-away', 'died', 'other', name='closed_reason', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('enquiry_on', sa.Date(), nullable=False),
    sa.Column('application_on', sa.Date(), nullable=True),
    sa.Column('assessment_on', sa.Date(), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('person_id', sa.Uuid(), nullable=True),
    sa.Column('repeat_key', sa.String(length=64), nullable=True),
    sa.Column('person_erased', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['account.id'], name=op.f('fk_enquiry_owner_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['account.id'], name=op.f('fk_enquiry_person_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['scheme_id'], ['scheme.id'], name=op.f('fk_enquiry_scheme_id_scheme'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enquiry')),
    sa.UniqueConstraint('scheme_id', 'repeat_key', name='uq_enquiry_scheme_id_repeat_key')
    )
    with op.batch_alter_table('enquiry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enquiry_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enquiry_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_enquiry_scheme_id_stage', ['scheme_id', 'stage'], unique=False)



def downgrade():
    with op.batch_alter_table('enquiry', schema=None) as batch_op:
        batch_op.drop_index('ix_enquiry_scheme_id_stage')
        batch_op.drop_index(batch_op.f('ix_enquiry_person_id'))
        batch_op.drop_index(batch_op.f('ix_enquiry_owner_id'))

    op.drop_table('enquiry')
