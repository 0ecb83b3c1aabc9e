"""the patient registrations' index by user

Revision ID: f238e75ec6b2
Revises: d2899f6f4394
Create Date: 2026-12-03 16:30:00+00:00

Issue 14: a user's patient list reads the patients they registered (`PatientRegistration.user_id ==
user`, tumorboard/cases/queries.py `visible_patients`), for a user without boards as the whole list. The
table's primary key is (patient_id, user_id), which finds a patient's registrations but not a user's: with
one registration or more per patient, every row of the table was read to find one user's. Also used when a
user is deleted (the foreign key's ON DELETE CASCADE).

For the operator: the index is built under a lock that blocks writes to patient_registration while it
builds (about a second per 1,000,000 registrations); upgrade in a maintenance window, as the README's
"Upgrading" says.
"""
from alembic import op


revision = 'f238e75ec6b2'
down_revision = 'd2899f6f4394'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_patient_registration_user', 'patient_registration', ['user_id', 'patient_id'], unique=False)


def downgrade():
    op.drop_index('ix_patient_registration_user', table_name='patient_registration')
