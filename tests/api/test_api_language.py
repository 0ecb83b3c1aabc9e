"""The API answers in English whatever the caller's browser asks for (issue 15): its problem JSON carries
the operations' messages, which a German page shows in German."""

from tests.api.conftest import bearer
from tumorboard.cases.models import PriorTreatment
from tumorboard.extensions import db

GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}


def test_a_refusal_of_the_api_is_english_for_a_german_caller(client, world):
    response = client.post(
        f"/api/v1/cases/{world.case.id}/prior-treatments",
        headers=bearer(world.tokens["write"], **GERMAN),
        json={"treatment": "SURV", "start_date": "2999-01-01"},
    )
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    problem = response.get_json(force=True)
    assert problem["errors"] == {"start_date": ["The start date cannot be in the future."]}
    assert db.session.query(PriorTreatment).count() == 0


def test_the_api_documentation_page_stays_in_the_readers_language(client):
    page = client.get("/api/v1/docs", headers=GERMAN)
    assert page.status_code == 200 and '<html lang="de"' in page.text
