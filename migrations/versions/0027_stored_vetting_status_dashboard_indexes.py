"""stored vetting status, and indexes for the dashboard

A new table ``vetting_standing``: each person's overall vetting status as their checks and
their scheme's checklist give it, and ``lapses_on``, the first day on which a valid required
check expires where that would make them ``expired``. The service writes it with every change
of a check and of a scheme's checklist or time zone; readers take a person as ``expired`` from
``lapses_on``, and a daily job stores it. It is filled here for everyone who has a check,
scheme by scheme, from the checks as they are (as of today in each scheme's time zone).
People without a row have no check: ``not_started``.

Indexes for the coordinators' dashboard: ``hours_entry.week_start`` (weekly sums of recent
weeks), ``checkin.escalated_at`` (overdue check-ins) and ``checkin_answer.answered_at``
(worrying answers of the last 30 days).

Downgrade drops the table and the indexes.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 10:00:00

"""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

# The checklists as this revision knows them (homeshare.vetting.rules.required_checks).
SHARER = ('identity', 'background', 'reference_1', 'reference_2', 'right_to_rent', 'interview')
HOUSEHOLDER = ('identity', 'reference_1', 'reference_2', 'interview', 'home_visit')
DONE = ('passed', 'waived')

scheme = sa.table('scheme', sa.column('id', sa.Uuid()), sa.column('timezone', sa.String()),
                  sa.column('settings', sa.JSON()))
account = sa.table('account', sa.column('id', sa.Uuid()), sa.column('scheme_id', sa.Uuid()),
                   sa.column('role', sa.String()))
check = sa.table('vetting_check', sa.column('id', sa.Uuid()), sa.column('account_id', sa.Uuid()),
                 sa.column('kind', sa.String()), sa.column('status', sa.String()),
                 sa.column('expires_on', sa.Date()))
standing = sa.table('vetting_standing', sa.column('account_id', sa.Uuid()), sa.column('status', sa.String()),
                    sa.column('lapses_on', sa.Date()))


def _fill(connection) -> None:
    now = datetime.now(timezone.utc)
    for scheme_id, zone, settings in connection.execute(sa.select(scheme.c.id, scheme.c.timezone, scheme.c.settings)):
        today = now.astimezone(ZoneInfo(zone)).date()
        householder = HOUSEHOLDER
        if (settings or {}).get('householder_background_check'):
            householder = ('identity', 'background', *HOUSEHOLDER[1:])
        kinds = {'householder': householder, 'sharer': SHARER}
        required = sa.or_(*(sa.and_(account.c.role == role, check.c.kind.in_(names)) for role, names in kinds.items()))
        lapsed = sa.and_(check.c.status.in_(DONE), check.c.expires_on.is_not(None), check.c.expires_on <= today)
        valid = sa.and_(check.c.status.in_(DONE), sa.not_(lapsed))
        count = lambda condition: sa.func.count(check.c.id).filter(condition)  # noqa: E731
        needed = sa.case(*((account.c.role == role, len(names)) for role, names in kinds.items()), else_=0)
        status = sa.case(
            (count(check.c.status == 'failed') > 0, 'rejected'),
            (count(lapsed) > 0, 'expired'),
            (count(valid) >= needed, 'cleared'),
            (count(check.c.status != 'not_started') > 0, 'in_progress'),
            else_='not_started',
        )
        next_expiry = sa.func.min(check.c.expires_on).filter(valid, check.c.expires_on > today)
        rows = (sa.select(account.c.id, status,
                          sa.case((status.in_(('rejected', 'expired')), sa.null()), else_=next_expiry))
                .select_from(account.join(check, sa.and_(check.c.account_id == account.c.id, required)))
                .where(account.c.scheme_id == scheme_id)
                .group_by(account.c.id, account.c.role))
        connection.execute(sa.insert(standing).from_select(['account_id', 'status', 'lapses_on'], rows))


def upgrade():
    op.create_table('vetting_standing',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.Enum('not_started', 'in_progress', 'cleared', 'rejected', 'expired', name='vetting_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('lapses_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_vetting_standing_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_vetting_standing'))
    )
    with op.batch_alter_table('vetting_standing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vetting_standing_lapses_on'), ['lapses_on'], unique=False)
    with op.batch_alter_table('hours_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hours_entry_week_start'), ['week_start'], unique=False)
    with op.batch_alter_table('checkin', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkin_escalated_at'), ['escalated_at'], unique=False)
    with op.batch_alter_table('checkin_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkin_answer_answered_at'), ['answered_at'], unique=False)
    _fill(op.get_bind())


def downgrade():
    with op.batch_alter_table('checkin_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_answer_answered_at'))
    with op.batch_alter_table('checkin', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_escalated_at'))
    with op.batch_alter_table('hours_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hours_entry_week_start'))
    with op.batch_alter_table('vetting_standing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vetting_standing_lapses_on'))
    op.drop_table('vetting_standing')
