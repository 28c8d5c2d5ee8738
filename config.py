"""Configuration classes; the one place that reads os.environ."""

import os
import secrets
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

load_dotenv(BASE_DIR / ".env")


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _database_url(url: str | None) -> str | None:
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
    SQLALCHEMY_DATABASE_URI = _database_url(os.environ.get("DATABASE_URL"))
    # Per process: a sync worker serves one request at a time, so a small pool suffices, and
    # nodes x workers x (size + overflow) must fit PostgreSQL's max_connections (README).
    # pool_pre_ping replaces a connection the server dropped (a restart) before it is used.
    SQLALCHEMY_ENGINE_OPTIONS = {
        "pool_size": int(os.environ.get("DB_POOL_SIZE", 2)),
        "max_overflow": int(os.environ.get("DB_MAX_OVERFLOW", 2)),
        "pool_recycle": int(os.environ.get("DB_POOL_RECYCLE", 1800)),
        "pool_pre_ping": True,
    }
    REDIS_URL = os.environ.get("REDIS_URL")
    CORS_ORIGINS = _env_list("CORS_ORIGINS", "*")
    # How many proxies in front set X-Forwarded-*; 0 trusts none (the app faces clients).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))
    JWT_LIFETIME_SECONDS = int(os.environ.get("JWT_LIFETIME_SECONDS", 24 * 3600))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # The CSRF token is bound to the session, so it needs no clock of its own.
    WTF_CSRF_TIME_LIMIT = None

    def validate(self) -> None:
        """Raise ConfigError when the settings cannot run this configuration."""
        if not self.SQLALCHEMY_DATABASE_URI:
            raise ConfigError("DATABASE_URL is not set.")


class DevelopmentConfig(Config):
    SQLALCHEMY_DATABASE_URI = Config.SQLALCHEMY_DATABASE_URI or (
        f"sqlite:///{INSTANCE_DIR / 'conduit.sqlite3'}"
    )

    @property
    def SECRET_KEY(self) -> str:  # noqa: N802 - Flask reads upper-case attributes
        return Config.SECRET_KEY or _development_secret_key()


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key-that-is-at-least-32-bytes-long"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    def validate(self) -> None:
        super().validate()
        if not self.SECRET_KEY or len(self.SECRET_KEY) < 32:
            raise ConfigError("SECRET_KEY must be set to a random value of at least 32 characters.")
        if self.SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
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
