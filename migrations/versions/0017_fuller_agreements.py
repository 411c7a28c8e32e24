"""fuller agreements: the trial's length instead of its end, a term, stays, nights away, days
off, house rules by topic, the fees to the scheme, and why the hours exceed the scheme's cap

The match holds the trial's end date; a version of the agreement now holds the trial's length:
each version's ``trial_ends_on`` becomes ``trial_length_days`` (its end minus its start), then
the column goes. The free text ``house_rules`` becomes a list of rules with topics: a version's
text becomes one rule whose topic is "House rules"; a version without any gets an empty list.

On SQLite, dropping and changing columns copies the table (batch mode), done with foreign keys
off as 0012 and 0015 do, so that nothing cascades away.

Processes of the release before cannot write an agreement version once this has run (they
write the end date and the text): stop the API for the upgrade rather than reloading it
machine by machine.

Downgrade: the end date comes back as the start plus the length; the rules become one text, each
"topic: rule" on a line of its own; the other new terms go.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 04:40:00

"""
import json
from datetime import timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

TOPIC = 'House rules'
TERMS = ('open-ended', 'fixed')
NEW_COLUMNS = ('term_ends_on', 'review_on', 'minimum_stay_months', 'nights_away_per_month', 'days_off_per_week',
               'householder_fee', 'sharer_fee', 'hours_reason')


def _new_columns():
    types = (sa.Date(), sa.Date(), sa.Integer(), sa.Integer(), sa.Integer(), sa.JSON(none_as_null=True),
             sa.JSON(none_as_null=True), sa.Text())
    return [sa.Column(name, type_, nullable=True) for name, type_ in zip(NEW_COLUMNS, types)]


versions = sa.table(
    'agreement_version',
    sa.column('id', sa.Uuid()),
    sa.column('start_on', sa.Date()),
    sa.column('trial_ends_on', sa.Date()),
    sa.column('trial_length_days', sa.Integer()),
    sa.column('house_rules', sa.Text()),
    sa.column('house_rule_list', sa.JSON()),
)


def _foreign_keys(on):
    if op.get_bind().dialect.name == 'sqlite':
        with op.get_context().autocommit_block():
            op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade():
    with op.batch_alter_table('agreement_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trial_length_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('house_rule_list', sa.JSON(), nullable=True))
    bind = op.get_bind()
    for row in bind.execute(sa.select(versions.c.id, versions.c.start_on, versions.c.trial_ends_on,
                                      versions.c.house_rules)).all():
        rules = [{'topic': TOPIC, 'rule': row.house_rules.strip()}] if (row.house_rules or '').strip() else []
        bind.execute(versions.update().where(versions.c.id == row.id).values(
            trial_length_days=(row.trial_ends_on - row.start_on).days, house_rule_list=rules))
    _foreign_keys(False)
    try:
        with op.batch_alter_table('agreement_version', schema=None) as batch_op:
            batch_op.drop_column('trial_ends_on')
            batch_op.drop_column('house_rules')
            batch_op.alter_column('trial_length_days', existing_type=sa.Integer(), nullable=False)
            batch_op.alter_column('house_rule_list', new_column_name='house_rules', existing_type=sa.JSON(),
                                  nullable=False)
            batch_op.add_column(sa.Column('term', sa.Enum(*TERMS, native_enum=False, length=20,
                                                          create_constraint=False, name='term'),
                                          server_default='open-ended', nullable=False))
            batch_op.create_check_constraint(op.f('ck_agreement_version_term'), "term IN ('open-ended', 'fixed')")
            for column in _new_columns():
                batch_op.add_column(column)
    finally:
        _foreign_keys(True)


def downgrade():
    with op.batch_alter_table('agreement_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trial_ends_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('house_rule_text', sa.Text(), nullable=True))
    bind = op.get_bind()
    old = sa.table('agreement_version', sa.column('id', sa.Uuid()), sa.column('start_on', sa.Date()),
                   sa.column('trial_length_days', sa.Integer()), sa.column('house_rules', sa.JSON()),
                   sa.column('trial_ends_on', sa.Date()), sa.column('house_rule_text', sa.Text()))
    for row in bind.execute(sa.select(old.c.id, old.c.start_on, old.c.trial_length_days, old.c.house_rules)).all():
        rules = row.house_rules if isinstance(row.house_rules, list) else json.loads(row.house_rules or '[]')
        text = '\n'.join(rule['rule'] if rule['topic'] == TOPIC else f"{rule['topic']}: {rule['rule']}"
                         for rule in rules) or None
        bind.execute(old.update().where(old.c.id == row.id).values(
            trial_ends_on=row.start_on + timedelta(days=row.trial_length_days), house_rule_text=text))
    _foreign_keys(False)
    try:
        with op.batch_alter_table('agreement_version', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('ck_agreement_version_term'), type_='check')
            for name in reversed(NEW_COLUMNS):
                batch_op.drop_column(name)
            batch_op.drop_column('term')
            batch_op.drop_column('house_rules')
            batch_op.drop_column('trial_length_days')
            batch_op.alter_column('trial_ends_on', existing_type=sa.Date(), nullable=False)
            batch_op.alter_column('house_rule_text', new_column_name='house_rules', existing_type=sa.Text())
    finally:
        _foreign_keys(True)
