"""The second factor's mechanics: TOTP codes (RFC 6238, pyotp), the stored secret's encryption, the QR
code of the enrolment page (segno, drawn here as inline SVG: no external service sees the secret), and
the recovery codes.

The TOTP secret is stored encrypted with Fernet (cryptography), under a key derived by HKDF from
SECOND_FACTOR_KEY (falling back to SECRET_KEY). The recovery codes are stored as HMAC-SHA256 under a
second key derived from the same secret (a pepper): each code carries 50 random bits, so a slow hash
such as argon2 would add nothing but time, while the pepper keeps a stolen database from being enough
to test guesses. Rotating that secret voids every enrolment: the admin resets each user's second factor.
"""

import base64
import hashlib
import hmac
import io
import secrets
import time

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from tumorboard.auth.roles import Role
from tumorboard.hospital import configured_name

STEP_SECONDS = 30
DIGITS = 6
# Clock drift: the code of the step before and of the step after are accepted too.
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper
_RECOVERY_LENGTH = 10  # 10 of 31 symbols: about 50 bits


def _key_material() -> bytes:
    cfg = current_app.config
    return (cfg.get("SECOND_FACTOR_KEY") or cfg["SECRET_KEY"]).encode()


def _derive(purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(_key_material())


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(b"tumorboard second factor secret")))


def new_secret() -> str:
    return pyotp.random_base32()


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(token: str) -> str | None:
    """The secret, or None when the key changed since it was stored (the user enrols again)."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def current_step(now: float | None = None) -> int:
    return int(time.time() if now is None else now) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def normalized_code(code: str) -> str:
    """What people type: spaces or a hyphen in the middle of the code are allowed."""
    return "".join((code or "").split()).replace("-", "").lower()


def looks_like_totp(code: str) -> bool:
    code = normalized_code(code)
    return len(code) == DIGITS and code.isdigit()


def matching_step(secret: str, code: str, *, after: int | None, now: float | None = None) -> int | None:
    """The time step whose code this is, within the drift, and later than `after` (the last step this
    user used: a code is good once), or None."""
    code = normalized_code(code)
    if not looks_like_totp(code):
        return None
    now_step = current_step(now)
    found = None
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        # compare all three, in constant time, so the answer's timing says nothing about which matched
        if hmac.compare_digest(code_at(secret, step), code) and found is None:
            found = step
    if found is None or (after is not None and found <= after):
        return None
    return found


def provisioning_uri(secret: str, email: str) -> str:
    # the issuer names the account in the authenticator app for good: the hospital's configured name,
    # never a default in the enrolling user's language
    configured = configured_name()
    issuer = f"{configured} TumorBoard" if configured else "TumorBoard"
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=email, issuer_name=issuer
    )


def qr_svg(uri: str) -> str:
    """The QR code as an inline <svg> element (no XML declaration), with a title for screen readers."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(
        out,
        kind="svg",
        scale=5,
        border=4,
        xmldecl=False,
        svgns=True,
        title="QR code of your second-factor secret",
        svgclass="totp-qr",
        lineclass=None,
    )
    return out.getvalue().decode()


def grouped(secret: str) -> str:
    """The secret as people type it from the screen: groups of four."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def new_recovery_codes() -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def recovery_hash(user_id: int, code: str) -> str:
    pepper = _derive(b"tumorboard recovery codes")
    message = f"{user_id}:{normalized_code(code)}".encode()
    return hmac.new(pepper, message, hashlib.sha256).hexdigest()


def required_roles() -> frozenset[Role]:
    """SECOND_FACTOR_ROLES: the roles that cannot use the app without a second factor."""
    names = [n.strip() for n in current_app.config["SECOND_FACTOR_ROLES"].split(",") if n.strip()]
    return frozenset(Role(n) for n in names)
