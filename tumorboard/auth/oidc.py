"""Single sign-on through the hospital's OpenID provider (Keycloak, ADFS, Entra ID …), with Authlib.

Authlib's Flask client does the protocol: the discovery document (`OIDC_ISSUER` +
/.well-known/openid-configuration), the authorization code flow with PKCE (S256), `state` and `nonce` kept
in the signed session and checked on the way back (a state it did not issue is MismatchingStateError), the
code exchanged once at the token endpoint, and the ID token's signature checked against the provider's
keys (JWKS), fetched again when a token names a key id it does not know (the provider rotated its keys).
The claims are checked here with what the ID token must say: `iss` the issuer, `aud` our client id, `exp`
and `iat` present and in time, `nonce` the one this browser was given.

Without `OIDC_ISSUER` nothing of this is registered and the login page offers local passwords only.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from joserfc.errors import JoseError
from requests import RequestException

from tumorboard.clinical.labels import N_
from tumorboard.public_url import public_url

CLIENT = "tumorboard_oidc"
DISCOVERY_PATH = "/.well-known/openid-configuration"
# The seconds of clock difference allowed between the provider and us when checking exp and iat.
CLOCK_LEEWAY = 60
# The session keys kept after a single sign-on, for the provider's logout: that it was one, and the ID token
# as the logout's hint when it is small enough for the cookie (a token listing many groups is not: the
# logout then names our client instead, which the RP-initiated logout allows as well).
SIGNED_IN_SESSION_KEY = "oidc"
ID_TOKEN_SESSION_KEY = "oidc_id_token"  # noqa: S105 (a session key, not a secret)
MAX_ID_TOKEN_IN_SESSION = 2048


class SignInRefused(Exception):
    """The provider's answer cannot sign anybody in; `reason` goes to the audit log, `message` to the page."""

    def __init__(self, reason: str, message: str, status: int = 400):
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in, from the validated ID token."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str
    groups: frozenset[str]
    id_token: str
    # When the person signed in at the provider (the `auth_time` claim), if it says; a step-up needs it.
    auth_time: int | None = None


def init_app(app: Flask) -> None:
    """Called by create_app before the security headers' hook is registered, so that this hook runs after
    it (Flask runs after-request hooks last registered first)."""
    app.after_request(_allow_the_providers_logout)
    configure(app)


def configure(app: Flask) -> None:
    """The provider's client, from the app's OIDC_* settings; nothing without OIDC_ISSUER."""
    issuer = app.config.get("OIDC_ISSUER", "")
    if not issuer:
        return
    if not app.config.get("OIDC_CLIENT_ID"):
        raise RuntimeError("OIDC_ISSUER is set but OIDC_CLIENT_ID is not: the provider needs our client id.")
    scopes = app.config["OIDC_SCOPES"].split()
    if "openid" not in scopes:
        raise RuntimeError("OIDC_SCOPES must contain openid: the sign-in needs the ID token.")
    oauth = OAuth(app)
    oauth.register(
        name="hospital",
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"] or None,
        server_metadata_url=issuer.rstrip("/") + DISCOVERY_PATH,
        client_kwargs={"scope": " ".join(scopes), "code_challenge_method": "S256", "timeout": 10},
    )
    app.extensions[CLIENT] = oauth.create_client("hospital")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _allow_the_providers_logout(response):
    """The sign-out form's POST is answered with a redirect to the provider's end_session_endpoint, which
    the browser follows only when the page's CSP `form-action` names the provider: the issuer's origin, and
    the logout endpoint's once the discovery document has been read."""
    if not enabled():
        return response
    policy = response.headers.get("Content-Security-Policy", "")
    if "form-action 'self'" not in policy:
        return response
    sources = {_origin(current_app.config["OIDC_ISSUER"])}
    end_session = (_client().server_metadata or {}).get("end_session_endpoint")
    if end_session:
        sources.add(_origin(end_session))
    response.headers["Content-Security-Policy"] = policy.replace(
        "form-action 'self'", "form-action 'self' " + " ".join(sorted(sources))
    )
    return response


def enabled() -> bool:
    return CLIENT in current_app.extensions


def _client() -> Any:
    return current_app.extensions[CLIENT]


def callback_url() -> str:
    """The redirect URI to register at the provider."""
    return public_url() + "/login/oidc/callback"


def authorize_redirect(**params: Any):
    """The browser goes to the provider's login page; state, nonce and the PKCE verifier (new each time)
    stay in our session. `params`: more of the authorization request (a step-up's max_age and prompt)."""
    try:
        return _client().authorize_redirect(callback_url(), **params)
    except (AuthlibBaseError, RequestException, ValueError, KeyError) as exc:
        raise SignInRefused(
            f"provider unreachable: {type(exc).__name__}",
            N_(
                "The hospital's sign-in service does not answer. Try again in a minute, or ask the help desk."
            ),
            status=503,
        ) from exc


def complete_sign_in() -> Identity:
    """The provider sent the browser back: check everything and say who it is, or SignInRefused."""
    client = _client()
    try:
        metadata = client.load_server_metadata()
        token = client.authorize_access_token(
            claims_options={
                "iss": {"essential": True, "value": metadata["issuer"]},
                "aud": {"essential": True, "value": client.client_id},
                "exp": {"essential": True},
                "iat": {"essential": True},
                "sub": {"essential": True},
            },
            leeway=CLOCK_LEEWAY,
        )
    except (AuthlibBaseError, JoseError) as exc:
        raise SignInRefused(
            _describe(exc),
            N_(
                "The sign-in could not be completed: the answer from the hospital's sign-in service was not "
                "valid for this browser. Nobody has been signed in; start again from the sign-in page."
            ),
        ) from exc
    except (RequestException, ValueError, KeyError) as exc:
        raise SignInRefused(
            f"provider unreachable: {type(exc).__name__}",
            N_(
                "The hospital's sign-in service does not answer. Try again in a minute, or ask the help desk."
            ),
            status=503,
        ) from exc
    claims = token.get("userinfo")
    if not claims:
        raise SignInRefused(
            "no ID token", N_("The sign-in service sent no ID token; nobody has been signed in.")
        )
    return Identity(
        issuer=str(claims["iss"]),
        subject=str(claims["sub"]),
        email=str(claims.get("email") or ""),
        email_verified=claims.get("email_verified") is True,
        name=str(claims.get("name") or claims.get("preferred_username") or ""),
        groups=_groups(claims.get(current_app.config["OIDC_GROUPS_CLAIM"])),
        id_token=str(token["id_token"]),
        auth_time=_auth_time(claims.get("auth_time")),
    )


def _auth_time(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _groups(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, list):
        return frozenset(str(v) for v in value if isinstance(v, str | int))
    return frozenset()


def _describe(exc: Exception) -> str:
    """The audit log's words for a refused answer: the error's kind and its short text, never a token."""
    error = getattr(exc, "error", "") or type(exc).__name__
    description = getattr(exc, "description", "") or ""
    return f"{error}: {description}"[:300] if description else str(error)[:300]


def remember_sign_in(session: Any, identity: Identity) -> None:
    """Called on the new session: it was a single sign-on (for the provider's logout)."""
    session[SIGNED_IN_SESSION_KEY] = True
    if len(identity.id_token) <= MAX_ID_TOKEN_IN_SESSION:
        session[ID_TOKEN_SESSION_KEY] = identity.id_token


def logout_url(session: Any) -> str | None:
    """Where the browser goes after the local sign-out of a single sign-on: the provider's
    end_session_endpoint (RP-initiated logout, with id_token_hint, our client id and our login page as
    post_logout_redirect_uri), when its discovery lists one; None otherwise."""
    if not enabled() or not session.get(SIGNED_IN_SESSION_KEY):
        return None
    client = _client()
    try:
        metadata = client.load_server_metadata()
    except (RequestException, ValueError):
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    result = client.create_logout_url(
        post_logout_redirect_uri=public_url() + "/login",
        id_token_hint=session.get(ID_TOKEN_SESSION_KEY),
        client_id=client.client_id,
    )
    return result["url"]
