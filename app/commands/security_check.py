"""`flask security-check`: the running configuration checked against the production bar,
as Django's `check --deploy` does. Every failed rule prints its problem and a one-line fix."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import click
from flask import current_app
from flask.cli import with_appcontext

from config import TestingConfig

SECRET_KEY_MIN_BYTES = 32
SECRET_KEY_MIN_DISTINCT_CHARACTERS = 8
KNOWN_SECRET_KEYS = frozenset({TestingConfig.SECRET_KEY})
PLACEHOLDER_WORDS = ("change", "secret", "example", "default", "insecure", "password", "testing")
HSTS_MIN_SECONDS = 180 * 24 * 3600
JWT_LIFETIME_RANGE = range(60, 24 * 3600 + 1)
RECOMMENDED_HASH_PROFILES = frozenset({"RFC_9106_LOW_MEMORY", "RFC_9106_HIGH_MEMORY"})
SAFE_SAMESITE = frozenset({"Lax", "Strict"})
NEW_SECRET_KEY = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


@dataclass(frozen=True)
class Rule:
    name: str
    passes: Callable[[Mapping], bool]
    problem: str
    fix: str


def _secret_key(config: Mapping) -> str:
    return config.get("SECRET_KEY") or ""


def _is_placeholder(key: str) -> bool:
    return key in KNOWN_SECRET_KEYS or any(word in key.lower() for word in PLACEHOLDER_WORDS)


RULES = (
    Rule(
        "secret-key-length",
        lambda config: len(_secret_key(config).encode()) >= SECRET_KEY_MIN_BYTES,
        f"SECRET_KEY is shorter than {SECRET_KEY_MIN_BYTES} bytes.",
        f"Set SECRET_KEY to the output of: {NEW_SECRET_KEY}",
    ),
    Rule(
        "secret-key-randomness",
        lambda config: len(set(_secret_key(config))) >= SECRET_KEY_MIN_DISTINCT_CHARACTERS,
        f"SECRET_KEY has fewer than {SECRET_KEY_MIN_DISTINCT_CHARACTERS} distinct characters, "
        "so it is not random.",
        f"Set SECRET_KEY to the output of: {NEW_SECRET_KEY}",
    ),
    Rule(
        "secret-key-not-default",
        lambda config: not _is_placeholder(_secret_key(config)),
        "SECRET_KEY is a known default or a placeholder.",
        f"Set SECRET_KEY to the output of: {NEW_SECRET_KEY}",
    ),
    Rule(
        "debug-off",
        lambda config: not config.get("DEBUG"),
        "DEBUG is on: the debugger runs code for whoever sees an error page.",
        "Unset FLASK_DEBUG and serve with gunicorn, never `flask run --debug`.",
    ),
    Rule(
        "testing-off",
        lambda config: not config.get("TESTING"),
        "TESTING is on: this is the test suite's configuration.",
        "Set CONDUIT_CONFIG=production.",
    ),
    Rule(
        "session-cookie-secure",
        lambda config: config.get("SESSION_COOKIE_SECURE") is True,
        "SESSION_COOKIE_SECURE is off: the session cookie would also travel over plain HTTP.",
        "Set CONDUIT_CONFIG=production, which sets SESSION_COOKIE_SECURE = True.",
    ),
    Rule(
        "session-cookie-httponly",
        lambda config: config.get("SESSION_COOKIE_HTTPONLY") is True,
        "SESSION_COOKIE_HTTPONLY is off: page scripts could read the session cookie.",
        "Keep SESSION_COOKIE_HTTPONLY = True (config.py).",
    ),
    Rule(
        "session-cookie-samesite",
        lambda config: config.get("SESSION_COOKIE_SAMESITE") in SAFE_SAMESITE,
        "SESSION_COOKIE_SAMESITE is neither Lax nor Strict.",
        'Keep SESSION_COOKIE_SAMESITE = "Lax" (config.py).',
    ),
    Rule(
        "remember-cookie-secure",
        lambda config: config.get("REMEMBER_COOKIE_SECURE") is True,
        "REMEMBER_COOKIE_SECURE is off: the remember-me cookie would travel over plain HTTP.",
        "Set CONDUIT_CONFIG=production, which sets REMEMBER_COOKIE_SECURE = True.",
    ),
    Rule(
        "remember-cookie-httponly",
        # Flask-Login's default is True.
        lambda config: config.get("REMEMBER_COOKIE_HTTPONLY", True) is True,
        "REMEMBER_COOKIE_HTTPONLY is off: page scripts could read the remember-me cookie.",
        "Remove REMEMBER_COOKIE_HTTPONLY from the configuration (Flask-Login's default is on).",
    ),
    Rule(
        "hsts",
        lambda config: (config.get("HSTS_SECONDS") or 0) >= HSTS_MIN_SECONDS,
        "HSTS is off or shorter than 180 days: browsers may still try plain HTTP first.",
        "Set HSTS_SECONDS=31536000 (one year) once the site is served only over HTTPS.",
    ),
    Rule(
        "trusted-hosts",
        lambda config: bool(config.get("TRUSTED_HOSTS")),
        "TRUSTED_HOSTS is empty: the app answers to any Host header.",
        "Set TRUSTED_HOSTS to the site's host names, e.g. TRUSTED_HOSTS=conduit.example.com.",
    ),
    Rule(
        "database-not-sqlite",
        lambda config: not (config.get("SQLALCHEMY_DATABASE_URI") or "").startswith("sqlite"),
        "The database is SQLite, which is for development only.",
        "Set DATABASE_URL to a PostgreSQL URL, e.g. postgresql://conduit:...@db:5432/conduit.",
    ),
    Rule(
        "jwt-lifetime",
        lambda config: config.get("JWT_LIFETIME_SECONDS") in JWT_LIFETIME_RANGE,
        "JWT_LIFETIME_SECONDS is not between one minute and one day.",
        "Set JWT_LIFETIME_SECONDS to at most 86400 (one day, the default).",
    ),
    Rule(
        "password-hashing",
        lambda config: config.get("PASSWORD_HASH_PROFILE") in RECOMMENDED_HASH_PROFILES,
        "PASSWORD_HASH_PROFILE is below RFC 9106's recommended argon2id cost.",
        'Keep PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY" (config.py); only tests lower it.',
    ),
)


def failed_rules(config: Mapping) -> list[Rule]:
    """Return the rules that config breaks, in the order they are listed."""
    return [rule for rule in RULES if not rule.passes(config)]


@click.command("security-check")
@with_appcontext
def security_check_command() -> None:
    """Check this configuration for production, as Django's `check --deploy` does.

    Run it with the production environment (CONDUIT_CONFIG=production and the rest). It
    checks the secret key, debug and testing being off, the cookie flags, HSTS, trusted
    hosts, the database, the token lifetime and the password hashing cost; it prints each
    failure with a fix and exits with status 1 when any rule fails.
    """
    failures = failed_rules(current_app.config)
    for rule in failures:
        click.echo(f"FAIL {rule.name}: {rule.problem}")
        click.echo(f"     fix: {rule.fix}")
    if failures:
        click.echo(f"{len(failures)} of {len(RULES)} security checks failed.")
        raise click.exceptions.Exit(1)
    click.echo(f"All {len(RULES)} security checks passed.")
