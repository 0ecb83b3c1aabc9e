"""The chair sets up the second factor (the QR code drawn by the server, the key as text), keeps the
recovery codes, signs out, and signs in again: password, then a code pyotp computes from the key."""

import time

import pyotp
import pytest

from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.e2e


def test_chair_enrols_and_signs_in_with_a_code(page, live_server, screenshots):
    sign_in(page, live_server, "chair@example.org")
    page.get_by_role("heading", name="Your boards").wait_for()
    page.goto(f"{live_server}/account")
    page.get_by_role("link", name="Set up the second factor").click()
    page.get_by_role("heading", name="Second factor").wait_for()
    assert page.locator("svg.totp-qr").is_visible()
    screenshots("second-factor-enrol")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    app = pyotp.TOTP(secret)
    # the code of the step before now (the clock drift allowed), so the current one is still unused
    page.get_by_label("Code from the app").fill(app.at(time.time() - 30))
    page.get_by_role("button", name="Turn on the second factor").click()
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    assert page.locator("#recovery-codes li").count() == 10
    screenshots("second-factor-recovery-codes")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You have signed out.").wait_for()
    sign_in(page, live_server, "chair@example.org")
    page.get_by_role("heading", name="Second factor").wait_for()
    assert "/login/code" in page.url
    screenshots("second-factor-sign-in")
    page.get_by_label("Code").fill(app.now())
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("heading", name="Your boards").wait_for()
