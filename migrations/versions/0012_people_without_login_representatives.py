"""people without a login, representatives, answers for someone

An account may now have no email and no password (a person a coordinator added), says how it
came to be (``origin``: existing householders and sharers registered themselves, coordinators
and admins are staff), may be a representative's, and keeps the day a person agreed that their
coordinator answers for them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 01:49:53.148944

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('behalf_record',
    sa.Column('scheme_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('side', sa.String(length=12), nullable=False),
    sa.Column('recorded_by_id', sa.Uuid(), nullable=True),
    sa.Column('given_as', sa.Enum('self', 'on-behalf', 'proxy', name='given_as', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('how', sa.Enum('in-person', 'by-phone', 'on-paper', 'representative', name='how', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target_type', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['account.id'], name=op.f('fk_behalf_record_person_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['account.id'], name=op.f('fk_behalf_record_recorded_by_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['scheme_id'], ['scheme.id'], name=op.f('fk_behalf_record_scheme_id_scheme'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_behalf_record'))
    )
    with op.batch_alter_table('behalf_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_behalf_record_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_behalf_record_target', ['target_type', 'target_id'], unique=False)

    op.create_table('representation',
    sa.Column('scheme_id', sa.Uuid(), nullable=False),
    sa.Column('representative_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('relationship', sa.Enum('family', 'friend', 'attorney-property', 'attorney-health', name='relationship', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('consent_on', sa.Date(), nullable=False),
    sa.Column('consent_how', sa.Enum('in-person', 'by-phone', 'on-paper', 'representative', name='consent_how', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['account.id'], name=op.f('fk_representation_created_by_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['account.id'], name=op.f('fk_representation_person_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['representative_id'], ['account.id'], name=op.f('fk_representation_representative_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scheme_id'], ['scheme.id'], name=op.f('fk_representation_scheme_id_scheme'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_representation'))
    )
    with op.batch_alter_table('representation', schema=None) as batch_op:
        batch_op.create_index('ix_representation_person_id', ['person_id'], unique=False)
        batch_op.create_index('uq_representation_live', ['representative_id', 'person_id'], unique=True, sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))

    op.create_table('representative',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_representative_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_representative'))
    )
    _account_upgrade()
    with op.batch_alter_table('checkin_answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('given_as', GIVEN_AS, nullable=False, server_default='self'))
    with op.batch_alter_table('checkin_answer', schema=None) as batch_op:
        batch_op.alter_column('given_as', server_default=None)



def downgrade():
    op.drop_table('representative')
    with op.batch_alter_table('representation', schema=None) as batch_op:
        batch_op.drop_index('uq_representation_live', sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))
        batch_op.drop_index('ix_representation_person_id')

    op.drop_table('representation')
    with op.batch_alter_table('behalf_record', schema=None) as batch_op:
        batch_op.drop_index('ix_behalf_record_target')
        batch_op.drop_index(batch_op.f('ix_behalf_record_person_id'))

    op.drop_table('behalf_record')
    with op.batch_alter_table('checkin_answer', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_checkin_answer_given_as'), type_='check')
        batch_op.drop_column('given_as')
    _account_downgrade()


GIVEN_AS = sa.Enum('self', 'on-behalf', 'proxy', name='given_as', native_enum=False, create_constraint=True,
                   length=20)
ROLES_BEFORE = ('householder', 'sharer', 'coordinator', 'admin')
ROLES_AFTER = (*ROLES_BEFORE, 'representative')
ORIGIN = sa.Enum('self-registered', 'coordinator', 'staff', name='origin', native_enum=False,
                 create_constraint=True, length=20)


def _roles(roles):
    return "role IN (" + ", ".join(f"'{role}'" for role in roles) + ")"


def _account_upgrade():
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_account(nullable_login=True, roles=ROLES_AFTER, with_new_columns=True)
        return
    op.add_column('account', sa.Column('origin', ORIGIN, nullable=False, server_default='self-registered'))
    op.add_column('account', sa.Column('behalf_agreed_on', sa.Date(), nullable=True))
    op.execute("UPDATE account SET origin = 'staff' WHERE role IN ('coordinator', 'admin')")
    op.alter_column('account', 'origin', server_default=None)
    op.alter_column('account', 'email', existing_type=sa.String(254), nullable=True)
    op.alter_column('account', 'password_hash', existing_type=sa.String(255), nullable=True)
    op.drop_constraint(op.f('ck_account_role'), 'account', type_='check')
    op.create_check_constraint(op.f('ck_account_role'), 'account', _roles(ROLES_AFTER))


def _account_downgrade():
    # Accounts the old schema cannot hold go first: representatives, and people without a login.
    op.execute("DELETE FROM account WHERE role = 'representative' OR email IS NULL OR password_hash IS NULL")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_account(nullable_login=False, roles=ROLES_BEFORE, with_new_columns=False)
        return
    op.drop_constraint(op.f('ck_account_role'), 'account', type_='check')
    op.create_check_constraint(op.f('ck_account_role'), 'account', _roles(ROLES_BEFORE))
    op.alter_column('account', 'password_hash', existing_type=sa.String(255), nullable=False)
    op.alter_column('account', 'email', existing_type=sa.String(254), nullable=False)
    op.drop_column('account', 'behalf_agreed_on')
    op.drop_column('account', 'origin')


COLUMNS = ("email", "password_hash", "role", "scheme_id", "is_active", "password_changed_at", "last_login_at", "id",
           "created_at", "updated_at", "erased_at", "left_at", "left_reason", "email_verified_at")


def _rebuild_sqlite_account(*, nullable_login, roles, with_new_columns):
    """SQLite changes a column's nullability or a CHECK constraint only by copying the table.
    Foreign keys are off meanwhile: dropping the old table would otherwise delete every row that
    cascades from an account (profiles, matches, sessions...)."""
    context = op.get_context()
    with context.autocommit_block():
        op.execute("PRAGMA foreign_keys=OFF")
    try:
        new_columns = ("origin VARCHAR(20) NOT NULL, behalf_agreed_on DATE, "
                       "CONSTRAINT ck_account_origin CHECK (origin IN ('self-registered', 'coordinator', 'staff')), "
                       if with_new_columns else "")
        null = "" if nullable_login else " NOT NULL"
        op.execute(f"""
            CREATE TABLE account_rebuilt (
                email VARCHAR(254){null},
                password_hash VARCHAR(255){null},
                role VARCHAR(20) NOT NULL,
                scheme_id CHAR(32),
                is_active BOOLEAN NOT NULL,
                password_changed_at DATETIME,
                last_login_at DATETIME,
                id CHAR(32) NOT NULL,
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL,
                erased_at DATETIME,
                left_at DATETIME,
                left_reason VARCHAR(200),
                email_verified_at DATETIME,
                {new_columns}
                CONSTRAINT pk_account PRIMARY KEY (id),
                CONSTRAINT ck_account_scheme_unless_admin CHECK ((role = 'admin' AND scheme_id IS NULL) OR (role <> 'admin' AND scheme_id IS NOT NULL)),
                CONSTRAINT fk_account_scheme_id_scheme FOREIGN KEY(scheme_id) REFERENCES scheme (id) ON DELETE RESTRICT,
                CONSTRAINT uq_account_email UNIQUE (email),
                CONSTRAINT ck_account_role CHECK ({_roles(roles)})
            )""")
        columns = ", ".join(COLUMNS)
        if with_new_columns:
            op.execute(f"INSERT INTO account_rebuilt ({columns}, origin) SELECT {columns}, CASE WHEN role IN "
                       "('coordinator', 'admin') THEN 'staff' ELSE 'self-registered' END FROM account")
        else:
            op.execute(f"INSERT INTO account_rebuilt ({columns}) SELECT {columns} FROM account")
        op.execute("DROP TABLE account")
        op.execute("ALTER TABLE account_rebuilt RENAME TO account")
        op.execute("CREATE INDEX ix_account_scheme_id ON account (scheme_id)")
        problems = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign keys broken by rebuilding the account table: {problems[:5]}")
    finally:
        with context.autocommit_block():
            op.execute("PRAGMA foreign_keys=ON")
