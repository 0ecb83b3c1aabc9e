"""Four people confirming the same FHIR import at once (threads, each with its own client and session, on a
database whose writes really commit): one creates the finding, the others find it done; never a copy,
never a 500. On SQLite and on PostgreSQL."""

import json
from datetime import date

from sqlalchemy import func, select

from tests import factories
from tests.cases import fhir_examples as ex
from tests.decisions.races import at_once, client_for
from tumorboard.auth.roles import Role
from tumorboard.cases.models import LabResult
from tumorboard.db import utcnow
from tumorboard.extensions import db

BUNDLE = json.dumps(ex.bundle(ex.PATIENT_F001, ex.OBSERVATION_F001_GLUCOSE))


def test_four_confirms_of_one_import_at_once_create_one_finding(isolated_app):
    app = isolated_app()
    with app.app_context():
        board = factories.create_board(name="Race board")
        submitter = factories.create_user(roles=[Role.SUBMITTER], boards=[board])
        specialists = [factories.create_user(roles=[Role.SPECIALIST], boards=[board]) for _ in range(3)]
        patient = factories.create_patient(
            mrn="738472983", birth_date=date(1944, 11, 17), sex="male", created_by=submitter
        )
        case = factories.create_case(
            submitter=submitter, board=board, patient=patient, status="submitted", submitted_at=utcnow()
        )
        case_id, version, patient_version = case.id, case.version, patient.version
        people = [submitter.id, *(u.id for u in specialists)]
        db.session.remove()
    clients = [client_for(app, user_id) for user_id in people]
    path = f"/cases/{case_id}/fhir-import/confirm"
    answers = at_once(
        [
            lambda c=c: c.post(
                path, data={"bundle": BUNDLE, "version": version, "patient_version": patient_version}
            )
            for c in clients
        ]
    )
    assert [getattr(a, "status_code", a) for a in answers] == [302] * 4  # each lands on the case page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LabResult)) == 1
        (source,) = db.session.execute(select(LabResult.source_system, LabResult.source_id)).all()
        assert source == ("http://www.bmc.nl/zorgportal/identifiers/observations", "6323")
        db.session.remove()
