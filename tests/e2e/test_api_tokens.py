"""A submitter makes a personal access token on the account page, copies it (shown once), uses it with
a real HTTP client against the live server's API, and revokes it; the administrator makes a service
account for an integration, limited to one board, with its own token."""

import json
import re
import urllib.error
import urllib.request

import pytest

from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.e2e


def _api(base: str, path: str, token: str) -> tuple[int, object]:
    request = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the test's own server)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_a_submitter_makes_uses_and_revokes_a_token(page, live_server, screenshots):
    sign_in(page, live_server, "submitter@example.org")
    page.get_by_role("heading", name="Your boards").wait_for()
    page.goto(f"{live_server}/account")
    page.get_by_label("Token name").fill("Analysis notebook")
    page.get_by_label("Scope").select_option("read")
    page.get_by_role("button", name="Create the token").click()
    page.get_by_text("Copy the token now.").wait_for()
    secret = page.get_by_label("The new token").input_value()
    assert re.fullmatch(r"tbp_[A-Za-z0-9_-]{40,}", secret)
    screenshots("account-new-token")
    status, cases = _api(live_server, "/api/v1/cases?limit=5", secret)
    assert status == 200 and isinstance(cases, list) and cases
    page.goto(f"{live_server}/account")
    assert page.get_by_label("The new token").count() == 0  # shown once
    page.get_by_role("button", name="Revoke Analysis notebook").click()
    page.get_by_text("The token is revoked").wait_for()
    status, problem = _api(live_server, "/api/v1/cases", secret)
    assert status == 401 and problem["status"] == 401


def test_the_admin_makes_a_service_account_and_its_token(page, live_server, screenshots):
    sign_in(page, live_server, "admin@example.org")
    page.get_by_role("heading", name="Your boards").wait_for()
    page.goto(f"{live_server}/admin/users")
    page.get_by_role("link", name="Service accounts").click()
    page.get_by_label("Name of the integration").fill("Laboratory interface")
    page.get_by_label("GEP-NET board").check()
    page.get_by_role("button", name="Create the service account").click()
    page.get_by_role("heading", name="Laboratory interface").wait_for()
    page.get_by_label("Token name").fill("ORU feed")
    page.get_by_label("Scope").select_option("write")
    page.get_by_role("button", name="Create the token").click()
    secret = page.get_by_label("The new token").input_value()
    screenshots("service-account-token")
    status, boards = _api(live_server, "/api/v1/boards", secret)
    assert status == 200 and [b["name"] for b in boards] == ["GEP-NET board"]
