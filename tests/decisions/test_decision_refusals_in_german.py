"""The decision operations' refusals read German for a German reader (issue 15), with their counts and
plan positions in place; nothing is signed or saved. In English they are the ones the decision tests read."""

import pytest

from tests.decisions.support import PRRT_PLAN, client_of, plan_row, save, sign
from tests.decisions.test_decision_views import form_data
from tests.german import GERMAN, german_request
from tumorboard.decisions import operations
from tumorboard.errors import OperationError
from tumorboard.extensions import db


def _refused(call, *args, **kwargs) -> str:
    with pytest.raises(OperationError) as refused:
        call(*args, **kwargs)
    return refused.value.message


def test_signing_refusals_read_german(app, chair, specialist, item):
    decision = operations.start_decision(specialist, item)
    save(specialist, decision, items=[plan_row(), plan_row(intent="", responsible_specialty="")])
    db.session.commit()
    with german_request(app):
        assert (
            _refused(sign, specialist, decision)
            == "Nur der Vorsitz der Tumorkonferenz unterzeichnet ihre Beschlüsse."
        )
        assert _refused(sign, chair, decision) == (
            "Therapieschritt 2: Vor der Unterzeichnung des Beschlusses fehlt noch: "
            "Intention und zuständige Fachrichtung."
        )
    db.session.expire_all()
    assert decision.signed_at is None


def test_a_warning_to_sign_over_is_counted_in_german(app, chair, specialist, item):
    decision = operations.start_decision(specialist, item)
    save(specialist, decision, items=PRRT_PLAN)
    db.session.commit()
    with german_request(app):
        assert _refused(sign, chair, decision) == (
            "1 Konsistenzwarnung: Unterzeichnen Sie mit Begründung oder ändern Sie die Therapieempfehlung."
        )


def test_a_plan_too_long_or_unknown_reads_german(app, specialist, item):
    decision = operations.start_decision(specialist, item)
    db.session.commit()
    with german_request(app):
        too_many = [plan_row() for _ in range(operations.MAX_PLAN_ITEMS + 1)]
        assert _refused(save, specialist, decision, items=too_many) == (
            f"Eine Therapieempfehlung hat höchstens {operations.MAX_PLAN_ITEMS} Schritte."
        )
        assert _refused(save, specialist, decision, items=[plan_row("NO-SUCH-TREATMENT")]) == (
            "Unbekannte Behandlung in der Therapieempfehlung."
        )
    db.session.expire_all()
    assert decision.items == []


def test_the_autosaves_refusal_the_page_script_shows_reads_german(app, specialist, draft):
    client = client_of(app, specialist)
    response = client.post(
        f"/decisions/{draft.id}/autosave", data=form_data(draft, [plan_row("XYZ")]), headers=GERMAN
    )
    assert response.status_code == 422
    error = response.json["error"]
    assert error.startswith("Nicht gespeichert: ") and "Therapieschritt 1, Behandlung: " in error, error
    stale = client.post(f"/decisions/{draft.id}/autosave", data={"recommendation": "x"}, headers=GERMAN)
    assert stale.status_code == 422
    assert stale.json["error"].startswith("Nicht gespeichert: ")
    assert "Die Seite ist nicht mehr aktuell: Bitte neu laden." in stale.json["error"]
