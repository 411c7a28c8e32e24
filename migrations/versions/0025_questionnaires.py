"""questionnaires: validated instruments due at approval and through each match

One new table, ``questionnaire``: one row per person and occasion (the baseline at approval;
3, 6 and 12 months into a match and at its end), unique per person and ``key`` so that making
the schedule again adds nothing twice; the answers and their scores once answered. Nothing
existing changes. Downgrade drops the table.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('questionnaire',
    sa.Column('scheme_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('occasion', sa.Enum('baseline', 'months-3', 'months-6', 'months-12', 'end', name='occasion', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('match_id', sa.Uuid(), nullable=True),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('instruments', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=True),
    sa.Column('scores', sa.JSON(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('given_as', sa.Enum('self', 'on-behalf', 'proxy', name='given_as', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('answered_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['account.id'], name=op.f('fk_questionnaire_answered_by_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], name=op.f('fk_questionnaire_match_id_match'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['account.id'], name=op.f('fk_questionnaire_person_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scheme_id'], ['scheme.id'], name=op.f('fk_questionnaire_scheme_id_scheme'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire')),
    sa.UniqueConstraint('person_id', 'key', name=op.f('uq_questionnaire_person_id_key'))
    )
    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_match_id'), ['match_id'], unique=False)
        batch_op.create_index('ix_questionnaire_scheme_id_due_on', ['scheme_id', 'due_on'], unique=False)


def downgrade():
    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.drop_index('ix_questionnaire_scheme_id_due_on')
        batch_op.drop_index(batch_op.f('ix_questionnaire_match_id'))

    op.drop_table('questionnaire')
