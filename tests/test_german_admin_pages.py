"""The dashboard, the admin's user pages, the audit log and the data-protection review in German (issue 15):
each page's own text comes from the catalogue, with the glossary's terms, and its placeholders filled."""

import pytest
from sqlalchemy import select

from tumorboard.audit.models import AuditEvent
from tumorboard.auth.roles import Role
from tumorboard.extensions import db

GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}


@pytest.mark.parametrize(
    ("role", "path", "german", "english"),
    [
        (
            Role.COORDINATOR,
            "/",
            ["Ihre Tumorkonferenzen", "Anmeldeaktivität", "Kein Mitglied aus:"],
            "Your boards",
        ),
        (Role.ADMIN, "/", ["Administration", "aktive Konten", "Gesamtes Audit-Protokoll"], "Full audit log"),
        (Role.PRIVACY, "/", ["Akte eines Patienten prüfen", "Datenschutzseite"], "data-protection page"),
        (Role.ADMIN, "/admin/users", ["Name oder E-Mail", "Dienstkonten", "Neues Konto"], "Name or email"),
        (Role.ADMIN, "/admin/users/new", ["Das Passwort, das Sie setzen, ist vorläufig"], "is temporary"),
        (Role.ADMIN, "/admin/service-accounts", ["Neues Dienstkonto"], "New service account"),
        (
            Role.ADMIN,
            "/admin/sso/groups",
            ["Single-Sign-on-Gruppen", "Zuordnung hinzufügen"],
            "Add a mapping",
        ),
        (
            Role.ADMIN,
            "/admin/audit/",
            ["Kette prüfen", "Art des Datensatzes", "Filtern"],
            "Verify the chain",
        ),
        (
            Role.PRIVACY,
            "/privacy/",
            ["Akte prüfen", "Grund für diese Prüfung", "DSGVO Art. 15"],
            "Review the record",
        ),
    ],
)
def test_the_page_is_in_german(client_as, role, path, german, english):
    client = client_as(role)
    text = client.get(path, headers=GERMAN).text
    for words in german:
        assert words in text
    assert english not in text
    assert english in client.get(path, headers={"Accept-Language": "en"}).text


def test_the_user_page_fills_its_placeholders_in_german(client_as, users):
    user = users[Role.CHAIR]
    text = client_as(Role.ADMIN).get(f"/admin/users/{user.id}", headers=GERMAN).text
    assert "Letzte Anmeldung:" in text and "Konto deaktivieren" in text and "aktiv." in text
    assert (
        "Rollen" in text
        and "Mitgliedschaften in Tumorkonferenzen" in text
        and "Board memberships" not in text
    )
    assert "%(" not in text


def test_a_refused_audit_filter_says_so_in_german(client_as):
    answer = client_as(Role.ADMIN).get(
        "/admin/audit/?date_from=2026-12-02&date_to=2026-12-01", headers=GERMAN
    )
    assert answer.status_code == 422
    assert "Das Enddatum liegt vor dem Anfangsdatum." in answer.text


def test_the_account_flash_is_in_german(client_as, users):
    user = users[Role.CHAIR]
    client = client_as(Role.ADMIN)
    page = client.get(f"/admin/users/{user.id}", headers=GERMAN).text
    assert "Konto deaktivieren" in page
    answer = client.post(
        f"/admin/users/{user.id}/active",
        data={"active": "0", "version": user.version},
        headers=GERMAN,
        follow_redirects=True,
    )
    assert f"Konto von {user.name} deaktiviert." in answer.text


def test_an_mrn_nobody_has_is_refused_in_german_and_the_look_recorded(client_as):
    answer = client_as(Role.PRIVACY).post(
        "/privacy/",
        data={"mrn": "NOBODY-1", "reason": "Auskunftsersuchen nach Art. 15"},
        headers=GERMAN,
    )
    assert answer.status_code == 422
    assert "Kein Patient hat diese Patientennummer (PID)." in answer.text
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.patient_not_found"))
