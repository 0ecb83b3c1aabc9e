"""A form opened while the case was open may outlive it: a second tab, or the browser's Back after
submitting. Whoever could once use it is told why it is closed now, never answered with a bare 403: a GET
goes to the case page with the reason; a POST comes back with the reason and what was typed, unsaved and
without a save button. Anyone who never could still gets the 403 (or the 404 when the case is not theirs
to see)."""

import html as markup

import pytest
from sqlalchemy import func, select

from tests.cases.helpers import audit_count, case_data_of
from tests.conftest import log_in
from tumorboard.auth.roles import Role
from tumorboard.cases.models import Case, LabResult, PriorTreatment
from tumorboard.cases.operations import submit_case
from tumorboard.extensions import db

TYPED = "Typed after the case moved on: please keep me."


def text_of(response) -> str:
    return " ".join(markup.unescape(response.text).split())


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def as_submitter(app, submitter):
    return log_in(app.test_client(), submitter)


@pytest.fixture
def as_specialist(app, specialist):
    return log_in(app.test_client(), specialist)


def test_back_after_submitting_shows_the_case_and_says_it_was_submitted(as_submitter, submitter, draft):
    form_version = draft.version
    submit_case(submitter, draft, expected_version=draft.version, override_reason="Bleeding; decide now.")
    db.session.commit()
    events = audit_count()

    back = as_submitter.get(f"/cases/{draft.id}/submit")
    assert back.status_code == 302 and back.location.endswith(f"/cases/{draft.id}")
    shown = text_of(as_submitter.get(back.location))
    assert f"Case {draft.id} has been submitted to the GEP-NET board." in shown
    assert "It is not a draft, so there is nothing to submit." in shown

    again = as_submitter.post(
        f"/cases/{draft.id}/submit", data={"version": form_version, "override_reason": TYPED}
    )
    assert again.status_code == 403
    page = text_of(again)
    assert 'id="no-longer-open"' in again.text and "has been submitted to the GEP-NET board" in page
    assert TYPED in page and "Submit anyway" not in page and "Submit to the board</button>" not in again.text
    db.session.refresh(draft)
    assert draft.readiness_override_reason == "Bleeding; decide now." and audit_count() == events


@pytest.mark.parametrize(
    ("status", "says"),
    [
        (
            "scheduled",
            "is on a meeting agenda of the GEP-NET board. Its details can no longer be changed. "
            "Findings can still be added on the case page.",
        ),
        (
            "discussed",
            "The GEP-NET board has discussed case {id}. Its details can no longer be changed. "
            "To bring it to the board again, present it again from the case page.",
        ),
        ("withdrawn", "Case {id} has been withdrawn. Its details can no longer be changed."),
    ],
)
def test_the_case_form_of_a_case_past_editing(as_submitter, create_case, submitter, board, status, says):
    case = create_case(submitter=submitter, board=board, status="submitted")
    data = case_data_of(case) | {"version": case.version}
    case.status = status
    db.session.commit()
    says = says.format(id=case.id)

    back = as_submitter.get(f"/cases/{case.id}/edit")
    assert back.status_code == 302 and back.location.endswith(f"/cases/{case.id}")
    assert says in text_of(as_submitter.get(back.location))

    events = audit_count()
    posted = as_submitter.post(f"/cases/{case.id}/edit", data=data | {"clinical_question": TYPED})
    assert posted.status_code == 403
    page = text_of(posted)
    assert 'id="no-longer-open"' in posted.text and says in page and TYPED in page
    assert "Save case" not in page
    db.session.refresh(case)
    assert case.clinical_question != TYPED and audit_count() == events


def test_a_colleague_who_never_could_edit_still_gets_403(app, case_in_pool, board, create_user):
    colleague = log_in(app.test_client(), create_user(roles=[Role.SUBMITTER], boards=[board]))
    assert colleague.get(f"/cases/{case_in_pool.id}/edit").status_code == 403
    assert colleague.get(f"/cases/{case_in_pool.id}/submit").status_code == 403


@pytest.fixture
def case_in_pool(create_case, submitter, board):
    return create_case(submitter=submitter, board=board, status="submitted")


@pytest.mark.parametrize("who", ["submitter", "specialist"])
def test_finding_forms_of_a_discussed_case(request, case_in_pool, submitter, create_lab, who):
    client = request.getfixturevalue(f"as_{who}")
    lab = create_lab(case_in_pool, created_by=submitter)
    new_data = {
        "sample_date": lab.sample_date.isoformat(),
        "analyte": "gastrin",
        "value": "4242",
        "unit": "pg/mL",
    }
    edit_data = new_data | {"version": lab.version}
    case_in_pool.status = "discussed"
    db.session.commit()
    says = f"The GEP-NET board has discussed case {case_in_pool.id}. Its findings can no longer be changed"
    base = f"/cases/{case_in_pool.id}/lab"
    labs, events = count(LabResult), audit_count()

    for url in (f"{base}/new", f"{base}/{lab.id}/edit"):
        back = client.get(url)
        assert back.status_code == 302 and back.location.endswith(f"/cases/{case_in_pool.id}"), url
        assert says in text_of(client.get(back.location)), url

    for url, data in ((f"{base}/new", new_data), (f"{base}/{lab.id}/edit", edit_data)):
        posted = client.post(url, data=data)
        assert posted.status_code == 403, url
        assert 'id="no-longer-open"' in posted.text and says in text_of(posted), url
        assert 'value="4242' in posted.text and "Save result" not in posted.text, url
        assert "Remove this" not in posted.text, url

    removed = client.post(f"{base}/{lab.id}/delete", data={"version": lab.version})
    assert removed.status_code == 302 and says in text_of(client.get(removed.location))
    db.session.refresh(lab)
    assert (count(LabResult), audit_count(), lab.value) == (labs, events, 180.0)


def test_a_board_member_who_never_could_add_findings_still_gets_403(app, users, case_in_pool):
    case_in_pool.status = "discussed"
    db.session.commit()
    coordinator = log_in(app.test_client(), users[Role.COORDINATOR])
    assert coordinator.get(f"/cases/{case_in_pool.id}/lab/new").status_code == 403


def test_prior_treatment_buttons_of_a_case_on_an_agenda(as_submitter, case_in_pool, submitter):
    from tumorboard.cases.operations import add_prior_treatment

    item = add_prior_treatment(
        submitter,
        case_in_pool,
        treatment="SSA-LAN",
        start_date=case_in_pool.patient.birth_date.replace(year=2020),
    )
    case_in_pool.status = "scheduled"
    db.session.commit()
    events = audit_count()
    added = as_submitter.post(
        f"/cases/{case_in_pool.id}/treatments", data={"treatment": "SURV", "start_date": "2024-01-01"}
    )
    removed = as_submitter.post(f"/cases/{case_in_pool.id}/treatments/{item.id}/delete")
    for response in (added, removed):
        assert response.status_code == 302 and response.location.endswith(f"/cases/{case_in_pool.id}")
    assert "Its prior treatments can no longer be changed." in text_of(
        as_submitter.get(f"/cases/{case_in_pool.id}")
    )
    assert (count(PriorTreatment), audit_count()) == (1, events)


@pytest.mark.parametrize("status", ["submitted", "scheduled", "discussed", "closed", "withdrawn"])
def test_the_patient_form_stays_open_to_who_registered_the_patient(as_submitter, case_in_pool, status):
    """Patients have no such weakness: who registered the patient corrects them whatever their cases'
    status (the identity is not the board's record); anyone else never could (403, tested elsewhere)."""
    case_in_pool.status = status
    db.session.commit()
    assert as_submitter.get(f"/patients/{case_in_pool.patient_id}/edit").status_code == 200
    assert db.session.get(Case, case_in_pool.id).status == status


def test_the_referral_form_of_a_case_back_on_an_agenda(as_submitter, case_in_pool, submitter, create_board):
    from tumorboard.boards.models import BoardMembership
    from tumorboard.db import utcnow

    other = create_board(name="Lung NET board")
    submitter.memberships.append(BoardMembership(board=other))
    case_in_pool.status, case_in_pool.first_scheduled_at = "discussed", utcnow()
    db.session.commit()
    assert as_submitter.get(f"/cases/{case_in_pool.id}/refer").status_code == 200
    data = {"board_id": other.id, "clinical_question": TYPED, "version": case_in_pool.version}
    case_in_pool.status = "scheduled"  # presented again, and on an agenda once more
    db.session.commit()
    says = (
        f"Case {case_in_pool.id} is on a meeting agenda of the GEP-NET board. "
        "A case on an agenda is referred once its board has discussed it."
    )

    back = as_submitter.get(f"/cases/{case_in_pool.id}/refer")
    assert back.status_code == 302 and says in text_of(as_submitter.get(back.location))
    cases, events = count(Case), audit_count()
    posted = as_submitter.post(f"/cases/{case_in_pool.id}/refer", data=data)
    assert posted.status_code == 403 and 'id="no-longer-open"' in posted.text
    assert says in text_of(posted) and TYPED in text_of(posted)
    assert "Refer: make the new case" not in posted.text
    assert (count(Case), audit_count()) == (cases, events)
