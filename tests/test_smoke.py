from tests.conftest import log_in


def test_login_page(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b"Sign in" in response.data


def test_dashboard(client, users):
    from tumorboard.auth.roles import Role

    log_in(client, users[Role.ADMIN])
    response = client.get("/")
    assert response.status_code == 200, response.data.decode()[:3000]
