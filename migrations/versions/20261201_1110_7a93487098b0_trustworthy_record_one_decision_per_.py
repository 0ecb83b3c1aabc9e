"""trustworthy record: one decision per item, frozen snapshots, access log, referrals

Revision ID: 7a93487098b0
Revises: 37f0ccbfd6e0
Create Date: 2026-12-01 11:10:53.424627+00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a93487098b0'
down_revision = '37f0ccbfd6e0'
branch_labels = None
depends_on = None



# Rows that are only ever inserted: frozen snapshots, and the access log.
FROZEN_TABLES = ('agenda_snapshot', 'decision_snapshot', 'access_log')


def _refuse_changes(table: str, is_sqlite: bool) -> None:
    """Triggers that refuse UPDATE and DELETE on `table`, from any client, not only from the app."""
    message = f'{table} is append-only: its rows are never changed or deleted'
    if is_sqlite:
        for action in ('UPDATE', 'DELETE'):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table}"
                f" BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
        return
    op.execute(
        f"CREATE FUNCTION {table}_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN RAISE EXCEPTION '{message}' USING ERRCODE = 'integrity_constraint_violation'; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}"
        f" FOR EACH ROW EXECUTE FUNCTION {table}_refuse_change()"
    )


def _drop_refusals(table: str, is_sqlite: bool) -> None:
    if is_sqlite:
        for action in ('update', 'delete'):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
        return
    op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    op.execute(f"DROP FUNCTION IF EXISTS {table}_refuse_change()")


def _refuse_duplicate_decisions() -> None:
    """Decisions made by an earlier race (two drafts, or two signed versions, for one agenda item) must be
    resolved by a person before the database can enforce one: stop with the items to look at."""
    bind = op.get_bind()
    duplicates = bind.execute(
        sa.text(
            "SELECT agenda_item_id, status, COUNT(*) FROM decision WHERE status IN ('draft', 'signed')"
            " GROUP BY agenda_item_id, status HAVING COUNT(*) > 1"
        )
    ).all()
    numbers = bind.execute(
        sa.text("SELECT agenda_item_id FROM decision GROUP BY agenda_item_id, number HAVING COUNT(*) > 1")
    ).all()
    if duplicates or numbers:
        items = sorted({row[0] for row in [*duplicates, *numbers]})
        raise RuntimeError(
            "Agenda items with more than one current decision (resolve them, then migrate again): "
            + ", ".join(str(i) for i in items)
        )


def upgrade():
    is_sqlite = op.get_bind().dialect.name == 'sqlite'
    op.create_table('access_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('board_id', sa.Integer(), nullable=True),
    sa.Column('page', sa.String(length=24), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_access_log_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_log'))
    )
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index('ix_access_log_board_patient', ['board_id', 'patient_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_access_log_patient', ['patient_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_access_log_user', ['user_id', 'occurred_at'], unique=False)

    op.create_table('patient_registration',
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_patient_registration_patient_id_patient'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_patient_registration_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('patient_id', 'user_id', name=op.f('pk_patient_registration'))
    )
    op.create_table('agenda_snapshot',
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('schema_version', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'], name=op.f('fk_agenda_snapshot_agenda_item_id_agenda_item')),
    sa.PrimaryKeyConstraint('agenda_item_id', name=op.f('pk_agenda_snapshot'))
    )
    op.create_table('decision_snapshot',
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('schema_version', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_decision_snapshot_decision_id_decision')),
    sa.PrimaryKeyConstraint('decision_id', name=op.f('pk_decision_snapshot'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('board_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('patient_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_audit_event_patient', ['patient_id', 'seq'], unique=False)

    _refuse_duplicate_decisions()
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.create_index('uq_decision_item_draft', ['agenda_item_id'], unique=True, sqlite_where=sa.text("status = 'draft'"), postgresql_where=sa.text("status = 'draft'"))
        batch_op.create_index('uq_decision_item_number', ['agenda_item_id', 'number'], unique=True)
        batch_op.create_index('uq_decision_item_signed', ['agenda_item_id'], unique=True, sqlite_where=sa.text("status = 'signed'"), postgresql_where=sa.text("status = 'signed'"))

    # Added in place (SQLite takes the foreign key in ADD COLUMN): a batch rebuild of tumor_case would drop
    # the old table, and with foreign keys on, SQLite would cascade that to every finding.
    op.add_column('tumor_case', sa.Column('first_scheduled_at', sa.DateTime(timezone=True), nullable=True))
    if is_sqlite:
        op.execute(
            "ALTER TABLE tumor_case ADD COLUMN referred_from_id INTEGER"
            " CONSTRAINT fk_tumor_case_referred_from_id_tumor_case REFERENCES tumor_case (id)"
        )
    else:
        op.add_column('tumor_case', sa.Column('referred_from_id', sa.Integer(), nullable=True))
        op.create_foreign_key(
            'fk_tumor_case_referred_from_id_tumor_case', 'tumor_case', 'tumor_case', ['referred_from_id'], ['id']
        )
    op.create_index('ix_tumor_case_referred_from_id', 'tumor_case', ['referred_from_id'], unique=False)
    # A case already put on an agenda keeps its board from now on.
    op.execute(
        "UPDATE tumor_case SET first_scheduled_at ="
        " (SELECT MIN(added_at) FROM agenda_item WHERE agenda_item.case_id = tumor_case.id)"
    )
    # Whoever registered a patient keeps seeing them.
    op.execute(
        "INSERT INTO patient_registration (patient_id, user_id, registered_at)"
        " SELECT id, created_by_id, created_at FROM patient"
    )
    for table in FROZEN_TABLES:
        _refuse_changes(table, is_sqlite)

    # ### end Alembic commands ###


def downgrade():
    is_sqlite = op.get_bind().dialect.name == 'sqlite'
    for table in FROZEN_TABLES:
        _drop_refusals(table, is_sqlite)
    op.drop_index('ix_tumor_case_referred_from_id', table_name='tumor_case')
    # a batch (a copy of the table on SQLite; env.py turns foreign keys off for it)
    with op.batch_alter_table('tumor_case') as batch_op:
        if not is_sqlite:  # SQLite's copy leaves out the foreign key of a dropped column by itself
            batch_op.drop_constraint('fk_tumor_case_referred_from_id_tumor_case', type_='foreignkey')
        batch_op.drop_column('referred_from_id')
        batch_op.drop_column('first_scheduled_at')

    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_index('uq_decision_item_signed', sqlite_where=sa.text("status = 'signed'"), postgresql_where=sa.text("status = 'signed'"))
        batch_op.drop_index('uq_decision_item_number')
        batch_op.drop_index('uq_decision_item_draft', sqlite_where=sa.text("status = 'draft'"), postgresql_where=sa.text("status = 'draft'"))

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_patient')
        batch_op.drop_column('patient_id')
        batch_op.drop_column('board_id')

    op.drop_table('decision_snapshot')
    op.drop_table('agenda_snapshot')
    op.drop_table('patient_registration')
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index('ix_access_log_user')
        batch_op.drop_index('ix_access_log_patient')
        batch_op.drop_index('ix_access_log_board_patient')

    op.drop_table('access_log')
    # ### end Alembic commands ###
