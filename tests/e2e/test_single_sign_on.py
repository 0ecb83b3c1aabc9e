"""A chair signs in through the hospital's OpenID provider (oidc-provider on Node.js, its own login
page) and lands on the dashboard with the roles and the board their groups map to; signing out sends the
browser to the provider's sign-out."""

import threading

import pytest
from werkzeug.serving import make_server

from tests.e2e.test_meeting_mode import start_the_meeting
from tests.oidc.providers import CLIENT_ID, CLIENT_SECRET, NodeProvider, node_available
from tumorboard.auth import oidc
from tumorboard.auth.models import GroupMapping, find_user_by_email
from tumorboard.auth.roles import Role
from tumorboard.boards.models import Board
from tumorboard.extensions import db
from tumorboard.seed import seed_demo

pytestmark = pytest.mark.e2e


@pytest.fixture
def sso_server(isolated_app):
    yield from _serve(isolated_app)


@pytest.fixture
def sso_chair_server(isolated_app):
    """As sso_server, with the demo board's chair linked to the provider's chair.sso and without a
    TumorBoard password (as a first single sign-on leaves an account)."""
    yield from _serve(isolated_app, link_chair=True)


def _serve(isolated_app, link_chair: bool = False):
    if not node_available():
        pytest.skip("Node.js or node_modules/oidc-provider missing: run `make .venv/.installed-stamp`")
    app = isolated_app()
    with app.app_context():
        seed_demo()
        board = db.session.scalar(db.select(Board).where(Board.name == "GEP-NET board"))
        db.session.add_all(
            [
                GroupMapping(group_name="tb-chairs", role=Role.CHAIR),
                GroupMapping(group_name="tb-gep-net", role=Role.SPECIALIST, board_id=board.id),
            ]
        )
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    provider = NodeProvider(f"{base}/login/oidc/callback", f"{base}/login")
    app.config.update(
        OIDC_ISSUER=provider.issuer,
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_ALLOW_SIGNUP=True,
    )
    oidc.configure(app)
    if link_chair:
        with app.app_context():
            chair = find_user_by_email("chair@example.org")
            chair.oidc_issuer, chair.oidc_subject, chair.password_hash = provider.issuer, "chair.sso", ""
            db.session.commit()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base, provider
    server.shutdown()
    thread.join(timeout=10)
    provider.stop()


def test_a_chair_signs_in_through_the_provider_and_out_again(page, page_checks, sso_server, screenshots):
    base, provider = sso_server
    page.goto(f"{base}/login")
    screenshots("login-single-sign-on")
    link = page.get_by_role("link", name="Sign in with your hospital account")
    link.wait_for()  # our login page is checked here, before leaving it
    page_checks.active = False  # the provider's own pages are not ours to check
    link.click()
    page.wait_for_url(f"{provider.issuer}/**")
    page.locator("input[name=login]").fill("chair.sso")
    page.locator("input[name=password]").fill("any password at all")
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/")
    page_checks.active = True
    page.get_by_role("heading", name="Your boards").wait_for()
    badges = page.locator(".badge").all_inner_texts()
    assert "Chair" in badges and "Specialist" in badges
    assert page.get_by_text("GEP-NET board").first.is_visible()

    sign_out = page.get_by_role("button", name="Sign out")
    sign_out.wait_for()
    page_checks.active = False
    sign_out.click()
    page.wait_for_url(f"{provider.issuer}/session/end**")
    page.locator("button[autofocus], button[type=submit]").first.click()  # "Yes, sign me out"
    page.wait_for_url(f"{base}/login**")
    page_checks.active = True
    page.goto(f"{base}/")
    assert "/login" in page.url


def test_the_admin_maps_a_group_to_a_role_and_a_board(page, live_server, screenshots):
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill("admin@example.org")
    page.get_by_label("Password").fill("tumorboard-demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Administration").wait_for()
    page.goto(f"{live_server}/admin/users")
    page.get_by_role("link", name="Single sign-on groups").click()
    page.get_by_role("heading", name="Single sign-on groups").wait_for()
    page.get_by_label("Provider group").fill("tb-gep-net-chairs")
    page.get_by_label("Role").select_option("chair")
    page.get_by_label("Board membership").select_option(label="GEP-NET board")
    page.get_by_role("button", name="Add mapping").click()
    page.get_by_text("Group mapping added").wait_for()
    row = page.get_by_role("row").filter(has_text="tb-gep-net-chairs")
    assert "Chair" in row.inner_text() and "GEP-NET board" in row.inner_text()
    screenshots("admin-group-mapping")
    row.get_by_role("button", name="Remove").click()
    page.get_by_text("Group mapping removed").wait_for()
    assert page.get_by_role("row").filter(has_text="tb-gep-net-chairs").count() == 0


def _at_the_providers_login_page(page, page_checks, provider, account: str) -> None:
    """The provider's own login page (not ours to check): the account's name and any password."""
    page.wait_for_url(f"{provider.issuer}/**")
    page.locator("input[name=login]").fill(account)
    page.locator("input[name=password]").fill("any password at all")
    page.locator("button[type=submit]").click()


def test_a_chair_signed_in_at_the_provider_signs_a_decision_by_signing_in_there_again(
    page, page_checks, sso_chair_server, screenshots
):
    base, provider = sso_chair_server
    page.goto(f"{base}/login?next=/meetings")
    link = page.get_by_role("link", name="Sign in with your hospital account")
    link.wait_for()
    page_checks.active = False
    link.click()
    _at_the_providers_login_page(page, page_checks, provider, "chair.sso")
    page.wait_for_url(f"{base}/meetings")  # where the chair was going
    page_checks.active = True

    start_the_meeting(page)

    page.get_by_role("button", name="Record the decision for this case").click()
    page.get_by_label("Plan item 1 treatment").select_option("SSA-LAN")
    page.get_by_label("Plan item 1 intent").select_option("palliative")
    page.get_by_label("Plan item 1 responsible specialty").select_option("medical_oncology")
    page.get_by_label("Rationale").fill("Progressive disease; SSTR-positive.")
    typed = "Lanreotide 120 mg every 28 days; restage in 3 months."
    page.get_by_label("Recommendation").fill(typed)
    assert page.get_by_label("Your password").count() == 0
    confirm = page.get_by_role("button", name="Confirm with your hospital account and sign")
    confirm.wait_for()
    screenshots("sign-with-provider")
    page_checks.active = False
    confirm.click()
    _at_the_providers_login_page(page, page_checks, provider, "chair.sso")  # prompt=login: asked again
    page.wait_for_url(f"{base}/meetings/**")
    page_checks.active = True
    sign_now = page.get_by_role("button", name="Sign now")
    sign_now.wait_for()
    assert page.get_by_label("Recommendation").input_value() == typed  # saved before leaving
    screenshots("sign-now-after-provider")
    sign_now.click()
    page.get_by_text("Decision signed").first.wait_for()
    page.get_by_text(typed).first.wait_for()
