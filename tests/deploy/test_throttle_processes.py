"""The sign-in throttle shared by two app servers: two real gunicorn instances with the production
configuration on one database and one Redis (database 12, this test's own). Failures counted by one
server count on the other, and the owner at another address still signs in."""

import re

import pytest
import redis
import requests

from tests.conftest import require_redis
from tests.deploy.stack import DEMO_PASSWORD, Instance, free_port, prepare_database, production_env

THROTTLE_STORE = "redis://127.0.0.1:6379/12"
JOB_QUEUE = "redis://127.0.0.1:6379/13"
SITE = "tumorboard.example-hospital.org"
ATTACKER, OWNER = "203.0.113.66", "10.1.2.3"


def _login(port: int, email: str, password: str, address: str) -> requests.Response:
    """The sign-in form as a browser behind nginx posts it (PROXY_COUNT=1 takes the client's address from
    X-Forwarded-For). The cookie is Secure and this hop is plain http, so it is carried by hand."""
    proxied = {"X-Forwarded-For": address, "X-Forwarded-Proto": "https", "X-Forwarded-Host": SITE}
    page = requests.get(f"http://127.0.0.1:{port}/login", headers=proxied, timeout=10)
    assert page.status_code == 200, page.text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in page.cookies)
    return requests.post(
        f"http://127.0.0.1:{port}/login",
        data={"csrf_token": token, "email": email, "password": password},
        headers={**proxied, "Cookie": cookie, "Referer": f"https://{SITE}/login"},
        allow_redirects=False,
        timeout=30,
    )


@pytest.fixture
def two_servers(tmp_path, isolated_app):
    """Named `isolated_app` so that the suite's per-test transaction leaves the seed's writes alone."""
    require_redis()
    store = redis.Redis.from_url(THROTTLE_STORE)
    store.flushdb()
    database = f"sqlite:///{tmp_path / 'shared.db'}"
    prepare_database(database)
    env = {
        **production_env(database, f"https://{SITE}"),
        "RATELIMIT_STORAGE_URI": THROTTLE_STORE,
        "JOB_QUEUE_URL": JOB_QUEUE,
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    servers = []
    try:
        for name in ("A", "B"):
            port = free_port()
            server = Instance(
                name=name,
                port=port,
                log=tmp_path / f"gunicorn-{name}.log",
                env={**env, "TUMORBOARD_BIND": f"127.0.0.1:{port}", "TUMORBOARD_WORKERS": "1"},
            )
            server.start()
            servers.append(server)
        for server in servers:
            server.wait_ready()
        yield servers
    finally:
        for server in servers:
            server.stop()
        store.flushdb()
        store.close()


def test_failures_on_one_server_count_on_the_other_and_the_owner_still_signs_in(two_servers):
    a, b = two_servers
    email = "chair@example.org"
    for n in range(5):
        server = (a, b)[n % 2]  # the guesses alternate between the two servers
        assert _login(server.port, email, f"wrong guess {n}", ATTACKER).status_code == 422
    for server in (a, b):
        refused = _login(server.port, email, DEMO_PASSWORD, ATTACKER)
        assert refused.status_code == 429, "the five failures are counted on both servers"
        assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert _login(b.port, email, DEMO_PASSWORD, OWNER).status_code == 302
    assert _login(a.port, email, DEMO_PASSWORD, OWNER).status_code == 302
