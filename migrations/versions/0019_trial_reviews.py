"""trial reviews: each side's view of the trial and the coordinator's decision, round by round

A match's trial ends in a review: the householder and the sharer each say how it went
(`carry-on`, `not-sure`, `stop`, with an optional comment) and a coordinator decides to make the
match active, extend the trial (a new round opens) or stop it with notice. Matches already
active need nothing; matches in trial simply have no review yet (its first round opens when a
view or a decision is first given).

Downgrade: the two tables are dropped with every review in them.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

REASONS = ('householder-moved-to-care', 'householder-health-changed', 'householder-died',
           'sharer-moved-for-work-or-study', 'sharer-circumstances-changed', 'relationship-broke-down',
           'disagreement-about-hours-or-expectations', 'safeguarding', 'scheme-ended', 'other')


def upgrade():
    op.create_table('trial_review',
    sa.Column('match_id', sa.Uuid(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('trial_ends_on', sa.Date(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.Enum('activate', 'extend', 'stop', name='decision', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Uuid(), nullable=True),
    sa.Column('extended_to', sa.Date(), nullable=True),
    sa.Column('stop_reason', sa.Enum(*REASONS, name='stop_reason', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('decision_comment', sa.String(length=2000), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['account.id'], name=op.f('fk_trial_review_decided_by_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], name=op.f('fk_trial_review_match_id_match'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trial_review')),
    sa.UniqueConstraint('match_id', 'round', name=op.f('uq_trial_review_match_id_round'))
    )
    op.create_table('trial_review_view',
    sa.Column('review_id', sa.Uuid(), nullable=False),
    sa.Column('side', sa.String(length=12), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('view', sa.Enum('carry-on', 'not-sure', 'stop', name='view', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('comment', sa.String(length=2000), nullable=True),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('given_as', sa.Enum('self', 'on-behalf', 'proxy', name='given_as', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_trial_review_view_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['trial_review.id'], name=op.f('fk_trial_review_view_review_id_trial_review'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trial_review_view')),
    sa.UniqueConstraint('review_id', 'side', name=op.f('uq_trial_review_view_review_id_side'))
    )
    with op.batch_alter_table('trial_review_view', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trial_review_view_account_id'), ['account_id'], unique=False)


def downgrade():
    with op.batch_alter_table('trial_review_view', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trial_review_view_account_id'))
    op.drop_table('trial_review_view')
    op.drop_table('trial_review')
