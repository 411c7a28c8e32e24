"""notice: a match state of its own, its reasons and last day, exit feedback, rematches

A match may now be in notice (live: the sharer still lives in the home), so the partial unique
indexes of live matches and the CHECK constraints of match states gain ``notice``. A match
records the notice given (who, why, the day given and the last day, each person's agreement to
withdraw it), the structured reason it ended and the match it follows; an agreement version
gains its trial notice; each side's exit feedback has a table.

Existing matches keep their states. On SQLite a CHECK constraint changes only by copying the
table: ``match`` and ``match_event`` are copied with foreign keys off, as 0012 does for
``account``, so that no row cascades away.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 02:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

STATES_BEFORE = ('proposed', 'introduction', 'trial', 'active', 'ended', 'declined', 'withdrawn')
STATES_AFTER = ('proposed', 'introduction', 'trial', 'active', 'notice', 'ended', 'declined', 'withdrawn')
OPEN_BEFORE = ('proposed', 'introduction', 'trial', 'active')
OPEN_AFTER = ('proposed', 'introduction', 'trial', 'active', 'notice')
REASONS = ('householder-moved-to-care', 'householder-health-changed', 'householder-died',
           'sharer-moved-for-work-or-study', 'sharer-circumstances-changed', 'relationship-broke-down',
           'disagreement-about-hours-or-expectations', 'safeguarding', 'scheme-ended', 'other')
GIVERS = ('householder', 'sharer', 'scheme')

# The new columns of ``match``: (name, SQL type, CHECK over its values or None).
NEW_COLUMNS = (
    ('end_reason_code', 'VARCHAR(40)', REASONS),
    ('notice_given_by', 'VARCHAR(20)', GIVERS),
    ('notice_reason', 'VARCHAR(40)', REASONS),
    ('notice_comment', 'VARCHAR(2000)', None),
    ('notice_given_on', 'DATE', None),
    ('notice_last_day', 'DATE', None),
    ('householder_withdraws_notice_at', 'DATETIME', None),
    ('sharer_withdraws_notice_at', 'DATETIME', None),
    ('follows_match_id', 'CHAR(32)', None),
)
FOLLOWS_FK = 'fk_match_follows_match_id_match'


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _sa_type(sql_type):
    return {'DATE': sa.Date(), 'DATETIME': sa.DateTime(timezone=True), 'CHAR(32)': sa.Uuid()}.get(
        sql_type) or sa.String(int(sql_type[8:-1]))


def upgrade():
    op.create_table('exit_feedback',
    sa.Column('match_id', sa.Uuid(), nullable=False),
    sa.Column('side', sa.String(length=12), nullable=False),
    sa.Column('would_homeshare_again', sa.Boolean(), nullable=False),
    sa.Column('scheme_support', sa.Integer(), nullable=False),
    sa.Column('comment', sa.String(length=2000), nullable=True),
    sa.Column('recorded_by_id', sa.Uuid(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], name=op.f('fk_exit_feedback_match_id_match'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['account.id'], name=op.f('fk_exit_feedback_recorded_by_id_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exit_feedback')),
    sa.UniqueConstraint('match_id', 'side', name=op.f('uq_exit_feedback_match_id_side'))
    )
    with op.batch_alter_table('agreement_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trial_notice_days', sa.Integer(), nullable=False, server_default='7'))
    if op.get_bind().dialect.name == 'sqlite':
        _rebuild_sqlite('match', upgrade=True)
        _rebuild_sqlite('match_event', upgrade=True)
        return
    for name, sql_type, values in NEW_COLUMNS:
        op.add_column('match', sa.Column(name, _sa_type(sql_type), nullable=True))
        if values:
            op.create_check_constraint(op.f(f'ck_match_{name}'), 'match', _in(name, values))
    op.create_foreign_key(op.f(FOLLOWS_FK), 'match', 'match', ['follows_match_id'], ['id'], ondelete='SET NULL')
    _states_postgresql(STATES_AFTER, OPEN_AFTER)


def downgrade():
    # The old schema knows no notice: a match in notice goes back to the state it came from,
    # and the notice's steps leave its history.
    op.execute("DELETE FROM match_event WHERE from_state = 'notice' OR to_state = 'notice'")
    op.execute("UPDATE match SET state = CASE WHEN activated_at IS NULL THEN 'trial' ELSE 'active' END "
               "WHERE state = 'notice'")
    op.drop_table('exit_feedback')
    with op.batch_alter_table('agreement_version', schema=None) as batch_op:
        batch_op.drop_column('trial_notice_days')
    if op.get_bind().dialect.name == 'sqlite':
        _rebuild_sqlite('match', upgrade=False)
        _rebuild_sqlite('match_event', upgrade=False)
        return
    op.drop_constraint(op.f(FOLLOWS_FK), 'match', type_='foreignkey')
    for name, _sql_type, values in reversed(NEW_COLUMNS):
        if values:
            op.drop_constraint(op.f(f'ck_match_{name}'), 'match', type_='check')
        op.drop_column('match', name)
    _states_postgresql(STATES_BEFORE, OPEN_BEFORE)


def _states_postgresql(states, open_states):
    for table, columns in (('match', ('state',)), ('match_event', ('from_state', 'to_state'))):
        for column in columns:
            op.drop_constraint(op.f(f'ck_{table}_{column}'), table, type_='check')
            op.create_check_constraint(op.f(f'ck_{table}_{column}'), table, _in(column, states))
    for index, column in (('uq_match_live_householder', 'householder_id'), ('uq_match_live_sharer', 'sharer_id')):
        op.drop_index(index, table_name='match')
        op.create_index(index, 'match', [column], unique=True, postgresql_where=sa.text(_in('state', open_states)))


def _rebuild_sqlite(table, *, upgrade):
    """Copy ``table`` into one whose CREATE statement is the stored one with the states (and, for
    ``match``, the new columns) changed, with foreign keys off: dropping the old table would
    otherwise delete every row that cascades from it (events, agreements, check-ins, hours...)."""
    bind = op.get_bind()
    context = op.get_context()
    with context.autocommit_block():
        op.execute("PRAGMA foreign_keys=OFF")
    try:
        create = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                                      (table,)).scalar()
        indexes = [sql for (sql,) in bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (table,))]
        old, new = (STATES_BEFORE, STATES_AFTER) if upgrade else (STATES_AFTER, STATES_BEFORE)
        old_open, new_open = (OPEN_BEFORE, OPEN_AFTER) if upgrade else (OPEN_AFTER, OPEN_BEFORE)
        kept = [row[1] for row in bind.exec_driver_sql(f'PRAGMA table_info("{table}")')]
        state_columns = ('state',) if table == 'match' else ('from_state', 'to_state')
        for column in state_columns:
            before, after = _in(column, old), _in(column, new)
            assert before in create, f"the {column} CHECK of {table} is not as expected"
            create = create.replace(before, after)
        if table == 'match':
            create, kept = _match_columns(create, kept, upgrade=upgrade)
        header = create.split("(", 1)
        create = f'CREATE TABLE "{table}_rebuilt" (' + header[1]
        op.execute(create)
        columns = ", ".join(f'"{name}"' for name in kept)
        op.execute(f'INSERT INTO "{table}_rebuilt" ({columns}) SELECT {columns} FROM "{table}"')
        op.execute(f'DROP TABLE "{table}"')
        op.execute(f'ALTER TABLE "{table}_rebuilt" RENAME TO "{table}"')
        for sql in indexes:
            op.execute(sql.replace(_in('state', old_open), _in('state', new_open)))
        problems = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign keys broken by rebuilding the {table} table: {problems[:5]}")
    finally:
        with context.autocommit_block():
            op.execute("PRAGMA foreign_keys=ON")


def _match_columns(create, kept, *, upgrade):
    """The match table's CREATE statement with the new columns added (or taken out), and the
    columns copied across."""
    lines = create.splitlines()
    first_constraint = next(number for number, line in enumerate(lines) if line.strip().startswith("CONSTRAINT"))
    names = {name for name, _sql_type, _values in NEW_COLUMNS}
    if upgrade:
        definitions = [f"\t{name} {sql_type}, " for name, sql_type, _values in NEW_COLUMNS]
        constraints = [f"\tCONSTRAINT ck_match_{name} CHECK ({_in(name, values)}), "
                       for name, _sql_type, values in NEW_COLUMNS if values]
        constraints.append(f"\tCONSTRAINT {FOLLOWS_FK} FOREIGN KEY(follows_match_id) REFERENCES \"match\" (id) "
                           "ON DELETE SET NULL, ")
        lines = lines[:first_constraint] + definitions + lines[first_constraint:]
        # The table's constraints end with the line before the closing parenthesis.
        last = len(lines) - 1
        while not lines[last].strip().startswith(")"):
            last -= 1
        previous = lines[last - 1].rstrip()
        lines[last - 1] = previous + ("" if previous.endswith(",") else ", ")
        constraints[-1] = constraints[-1].rstrip().rstrip(",")
        lines = lines[:last] + constraints + lines[last:]
        return "\n".join(lines), kept
    dropped = [line for line in lines
               if not any(line.strip().startswith(f"{name} ") for name in names)
               and not any(f"ck_match_{name} " in line for name in names) and FOLLOWS_FK not in line]
    # The last constraint left may now end with a comma.
    last = len(dropped) - 1
    while not dropped[last].strip().startswith(")"):
        last -= 1
    dropped[last - 1] = dropped[last - 1].rstrip().rstrip(",")
    return "\n".join(dropped), [name for name in kept if name not in names]
