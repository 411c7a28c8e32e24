"""check-in answers with their check-in's match

``checkin_answer.match_id``: the match of the answer's check-in, copied when the answer is
written (a check-in never changes match), with ``ix_checkin_answer_match_id_answered_at``.
The dashboard's worrying answers of a scheme are then its recent answers kept to its matches,
without a lookup of each answer's check-in.

Downgrade drops the index, the foreign key and the column.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-02 22:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checkin_answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('match_id', sa.Uuid(), nullable=True))
    op.execute("UPDATE checkin_answer SET match_id = "
               "(SELECT checkin.match_id FROM checkin WHERE checkin.id = checkin_answer.checkin_id)")
    with op.batch_alter_table('checkin_answer', schema=None) as batch_op:
        batch_op.alter_column('match_id', existing_type=sa.Uuid(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_checkin_answer_match_id_match'), 'match', ['match_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_index('ix_checkin_answer_match_id_answered_at', ['match_id', 'answered_at'], unique=False)


def downgrade():
    with op.batch_alter_table('checkin_answer', schema=None) as batch_op:
        batch_op.drop_index('ix_checkin_answer_match_id_answered_at')
        batch_op.drop_constraint(batch_op.f('fk_checkin_answer_match_id_match'), type_='foreignkey')
        batch_op.drop_column('match_id')
