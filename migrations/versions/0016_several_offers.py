"""several offers: the unique indexes of live matches cover trial, active and notice only

A person may be in several proposals and introductions at once (up to the scheme's
``max_open_offers``); the database still holds that nobody is in more than one match in
trial, active or notice. The two partial unique indexes are dropped and made again with the
new states; partial indexes change without copying the table, on SQLite too.

Downgrade: the old indexes allow one open match (proposed, introduction, trial, active,
notice) per person. Where a person is in more than one, the extra ones are withdrawn first
("matched elsewhere"): a live match is kept, and otherwise the oldest offer; the withdrawal is
recorded as a step of the match.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 03:30:00

"""
import uuid
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

OPEN = ('proposed', 'introduction', 'trial', 'active', 'notice')
LIVE = ('trial', 'active', 'notice')
INDEXES = (('uq_match_live_householder', 'householder_id'), ('uq_match_live_sharer', 'sharer_id'))
REASON = 'matched elsewhere'


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _indexes(states):
    where = sa.text(_in('state', states))
    for index, column in INDEXES:
        op.drop_index(index, table_name='match')
        op.create_index(index, 'match', [column], unique=True, postgresql_where=where, sqlite_where=where)


def upgrade():
    _indexes(LIVE)


def downgrade():
    _withdraw_extra_offers()
    _indexes(OPEN)


def _withdraw_extra_offers():
    """Leave each person in one open match at most: a live one where there is one, otherwise
    the first proposed; the others are withdrawn, with a step in their history."""
    bind = op.get_bind()
    match = sa.table('match', sa.column('id', sa.Uuid()), sa.column('householder_id', sa.Uuid()),
                     sa.column('sharer_id', sa.Uuid()), sa.column('state', sa.String()),
                     sa.column('proposed_at', sa.DateTime(timezone=True)), sa.column('end_reason', sa.String()),
                     sa.column('closed_at', sa.DateTime(timezone=True)), sa.column('version', sa.Integer()))
    event = sa.table('match_event', sa.column('id', sa.Uuid()), sa.column('match_id', sa.Uuid()),
                     sa.column('action', sa.String()), sa.column('from_state', sa.String()),
                     sa.column('to_state', sa.String()), sa.column('actor_id', sa.Uuid()),
                     sa.column('occurred_at', sa.DateTime(timezone=True)), sa.column('details', sa.JSON()))
    rows = bind.execute(sa.select(match.c.id, match.c.householder_id, match.c.sharer_id, match.c.state)
                        .where(match.c.state.in_(OPEN))
                        .order_by(sa.case((match.c.state.in_(LIVE), 0), else_=1), match.c.proposed_at,
                                  match.c.id)).all()
    held, extra = set(), []
    for match_id, householder_id, sharer_id, state in rows:
        if householder_id in held or sharer_id in held:
            extra.append((match_id, state))
        else:
            held.update((householder_id, sharer_id))
    now = datetime.now(timezone.utc)
    if bind.dialect.name == 'sqlite':  # stored as naive UTC there, as the models do
        now = now.replace(tzinfo=None)
    for match_id, state in extra:
        bind.execute(sa.update(match).where(match.c.id == match_id).values(
            state='withdrawn', end_reason=REASON, closed_at=now, version=match.c.version + 1))
        bind.execute(sa.insert(event).values(
            id=uuid.uuid4(), match_id=match_id, action='withdraw', from_state=state, to_state='withdrawn',
            actor_id=None, occurred_at=now, details={'reason': REASON}))
