"""conversations: a scheme's contact details, a person's named coordinator, and conversations
between a person and their scheme's coordinators

Schemes gain their contact details (phone, email, office hours, what to do in an emergency), all
empty until their coordinators set them. A householder or sharer may have a named coordinator.
A conversation is a thread between one person (or their representative) and the scheme's
coordinators; its messages are numbered, and each side keeps the number of the last one it read.

Downgrade: the three tables are dropped with every conversation in them, and the schemes lose
their contact details.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 05:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

CONTACT = (('contact_phone', 30), ('contact_email', 254), ('office_hours', 500), ('emergency', 1000))


def upgrade():
    # Plain ALTER TABLE on both databases: a batch rebuild of the scheme table would break the
    # foreign keys of every table that points at it on SQLite.
    for name, length in CONTACT:
        op.add_column('scheme', sa.Column(name, sa.String(length=length), nullable=True))
    op.create_table('named_coordinator',
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('coordinator_id', sa.Uuid(), nullable=False),
    sa.Column('named_by_id', sa.Uuid(), nullable=True),
    sa.Column('named_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coordinator_id'], ['account.id'], name=op.f('fk_named_coordinator_coordinator_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['named_by_id'], ['account.id'], name=op.f('fk_named_coordinator_named_by_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['account.id'], name=op.f('fk_named_coordinator_person_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_named_coordinator'))
    )
    with op.batch_alter_table('named_coordinator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_named_coordinator_coordinator_id'), ['coordinator_id'], unique=False)
    op.create_table('conversation',
    sa.Column('scheme_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=True),
    sa.Column('started_by_id', sa.Uuid(), nullable=True),
    sa.Column('assigned_coordinator_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('person_read_seq', sa.Integer(), nullable=False),
    sa.Column('coordinators_read_seq', sa.Integer(), nullable=False),
    sa.Column('person_erased', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_coordinator_id'], ['account.id'], name=op.f('fk_conversation_assigned_coordinator_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['account.id'], name=op.f('fk_conversation_person_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scheme_id'], ['scheme.id'], name=op.f('fk_conversation_scheme_id_scheme'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['started_by_id'], ['account.id'], name=op.f('fk_conversation_started_by_id_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation'))
    )
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.create_index('ix_conversation_person_id', ['person_id'], unique=False)
        batch_op.create_index('ix_conversation_scheme_id_last_message_at', ['scheme_id', 'last_message_at'], unique=False)
    op.create_table('conversation_message',
    sa.Column('conversation_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=True),
    sa.Column('written_as', sa.Enum('self', 'representative', 'coordinator', name='written_as', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['account.id'], name=op.f('fk_conversation_message_author_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], name=op.f('fk_conversation_message_conversation_id_conversation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_message')),
    sa.UniqueConstraint('conversation_id', 'seq', name=op.f('uq_conversation_message_conversation_id_seq'))
    )


def downgrade():
    op.drop_table('conversation_message')
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_index('ix_conversation_scheme_id_last_message_at')
        batch_op.drop_index('ix_conversation_person_id')
    op.drop_table('conversation')
    with op.batch_alter_table('named_coordinator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_named_coordinator_coordinator_id'))
    op.drop_table('named_coordinator')
    for name, _length in reversed(CONTACT):
        op.drop_column('scheme', name)
