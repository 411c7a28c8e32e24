"""leave reason codes: why a person left the scheme, from a closed vocabulary

``account.left_reason_code`` holds why a householder or sharer left (``failed-vetting``,
``ineligible``, ``found-other-housing``, ``changed-mind``, ``health``, ``moved-away``, ``died``,
``no-suitable-match``, ``other``); the free text ``left_reason`` stays, as the coordinator's
note. Accounts that left before stay without a code, which the measures count as ``other``.

Downgrade: the column is dropped with every code in it.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

REASONS = ('failed-vetting', 'ineligible', 'found-other-housing', 'changed-mind', 'health', 'moved-away', 'died',
           'no-suitable-match', 'other')
CHECK = "left_reason_code IN (" + ", ".join(f"'{reason}'" for reason in REASONS) + ")"


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        # A plain ADD COLUMN with its CHECK inline: a batch rebuild would drop the account table,
        # and with it, through their foreign keys, every row that hangs off an account.
        op.execute(f"ALTER TABLE account ADD COLUMN left_reason_code VARCHAR(30) "
                   f"CONSTRAINT ck_account_left_reason_code CHECK ({CHECK})")
        return
    op.add_column('account', sa.Column('left_reason_code', sa.String(length=30), nullable=True))
    op.create_check_constraint(op.f('ck_account_left_reason_code'), 'account', CHECK)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE account DROP COLUMN left_reason_code")
    else:
        op.drop_constraint(op.f('ck_account_left_reason_code'), 'account', type_='check')
        op.drop_column('account', 'left_reason_code')
