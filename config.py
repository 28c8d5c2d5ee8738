"""Configuration classes; the one place that reads os.environ."""

import os
import secrets
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

load_dotenv(BASE_DIR / ".env")

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
TRUE = ("1", "true", "yes", "on")


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def psycopg2_url(url: str | None) -> str | None:
    """Return url with PostgreSQL pinned to psycopg2; SQLAlchemy 2.1 otherwise picks psycopg 3."""
    if url is None:
        return None
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg2://" + url.removeprefix(scheme)
    return url


def _development_secret_key() -> str:
    """Return the key kept under instance/, creating it once so `make run` needs no setup."""
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        INSTANCE_DIR.mkdir(exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class ConfigError(RuntimeError):
    """The configuration cannot start the app; the message says why in one line."""


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = psycopg2_url(os.environ.get("DATABASE_URL"))
    # Per engine and process (each worker has two engines: the writes' and the reads'). A
    # sync worker serves one request at a time, through one engine, so one pooled
    # connection each suffices; nodes x workers x 2 x (size + overflow) must fit
    # PostgreSQL's max_connections (README, Database connections).
    SQLALCHEMY_ENGINE_OPTIONS = {
        "pool_size": int(os.environ.get("DB_POOL_SIZE", 1)),
        "max_overflow": int(os.environ.get("DB_MAX_OVERFLOW", 2)),
        "pool_recycle": int(os.environ.get("DB_POOL_RECYCLE", 1800)),
        # A pooled connection the server has closed (a restart, an idle timeout) is replaced
        # before use instead of failing the request.
        "pool_pre_ping": True,
        # Error messages would otherwise carry the statement's values (emails, hashes) to logs.
        "hide_parameters": True,
    }
    DB_CONNECT_TIMEOUT = int(os.environ.get("DB_CONNECT_TIMEOUT", 3))
    # Streaming replicas of DATABASE_URL that answer the requests which only read
    # (app/replicas.py, README: Read replicas); none: the primary answers everything.
    DATABASE_REPLICA_URLS = [
        url for url in map(psycopg2_url, _env_list("DATABASE_REPLICA_URLS", "")) if url
    ]
    # A replica further behind than this is skipped; each process checks every replica at
    # most once per DATABASE_REPLICA_CHECK_SECONDS.
    DATABASE_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("DATABASE_REPLICA_MAX_LAG_SECONDS", 2))
    DATABASE_REPLICA_CHECK_SECONDS = 1.0
    # A user who wrote reads from the primary this long after, so that they see their write
    # whichever node answers; longer than the lag a replica may have plus one check.
    READ_YOUR_WRITES_SECONDS = float(os.environ.get("READ_YOUR_WRITES_SECONDS", 5))
    REDIS_URL = os.environ.get("REDIS_URL")
    # Every Redis command (the cache's, the rate limits', the readiness probe's) gives up
    # after this many seconds and is not retried: a healthy Redis answers within a
    # millisecond, and waiting longer only holds the worker.
    REDIS_TIMEOUT_SECONDS = float(os.environ.get("REDIS_TIMEOUT_SECONDS", 0.25))
    # The read cache (app/cache.py) in Redis at REDIS_URL; off without one. CACHE_ENABLED=0
    # turns it off with Redis still set (benchmarks compare both); entries live for the TTL.
    CACHE_ENABLED = os.environ.get("CACHE_ENABLED", "1") != "0"
    CACHE_TTL_SECONDS = int(os.environ.get("CACHE_TTL_SECONDS", 300))
    # Records below this level are dropped: DEBUG, INFO, WARNING, ERROR or CRITICAL.
    LOG_LEVEL = (os.environ.get("LOG_LEVEL") or "INFO").upper()
    CORS_ORIGINS = _env_list("CORS_ORIGINS", "*")
    # How long a browser may reuse a preflight's answer instead of asking again.
    CORS_MAX_AGE_SECONDS = int(os.environ.get("CORS_MAX_AGE_SECONDS", 600))
    # How many proxies in front set X-Forwarded-*; 0 trusts none (the app faces clients).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))
    JWT_LIFETIME_SECONDS = int(os.environ.get("JWT_LIFETIME_SECONDS", 24 * 3600))
    # Rate limits (app/web/limits.py), counted in Redis at REDIS_URL (in memory without one):
    # "N/period" strings, several joined by ";". Login and registration per client IP and per
    # submitted email; writes (POST, PUT, PATCH, DELETE) per signed-in user.
    RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "1") != "0"
    RATELIMIT_KEY_PREFIX = "conduit"
    RATELIMIT_SIGN_IN_PER_IP = os.environ.get("RATELIMIT_SIGN_IN_PER_IP", "20/minute;100/hour")
    RATELIMIT_SIGN_IN_PER_ACCOUNT = os.environ.get(
        "RATELIMIT_SIGN_IN_PER_ACCOUNT", "5/minute;20/hour"
    )
    RATELIMIT_WRITES_PER_USER = os.environ.get("RATELIMIT_WRITES_PER_USER", "60/minute")
    # The editor's live preview, apart from the writes.
    RATELIMIT_PREVIEWS_PER_USER = os.environ.get("RATELIMIT_PREVIEWS_PER_USER", "120/minute")
    # The largest request body, in bytes, answered 413 beyond. 2 MiB holds the longest valid
    # article however it is encoded (100,000 characters, up to 12 bytes each as JSON \u
    # escapes or form %-escapes). Flask's MAX_FORM_MEMORY_SIZE (500 kB per multipart field)
    # and MAX_FORM_PARTS (1,000) already hold the longest field, 400 kB of UTF-8.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 2 * 1024 * 1024))
    # Strict-Transport-Security max-age; 0 sends no HSTS header (ProductionConfig sets it).
    HSTS_SECONDS = 0
    # An argon2.profiles name: RFC 9106's second recommendation (argon2id, t=3, 64 MiB, p=4),
    # argon2-cffi's default. Hashes made at another cost are redone at the next sign-in.
    PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY"
    # Host names the app answers to (Flask rejects others with 400); empty accepts any.
    # A leading dot accepts subdomains: .example.com
    TRUSTED_HOSTS = _env_list("TRUSTED_HOSTS", "")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # The CSRF token is bound to the session, so it needs no clock of its own.
    WTF_CSRF_TIME_LIMIT = None
    # Background jobs (app/jobs.py): Celery's broker, REDIS_URL unless set apart. With
    # neither, jobs run in the process that queues them, right after its commit.
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL
    # Outgoing mail (app/mail): smtp://user:password@host:port (?starttls=1 upgrades the
    # connection) or smtps://... for TLS from the start. Unset, every message is written to
    # MAIL_OUTBOX_DIR as an .eml file instead, and logged.
    MAIL_URL = os.environ.get("MAIL_URL")
    MAIL_FROM = os.environ.get("MAIL_FROM", "Conduit <no-reply@localhost>")
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR") or str(INSTANCE_DIR / "mail")
    MAIL_TIMEOUT_SECONDS = float(os.environ.get("MAIL_TIMEOUT_SECONDS", 10))
    # A message the server refuses for now (4xx, no connection) is tried again after
    # MAIL_RETRY_BASE_SECONDS, doubling each time, MAIL_MAX_ATTEMPTS times in all; with the
    # defaults the last try comes about two hours after the first.
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", 8))
    MAIL_RETRY_BASE_SECONDS = float(os.environ.get("MAIL_RETRY_BASE_SECONDS", 60))
    # The address links in mail point at; never the request's Host header, which a client
    # could set to its own site to collect reset links.
    SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
    # On: an account must confirm its email before it writes (API 403, pages a flash).
    REQUIRE_VERIFIED_EMAIL = os.environ.get("REQUIRE_VERIFIED_EMAIL", "0").lower() in TRUE
    # At most one notification mail of each kind per user per this many seconds.
    NOTIFICATION_WINDOW_SECONDS = int(os.environ.get("NOTIFICATION_WINDOW_SECONDS", 3600))
    # Mail that a request asks for (password resets, verification links), per address or
    # account; per client IP they count against RATELIMIT_SIGN_IN_PER_IP.
    RATELIMIT_MAIL_PER_ACCOUNT = os.environ.get("RATELIMIT_MAIL_PER_ACCOUNT", "3/hour;10/day")

    def validate(self) -> None:
        """Raise ConfigError when the settings cannot run this configuration."""
        if not self.SQLALCHEMY_DATABASE_URI:
            raise ConfigError("DATABASE_URL is not set.")
        if self.MAIL_URL and not self.MAIL_URL.startswith(("smtp://", "smtps://")):
            raise ConfigError("MAIL_URL must start with smtp:// or smtps://.")
        if self.LOG_LEVEL not in LOG_LEVELS:
            levels = ", ".join(LOG_LEVELS)
            raise ConfigError(f"LOG_LEVEL must be one of {levels}, not {self.LOG_LEVEL!r}.")
        if self.DATABASE_REPLICA_URLS:
            self.validate_replicas()

    def validate_replicas(self) -> None:
        urls = [self.SQLALCHEMY_DATABASE_URI or "", *self.DATABASE_REPLICA_URLS]
        if not all(url.startswith("postgresql") for url in urls):
            raise ConfigError("DATABASE_REPLICA_URLS needs PostgreSQL and its streaming replicas.")
        stale_for = self.DATABASE_REPLICA_MAX_LAG_SECONDS + self.DATABASE_REPLICA_CHECK_SECONDS
        if stale_for >= self.READ_YOUR_WRITES_SECONDS:
            raise ConfigError(
                f"READ_YOUR_WRITES_SECONDS must exceed DATABASE_REPLICA_MAX_LAG_SECONDS + "
                f"{self.DATABASE_REPLICA_CHECK_SECONDS:g}, or a writer may miss their write."
            )


class DevelopmentConfig(Config):
    SQLALCHEMY_DATABASE_URI = Config.SQLALCHEMY_DATABASE_URI or (
        f"sqlite:///{INSTANCE_DIR / 'conduit.sqlite3'}"
    )

    def __init__(self) -> None:
        # Read when the configuration is made, not at import: only development writes it.
        self.SECRET_KEY = Config.SECRET_KEY or _development_secret_key()


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key-that-is-at-least-32-bytes-long"
    # argon2 at its lowest cost keeps the suite fast; `flask security-check` refuses it.
    PASSWORD_HASH_PROFILE = "CHEAPEST"
    # The suite registers many users from one address; tests of the limits switch them on.
    RATELIMIT_ENABLED = False
    # Jobs run in-process unless a test names a broker (tests/mail starts a real worker);
    # REDIS_URL is the cache's, emptied after every test.
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL")
    MAIL_OUTBOX_DIR = str(BASE_DIR / "test-artifacts" / "mail")


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    # One year unless the environment says otherwise; 0 turns HSTS off.
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", 365 * 24 * 3600))

    def validate(self) -> None:
        super().validate()
        if not self.SECRET_KEY or len(self.SECRET_KEY) < 32:
            raise ConfigError("SECRET_KEY must be set to a random value of at least 32 characters.")
        if (self.SQLALCHEMY_DATABASE_URI or "").startswith("sqlite"):
            raise ConfigError("DATABASE_URL must point at PostgreSQL in production, not SQLite.")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_environment() -> Config:
    """Return the configuration named by CONDUIT_CONFIG (development when unset)."""
    name = os.environ.get("CONDUIT_CONFIG", "development")
    if name not in CONFIGS:
        raise ConfigError(f"CONDUIT_CONFIG must be one of {', '.join(CONFIGS)}, not {name!r}.")
    return CONFIGS[name]()
