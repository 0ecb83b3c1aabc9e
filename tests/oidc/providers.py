"""The OpenID providers of the sign-in tests.

`NodeProvider`: the real one, oidc-provider on Node.js (tests/oidc/provider.mjs), driven through its own
login page with plain HTTP. `FakeProvider`: a few lines of WSGI that serve a discovery document, a JWKS
and a token endpoint answering with whatever ID token the test signed (a wrong audience, an expired token,
a bad signature, a rotated key), so that the app's checks are seen refusing each.
"""

import re
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
CLIENT_ID = "tumorboard"
CLIENT_SECRET = "tumorboard-test-client-secret"  # noqa: S105 (the test provider's client)
REDIRECT_URI = "http://localhost/login/oidc/callback"
POST_LOGOUT_REDIRECT_URI = "http://localhost/login"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def node_available() -> bool:
    return shutil.which("node") is not None and (ROOT / "node_modules" / "oidc-provider").is_dir()


class NodeProvider:
    """oidc-provider in a Node.js process of its own, on a free port; stopped by stop()."""

    def __init__(
        self, redirect_uri: str = REDIRECT_URI, post_logout_redirect_uri: str = POST_LOGOUT_REDIRECT_URI
    ) -> None:
        self.redirect_uri = redirect_uri
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(  # noqa: S603 (our own script)
            ["node", str(SCRIPT)],  # noqa: S607
            cwd=ROOT,
            env={
                "PATH": "/usr/bin:/bin:/usr/local/bin",
                "PORT": str(self.port),
                "REDIRECT_URI": redirect_uri,
                "POST_LOGOUT_REDIRECT_URI": post_logout_redirect_uri,
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if line.startswith("ready "):
                return
            if not line and self.process.poll() is not None:
                break
        self.stop()
        raise RuntimeError("the OpenID provider (tests/oidc/provider.mjs) did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()

    def sign_in(self, authorization_url: str, account: str) -> str:
        """What a person does at the provider's login page: type the account's name (and any password);
        returns the URL the provider sends the browser back to (our callback with code and state)."""
        browser = requests.Session()
        url = authorization_url
        for _ in range(12):
            response = browser.get(url, allow_redirects=False, timeout=10)
            if response.is_redirect:
                url = urljoin(url, response.headers["Location"])
                if url.startswith(self.redirect_uri):
                    return url
                continue
            form = re.search(r'<form[^>]*action="([^"]+)"[^>]*method="post"', response.text)
            assert form, response.text[:500]
            fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', response.text))
            fields.update(login=account, password="any password at all")  # noqa: S106
            response = browser.post(
                urljoin(url, unescape(form.group(1))), data=fields, allow_redirects=False, timeout=10
            )
            assert response.is_redirect, response.text[:500]
            url = urljoin(url, response.headers["Location"])
            if url.startswith(self.redirect_uri):
                return url
        raise AssertionError("the provider never sent the browser back")


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@dataclass
class FakeProvider:
    """Discovery, JWKS and a token endpoint; the test decides the ID token the token endpoint returns."""

    port: int = field(default_factory=free_port)
    keys: list[RSAKey] = field(default_factory=list)
    id_token: str = ""
    jwks_requests: int = 0
    token_requests: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.keys = [new_key("key-1")]
        self.server = make_server("127.0.0.1", self.port, self._wsgi, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)

    @Request.application
    def _wsgi(self, request: Request) -> Response:
        if request.path == "/.well-known/openid-configuration":
            return _json(
                {
                    "issuer": self.issuer,
                    "authorization_endpoint": f"{self.issuer}/auth",
                    "token_endpoint": f"{self.issuer}/token",
                    "jwks_uri": f"{self.issuer}/jwks",
                    "end_session_endpoint": f"{self.issuer}/logout",
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "code_challenge_methods_supported": ["S256"],
                    "response_types_supported": ["code"],
                    "subject_types_supported": ["public"],
                }
            )
        if request.path == "/jwks":
            self.jwks_requests += 1
            return _json({"keys": [key.as_dict(private=False) for key in self.keys]})
        if request.path == "/token" and request.method == "POST":
            self.token_requests.append(dict(request.form))
            answer = {"access_token": "an-access-token", "token_type": "Bearer", "id_token": self.id_token}
            return _json(answer)
        return Response("not found", status=404)

    def claims(self, expected_nonce: str, **overrides) -> dict:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": "subject-1",
            "iat": now,
            "exp": now + 300,
            "nonce": expected_nonce,
            "email": "person@example-hospital.org",
            "email_verified": True,
            "name": "Dr. Single Sign-On",
            "groups": [],
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def issue(self, expected_nonce: str, *, key: RSAKey | None = None, **overrides) -> None:
        """The next token endpoint answer: an ID token with these claims, signed by `key` (the current
        key unless given)."""
        key = key or self.keys[0]
        claims = self.claims(expected_nonce, **overrides)
        self.id_token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid})


def _json(data: dict) -> Response:
    import json

    return Response(json.dumps(data), mimetype="application/json")
