"""concerns

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 12:18:24.753487

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('concern',
    sa.Column('scheme_id', sa.Uuid(), nullable=False),
    sa.Column('match_id', sa.Uuid(), nullable=True),
    sa.Column('about_id', sa.Uuid(), nullable=True),
    sa.Column('raised_by_id', sa.Uuid(), nullable=True),
    sa.Column('raised_by_role', sa.String(length=20), nullable=False),
    sa.Column('category', sa.Enum('safeguarding', 'wellbeing', 'home', 'hours', 'money', 'other', name='category', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('severity', sa.Enum('low', 'medium', 'urgent', name='severity', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'acknowledged', 'resolved', name='status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('subject_erased', sa.Boolean(), nullable=False),
    sa.Column('raiser_erased', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['about_id'], ['account.id'], name=op.f('fk_concern_about_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], name=op.f('fk_concern_match_id_match'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['raised_by_id'], ['account.id'], name=op.f('fk_concern_raised_by_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['scheme_id'], ['scheme.id'], name=op.f('fk_concern_scheme_id_scheme'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concern'))
    )
    with op.batch_alter_table('concern', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_concern_raised_by_id'), ['raised_by_id'], unique=False)
        batch_op.create_index('ix_concern_scheme_id_status', ['scheme_id', 'status'], unique=False)

    op.create_table('concern_note',
    sa.Column('concern_id', sa.Uuid(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['account.id'], name=op.f('fk_concern_note_author_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['concern_id'], ['concern.id'], name=op.f('fk_concern_note_concern_id_concern'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concern_note'))
    )
    with op.batch_alter_table('concern_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_concern_note_concern_id'), ['concern_id'], unique=False)



def downgrade():
    with op.batch_alter_table('concern_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_concern_note_concern_id'))

    op.drop_table('concern_note')
    with op.batch_alter_table('concern', schema=None) as batch_op:
        batch_op.drop_index('ix_concern_scheme_id_status')
        batch_op.drop_index(batch_op.f('ix_concern_raised_by_id'))

    op.drop_table('concern')
