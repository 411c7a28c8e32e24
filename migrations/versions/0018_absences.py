"""absences: the days a householder or a sharer of a live match is away; and the sharer's
check-in answer to "Have you been asked to do anything outside the agreement?"

Existing answers read "no" (false), with nothing said about what.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('absence',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('match_id', sa.Uuid(), nullable=False),
    sa.Column('who', sa.String(length=12), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('holiday', 'hospital-stay', 'visiting-family', 'other', name='kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('recorded_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('last_day >= first_day', name=op.f('ck_absence_absence_days_in_order')),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], name=op.f('fk_absence_match_id_match'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['account.id'], name=op.f('fk_absence_person_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['account.id'], name=op.f('fk_absence_recorded_by_id_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_absence'))
    )
    with op.batch_alter_table('absence', schema=None) as batch_op:
        batch_op.create_index('ix_absence_match_id_first_day', ['match_id', 'first_day'], unique=False)
    with op.batch_alter_table('checkin_answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('asked_outside_agreement', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('outside_agreement_what', sa.Text(), nullable=True))
    with op.batch_alter_table('checkin_answer', schema=None) as batch_op:
        batch_op.alter_column('asked_outside_agreement', server_default=None)


def downgrade():
    with op.batch_alter_table('checkin_answer', schema=None) as batch_op:
        batch_op.drop_column('outside_agreement_what')
        batch_op.drop_column('asked_outside_agreement')
    with op.batch_alter_table('absence', schema=None) as batch_op:
        batch_op.drop_index('ix_absence_match_id_first_day')

    op.drop_table('absence')
