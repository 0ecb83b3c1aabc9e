"""The API's reference page (/api/v1/docs), drawn by Swagger UI from the app's own copy: a developer
reads it signed in or not. Once Swagger UI has drawn the document, with an operation open, with a create
being tried and with its answer shown, axe-core finds nothing and nothing scrolls sideways at 768 px."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_the_api_reference_is_drawn_and_accessible(page, live_server, axe, screenshots):
    page.goto(f"{live_server}/api/v1/docs")
    page.get_by_role("heading", level=1).wait_for()
    page.locator(".opblock").first.wait_for()
    axe("the API reference, drawn")
    page.locator(".opblock-summary-control").first.click()
    page.locator(".opblock-body").first.wait_for()
    axe("the API reference, an operation open")
    register = page.locator("#operations-api-post_api_v1_patients")
    register.locator(".opblock-summary-control").click()
    register.get_by_role("button", name="Try it out").click()
    register.get_by_label("Request body POST /api/v1/patients").wait_for()
    axe("the API reference, a create operation being tried")
    register.get_by_role("button", name="Execute").click()
    register.locator(".live-responses-table").wait_for()
    expect(register.locator(".btn.execute")).to_be_enabled()
    axe("the API reference, the answer to a request without a token")
    screenshots("api-docs")
