"""Configuration classes. Everything secret or site-specific comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me-0123456789")
    # The audit chain's HMAC key; falls back to SECRET_KEY so a site sets one secret at least.
    AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY")

    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'tumorboard.db'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = 10_000

    TIMEZONE = os.environ.get("TIMEZONE", "Europe/Berlin")
    # The hospital's language: the interface's when neither the user's profile nor the browser chooses
    # one of LANGUAGES, and a letter's unless its author picks another (tumorboard.i18n).
    DEFAULT_LOCALE = os.environ.get("DEFAULT_LOCALE", "en")
    LANGUAGES = ("de", "en")
    # The hospital's name, and the letterhead of decision letters (address lines separated by "|"), shown
    # as written in every language. Empty (the demo): the catalogue's words in the reader's language,
    # "University Hospital" / "Universitätsklinikum", and no made-up address (tumorboard.hospital).
    HOSPITAL_NAME = os.environ.get("HOSPITAL_NAME", "")
    LETTERHEAD = os.environ.get("LETTERHEAD", "")

    # Sessions: a browser-session cookie, no remember-me; the idle timeout and the absolute lifetime
    # (PERMANENT_SESSION_LIFETIME, read there only) are enforced on the server in auth.sessions.
    SESSION_COOKIE_NAME = "tumorboard_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_IDLE_TIMEOUT = timedelta(minutes=_env_int("SESSION_IDLE_MINUTES", 30))
    PERMANENT_SESSION_LIFETIME = timedelta(hours=_env_int("SESSION_LIFETIME_HOURS", 12))
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    # A session's record (auth.models.UserSession) is kept this long after it ended, for the user's and
    # the admins' questions ("was that me?"); `flask jobs tick` deletes older ones.
    SESSION_RECORD_RETENTION = timedelta(days=_env_int("SESSION_RETENTION_DAYS", 90))

    # Password hashing: argon2id; OWASP minimum is m=19 MiB, t=2, p=1.
    PASSWORD_MIN_LENGTH = 12
    ARGON2_TIME_COST = _env_int("ARGON2_TIME_COST", 2)
    ARGON2_MEMORY_COST_KIB = _env_int("ARGON2_MEMORY_COST_KIB", 19 * 1024)
    ARGON2_PARALLELISM = _env_int("ARGON2_PARALLELISM", 1)

    # Sign-in throttling (auth.throttle, on Flask-Limiter's storage: memory:// or redis://...): attempts per
    # (account, client address); failures per address; failures per account from anywhere over a long
    # window, past which one attempt is admitted per delay, doubling from the base up to the maximum.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # The throttle's keys begin with this: two installations (production and a training site) may share
    # one Redis database with prefixes of their own.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "tumorboard")
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_LIMIT_PER_ACCOUNT_AND_IP = "5 per 15 minutes"
    LOGIN_LIMIT_PER_IP = "10 per minute"
    LOGIN_ACCOUNT_CEILING = "50 per 24 hours"
    LOGIN_ACCOUNT_DELAY_BASE_SECONDS = 2
    LOGIN_ACCOUNT_DELAY_MAX_SECONDS = 300
    # Password reset by e-mail (auth.reset): how long a link works, and how many mails an account gets
    # (further requests get the same answer and send nothing).
    PASSWORD_RESET_VALID_MINUTES = 30
    RESET_LIMIT_PER_ACCOUNT = "3 per hour"
    # ... and how many requests one client address makes, whatever the addresses typed (counted in the
    # sign-in throttle's storage).
    RESET_LIMIT_PER_IP = "10 per hour"
    # The password typed again by a signed-in user (signing a decision, changing the password).
    REAUTH_LIMIT_PER_USER = "5 per 15 minutes"
    # Requests per API token (tumorboard.api.access), in the same storage as the throttle.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600 per minute")

    # The second factor (auth.totp): the roles that need one (comma-separated, e.g. "admin,chair"; empty:
    # nobody must, anyone may); the key its secrets are encrypted with (falls back to SECRET_KEY; changing
    # it voids every enrolment); the codes a user may try; how long the code may follow the password.
    SECOND_FACTOR_ROLES = os.environ.get("SECOND_FACTOR_ROLES", "admin,chair")
    SECOND_FACTOR_KEY = os.environ.get("SECOND_FACTOR_KEY")
    SECOND_FACTOR_LIMIT_PER_USER = "5 per 15 minutes"
    SECOND_STEP_SECONDS = 5 * 60

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session, which has its own limits
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024

    BOOTSTRAP_SERVE_LOCAL = True
    PER_PAGE = 25
    # Number of reverse proxies in front of the app whose X-Forwarded-For is trusted (0: none).
    PROXY_COUNT = _env_int("PROXY_COUNT", 0)

    # Medical record numbers: the hospital's own format, and how to describe it to the user.
    MRN_PATTERN = os.environ.get("MRN_PATTERN", r"^[A-Z0-9][A-Z0-9-]{3,19}$")
    # MRN_HINT empty: the catalogue's words for the default pattern, in the reader's language
    # (cases.fields.DEFAULT_MRN_HINT); a hospital with its own pattern describes it in its language.
    MRN_HINT = os.environ.get("MRN_HINT", "")
    # Readiness check: how old the staging imaging may be at submission.
    IMAGING_MAX_AGE_WEEKS = _env_int("IMAGING_MAX_AGE_WEEKS", 8)

    # E-mail: notifications are e-mailed only when MAIL_SERVER is set (Flask-Mail settings otherwise).
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "tumorboard@localhost")
    # The address people reach the app at, for links in e-mails, calendar files and exported documents
    # (tumorboard.public_url). Production requires it; without it, development takes the request's host.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "")
    # Prometheus metrics at /metrics (tumorboard.metrics): only to clients in these networks (comma-separated
    # CIDRs; the address after ProxyFix), 404 to anyone else. Under gunicorn, PROMETHEUS_MULTIPROC_DIR
    # names a directory of the workers' shared metric files (emptied when gunicorn starts), so that a
    # scrape answered by one worker counts the requests of all.
    METRICS_ALLOWED_NETWORKS = os.environ.get("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1")
    PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    # Logs: "json" (one object a line, for a log collector) or "text"; the level of the tumorboard logger.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # How the printed agenda names a patient: "initials_mrn" or "full_name".
    AGENDA_PATIENT_LABEL = os.environ.get("AGENDA_PATIENT_LABEL", "initials_mrn")

    # The hospital's FHIR R4 server: a case's findings can be fetched from it by the patient's MRN
    # (FHIR_SOURCE_URL), and a signed decision's mCODE Bundle POSTed to it (FHIR_PUBLISH_URL), each off
    # when empty (the default).
    FHIR_SOURCE_URL = os.environ.get("FHIR_SOURCE_URL", "").strip()
    FHIR_PUBLISH_URL = os.environ.get("FHIR_PUBLISH_URL", "").strip()

    # The background worker's queue (RQ on Redis, tumorboard.jobs). Empty: every job runs inline, in the
    # process that committed it, right after the commit (development and tests need no Redis).
    JOB_QUEUE_URL = os.environ.get("JOB_QUEUE_URL", "")
    # HL7 v2 in (`flask hl7 listen`): the account it acts as, the laboratory's own codes, its bounds
    HL7_ACCOUNT = os.environ.get("HL7_ACCOUNT", "")
    HL7_CODE_TABLE = os.environ.get("HL7_CODE_TABLE", "")
    HL7_MAX_MESSAGE_BYTES = int(os.environ.get("HL7_MAX_MESSAGE_BYTES", str(256 * 1024)))
    HL7_READ_TIMEOUT = float(os.environ.get("HL7_READ_TIMEOUT", "30"))
    # A failed job is tried again after each of these waits (seconds); after the last it is a dead letter.
    JOB_RETRY_INTERVALS = (60, 5 * 60, 30 * 60, 2 * 3600, 6 * 3600)
    # Reminders (`flask jobs tick`): the submission cut-off this many hours ahead (to submitters with
    # drafts), the meeting this many hours ahead (to its board's members), and an overdue follow-up to the
    # board's coordinators this many days after its submitter was reminded.
    CUTOFF_REMINDER_HOURS = _env_int("CUTOFF_REMINDER_HOURS", 24)
    MEETING_REMINDER_HOURS = _env_int("MEETING_REMINDER_HOURS", 24)
    FOLLOW_UP_ESCALATION_DAYS = _env_int("FOLLOW_UP_ESCALATION_DAYS", 14)

    # Single sign-on through the hospital's OpenID provider (auth.oidc): off without OIDC_ISSUER (local
    # passwords only). The issuer's /.well-known/openid-configuration says everything else.
    OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").strip()
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "").strip()
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
    OIDC_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
    # The ID token's claim that lists the person's groups (Keycloak "groups", Entra ID "groups" or "roles").
    OIDC_GROUPS_CLAIM = os.environ.get("OIDC_GROUPS_CLAIM", "groups")
    # A person the provider knows but TumorBoard does not gets an account at their first sign-in only then.
    OIDC_ALLOW_SIGNUP = os.environ.get("OIDC_ALLOW_SIGNUP", "").lower() in ("1", "true", "yes")
    # How the pages name the provider where a signed-in person confirms an act there ("Confirm with … and
    # sign"), e.g. "the hospital's Keycloak"; and how long that confirmation is good for (auth.step_up).
    OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "").strip() or "your hospital account"
    STEP_UP_VALID_SECONDS = 5 * 60

    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "tumorboard-demo")
    ALLOW_DEMO_DATA = True


class DevelopmentConfig(Config):
    DEBUG = False
    # The demo accounts (make run) sign in with the demo password alone, unless the site asks otherwise.
    SECOND_FACTOR_ROLES = os.environ.get("SECOND_FACTOR_ROLES", "")


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"  # noqa: S105 (tests only)
    AUDIT_HMAC_KEY = "test-audit-key-0123456789abcdef0123456789"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    JOB_QUEUE_URL = ""
    SECOND_FACTOR_ROLES = ""  # the second factor's own tests set it


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    ALLOW_DEMO_DATA = False
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    JOB_QUEUE_URL = os.environ.get("JOB_QUEUE_URL", "redis://127.0.0.1:6379/1")

    @classmethod
    def check(cls, config: dict) -> None:
        """Refuse to start with a missing or short secret (a guessable key forges sessions), without the
        database, the public address or the hospital's name (what its letters are signed with)."""
        secret = os.environ.get("SECRET_KEY", "")
        if len(secret.encode()) < 32:
            raise RuntimeError(
                "ProductionConfig needs SECRET_KEY in the environment, at least 32 bytes long."
            )
        config["SECRET_KEY"] = secret
        audit_key = os.environ.get("AUDIT_HMAC_KEY", "")
        if len(audit_key.encode()) < 32 or audit_key == secret:
            raise RuntimeError(
                "ProductionConfig needs AUDIT_HMAC_KEY in the environment, at least 32 bytes and not the "
                "SECRET_KEY: rotating the session secret must not break the audit chain."
            )
        config["AUDIT_HMAC_KEY"] = audit_key
        if not os.environ.get("DATABASE_URL"):
            raise RuntimeError("ProductionConfig needs DATABASE_URL in the environment.")
        public = os.environ.get("PUBLIC_URL", "").strip()
        parts = urlsplit(public)
        if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
            raise RuntimeError(
                "ProductionConfig needs PUBLIC_URL in the environment: the https address people open, e.g. "
                "https://tumorboard.example-hospital.org. The session cookie is sent over https only, a "
                "request over plain http is sent there, and links in e-mails, calendars and exports use it."
            )
        config["PUBLIC_URL"] = public
        hospital = os.environ.get("HOSPITAL_NAME", "").strip()
        if not hospital:
            raise RuntimeError(
                "ProductionConfig needs HOSPITAL_NAME in the environment, e.g. Klinikum Musterstadt: letters "
                "to referrers and GPs, agendas, e-mails and calendar entries name the hospital they come "
                'from (without it they would say only "University Hospital").'
            )
        config["HOSPITAL_NAME"] = hospital


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}
