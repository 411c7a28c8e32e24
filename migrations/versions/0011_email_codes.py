"""email verification and password-reset codes

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 23:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True))
    # Accounts made before verification existed keep being matched: their people were
    # registered and met by a coordinator already.
    op.execute("UPDATE account SET email_verified_at = created_at")

    op.create_table(
        'account_code',
        sa.Column('account_id', sa.Uuid(), nullable=False),
        sa.Column('purpose', sa.Enum('verify-email', 'reset-password', name='purpose', native_enum=False,
                                     length=20, create_constraint=True), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('tries', sa.Integer(), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_account_code_account_id_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_code')),
        sa.UniqueConstraint('account_id', 'purpose', name=op.f('uq_account_code_account_id_purpose')),
    )


def downgrade():
    op.drop_table('account_code')
    # Not in a batch: on SQLite a batch copies the account table and drops the old one, which
    # (with foreign keys on) would delete every row that cascades from an account. SQLite
    # 3.35 and later drop a plain column in place.
    op.drop_column('account', 'email_verified_at')
