"""Behind one proxy (PROXY_COUNT=1, as behind deploy/nginx/tumorboard.conf): the app takes the client's
address, scheme, host and port from the proxy's X-Forwarded-* headers, so the CSRF check's comparison of
the Referer with the request holds on any port, and the audit log gets the client's address."""

from config import TestConfig
from tumorboard import create_app
from tumorboard.auth.views import LOGIN_FAILED

PROXIED = {
    "X-Forwarded-For": "10.20.30.40",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "tumorboard.example-hospital.org",
    "X-Forwarded-Port": "8443",
}
PAGE = "https://tumorboard.example-hospital.org:8443/login"


def _proxied_app(app, proxy_count: int):
    return create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        WTF_CSRF_ENABLED=True,
        PROXY_COUNT=proxy_count,
    )


def _post_login(application, referer: str = PAGE):
    client = application.test_client()
    page = client.get("/login", headers=PROXIED)
    token = page.text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    data = {"csrf_token": token, "email": "nobody@example.org", "password": "not the password"}
    return client.post("/login", data=data, headers={**PROXIED, "Referer": referer})


def test_a_form_posted_through_the_proxy_on_its_own_port_passes_the_csrf_check(app):
    response = _post_login(_proxied_app(app, 1))
    assert response.status_code == 422, response.text  # past the CSRF check: a wrong password
    assert LOGIN_FAILED in response.text


def test_a_referer_from_another_port_is_still_refused(app):
    response = _post_login(_proxied_app(app, 1), referer="https://tumorboard.example-hospital.org/login")
    assert response.status_code == 400
    assert LOGIN_FAILED not in response.text
