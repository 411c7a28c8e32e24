"""invitations to get a login, and emails to an address of their own

A coordinator invites a person (or representative) who has no login: the invitation keeps a
keyed hash of its code, unique so that a claim finds it from the code alone. A notification
may now go to an address other than its account's (``to_address``): the invitation's email,
for an account that has no address yet.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 02:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
# After the enquiries (0013), which were numbered before invitations and merged after them.
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invitation',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.Enum('email', 'phone', 'letter', name='channel', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('sent_to', sa.String(length=254), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_invitation_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['account.id'], name=op.f('fk_invitation_created_by_id_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation'))
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitation_code_hash'), ['code_hash'], unique=True)

    # A plain column, added in place: a batch would copy the notification table on SQLite.
    op.add_column('notification', sa.Column('to_address', sa.String(length=254), nullable=True))


def downgrade():
    # Not in a batch: SQLite 3.35 and later drop a plain column in place.
    op.drop_column('notification', 'to_address')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_code_hash'))
        batch_op.drop_index(batch_op.f('ix_invitation_account_id'))

    op.drop_table('invitation')
