"""A chair who forgot the password asks for a link on the sign-in page, opens the e-mailed link, sets a
new password and signs in with it."""

import re
from urllib.parse import urlsplit

import pytest

from tumorboard.extensions import mail

pytestmark = pytest.mark.e2e

NEW = "lantern harbour quietly north"


def test_forgotten_password_reset_by_the_mailed_link(page, live_app, live_server, screenshots):
    live_app.config["MAIL_SERVER"] = "mail.hospital.org"
    with mail.record_messages() as outbox:
        page.goto(f"{live_server}/login")
        page.get_by_role("link", name="Forgot password?").click()
        page.get_by_role("heading", name="Forgot your password?").wait_for()
        screenshots("password-forgot")
        page.get_by_label("Email").fill("chair@example.org")
        page.get_by_role("button", name="Send the link").click()
        page.get_by_text("If this address belongs to an account").wait_for()
    (message,) = outbox
    link = urlsplit(re.search(r"https?://\S+", message.body).group(0))
    page.goto(f"{live_server}{link.path}?{link.query}")
    page.get_by_role("heading", name="Choose a new password").wait_for()
    assert "token" not in page.url
    screenshots("password-reset")
    page.get_by_label("New password", exact=True).fill("password1234")
    page.get_by_label("Repeat the new password").fill("password1234")
    page.get_by_role("button", name="Set the new password").click()
    page.get_by_text("This password is too easy to guess").wait_for()
    page.get_by_label("New password", exact=True).fill(NEW)
    page.get_by_label("Repeat the new password").fill(NEW)
    page.get_by_role("button", name="Set the new password").click()
    page.get_by_text("Your new password is set").wait_for()
    page.get_by_label("Email").fill("chair@example.org")
    page.get_by_label("Password").fill(NEW)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Your boards").wait_for()
