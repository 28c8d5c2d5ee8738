"""`flask security-check`: each rule passes and fails on its own, and the command reports."""

import secrets

import pytest
from flask import Config as FlaskConfig

from app.commands.security_check import RULES, failed_rules
from config import BASE_DIR, DevelopmentConfig, ProductionConfig, TestingConfig

SECRET = "9f2c1e4b7a6d5c3b8e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d"

PRODUCTION = {
    "SECRET_KEY": SECRET,
    "DEBUG": False,
    "TESTING": False,
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SECURE": True,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "HSTS_SECONDS": 31_536_000,
    "TRUSTED_HOSTS": ["conduit.example.com"],
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg2://conduit@db/conduit",
    "JWT_LIFETIME_SECONDS": 86_400,
    "PASSWORD_HASH_PROFILE": "RFC_9106_LOW_MEMORY",
}
MISSING = object()

FAILING = [
    ("secret-key-length", {"SECRET_KEY": SECRET[:31]}, {"secret-key-length"}),
    ("secret-key-length", {"SECRET_KEY": None}, {"secret-key-length", "secret-key-randomness"}),
    ("secret-key-randomness", {"SECRET_KEY": "ab" * 20}, {"secret-key-randomness"}),
    ("secret-key-randomness", {"SECRET_KEY": "1234567" * 6}, {"secret-key-randomness"}),
    (
        "secret-key-not-default",
        {"SECRET_KEY": TestingConfig.SECRET_KEY},
        {"secret-key-not-default"},
    ),
    ("secret-key-not-default", {"SECRET_KEY": "CHANGE-ME-" + SECRET}, {"secret-key-not-default"}),
    (
        "secret-key-not-default",
        {"SECRET_KEY": "my-super-secret-key-" + SECRET},
        {"secret-key-not-default"},
    ),
    ("debug-off", {"DEBUG": True}, {"debug-off"}),
    ("testing-off", {"TESTING": True}, {"testing-off"}),
    ("session-cookie-secure", {"SESSION_COOKIE_SECURE": False}, {"session-cookie-secure"}),
    ("session-cookie-secure", {"SESSION_COOKIE_SECURE": MISSING}, {"session-cookie-secure"}),
    ("session-cookie-httponly", {"SESSION_COOKIE_HTTPONLY": False}, {"session-cookie-httponly"}),
    ("session-cookie-samesite", {"SESSION_COOKIE_SAMESITE": None}, {"session-cookie-samesite"}),
    ("session-cookie-samesite", {"SESSION_COOKIE_SAMESITE": "None"}, {"session-cookie-samesite"}),
    ("remember-cookie-secure", {"REMEMBER_COOKIE_SECURE": False}, {"remember-cookie-secure"}),
    ("remember-cookie-secure", {"REMEMBER_COOKIE_SECURE": MISSING}, {"remember-cookie-secure"}),
    ("remember-cookie-httponly", {"REMEMBER_COOKIE_HTTPONLY": False}, {"remember-cookie-httponly"}),
    ("hsts", {"HSTS_SECONDS": 0}, {"hsts"}),
    ("hsts", {"HSTS_SECONDS": 3600}, {"hsts"}),
    ("hsts", {"HSTS_SECONDS": MISSING}, {"hsts"}),
    ("trusted-hosts", {"TRUSTED_HOSTS": []}, {"trusted-hosts"}),
    ("trusted-hosts", {"TRUSTED_HOSTS": None}, {"trusted-hosts"}),
    (
        "database-not-sqlite",
        {"SQLALCHEMY_DATABASE_URI": "sqlite:///instance/conduit.sqlite3"},
        {"database-not-sqlite"},
    ),
    ("jwt-lifetime", {"JWT_LIFETIME_SECONDS": 30 * 86_400}, {"jwt-lifetime"}),
    ("jwt-lifetime", {"JWT_LIFETIME_SECONDS": 0}, {"jwt-lifetime"}),
    ("jwt-lifetime", {"JWT_LIFETIME_SECONDS": 59}, {"jwt-lifetime"}),
    ("password-hashing", {"PASSWORD_HASH_PROFILE": "CHEAPEST"}, {"password-hashing"}),
    ("password-hashing", {"PASSWORD_HASH_PROFILE": MISSING}, {"password-hashing"}),
]

PASSING = [
    ("secret-key-length", {"SECRET_KEY": secrets.token_urlsafe(32)}),
    ("secret-key-randomness", {"SECRET_KEY": secrets.token_hex(16)}),
    ("secret-key-not-default", {"SECRET_KEY": secrets.token_hex(32)}),
    ("debug-off", {"DEBUG": MISSING}),
    ("testing-off", {"TESTING": MISSING}),
    ("session-cookie-secure", {"SESSION_COOKIE_SECURE": True}),
    ("session-cookie-httponly", {"SESSION_COOKIE_HTTPONLY": True}),
    ("session-cookie-samesite", {"SESSION_COOKIE_SAMESITE": "Strict"}),
    ("remember-cookie-secure", {"REMEMBER_COOKIE_SECURE": True}),
    ("remember-cookie-httponly", {"REMEMBER_COOKIE_HTTPONLY": MISSING}),
    ("hsts", {"HSTS_SECONDS": 180 * 86_400}),
    ("trusted-hosts", {"TRUSTED_HOSTS": [".example.com", "127.0.0.1"]}),
    ("database-not-sqlite", {"SQLALCHEMY_DATABASE_URI": "postgresql://conduit@db/conduit"}),
    ("jwt-lifetime", {"JWT_LIFETIME_SECONDS": 60}),
    ("password-hashing", {"PASSWORD_HASH_PROFILE": "RFC_9106_HIGH_MEMORY"}),
]


def settings(changes: dict) -> dict:
    """Return the production settings with changes applied; MISSING removes a setting."""
    config = {**PRODUCTION, **changes}
    return {key: value for key, value in config.items() if value is not MISSING}


def failed_names(config) -> set[str]:
    return {rule.name for rule in failed_rules(config)}


def flask_config(config_object) -> FlaskConfig:
    """Return the settings Flask would read from one of our configuration classes."""
    config = FlaskConfig(str(BASE_DIR))
    config.from_object(config_object)
    return config


def test_the_production_settings_pass_every_rule():
    assert failed_rules(PRODUCTION) == []


def test_every_rule_has_failing_and_passing_cases():
    names = [rule.name for rule in RULES]

    assert len(names) == len(set(names))
    assert {name for name, _changes, _expected in FAILING} == set(names)
    assert {name for name, _changes in PASSING} == set(names)


@pytest.mark.parametrize(("rule", "changes", "expected"), FAILING)
def test_a_rule_fails_on_a_bad_setting(rule, changes, expected):
    assert rule in expected
    assert failed_names(settings(changes)) == expected


@pytest.mark.parametrize(("rule", "changes"), PASSING)
def test_a_rule_passes_on_a_good_setting(rule, changes):
    assert failed_rules(settings(changes)) == []


def test_every_failure_names_a_one_line_problem_and_fix():
    for rule in RULES:
        assert rule.problem and "\n" not in rule.problem
        assert rule.fix and "\n" not in rule.fix


def test_production_config_passes_once_its_secret_database_and_hosts_are_set():
    production = ProductionConfig()
    production.SECRET_KEY = SECRET
    production.SQLALCHEMY_DATABASE_URI = PRODUCTION["SQLALCHEMY_DATABASE_URI"]
    production.TRUSTED_HOSTS = ["conduit.example.com"]

    assert failed_rules(flask_config(production)) == []


def test_development_config_fails_the_production_rules():
    development = DevelopmentConfig()
    development.SQLALCHEMY_DATABASE_URI = "sqlite:///instance/conduit.sqlite3"
    development.TRUSTED_HOSTS = []

    assert {
        "session-cookie-secure",
        "remember-cookie-secure",
        "hsts",
        "trusted-hosts",
        "database-not-sqlite",
    } <= failed_names(flask_config(development))


@pytest.fixture
def run_check(app):
    return lambda: app.test_cli_runner().invoke(args=["security-check"])


@pytest.fixture
def production_app(app, monkeypatch):
    """The test app with the production settings, restored after the test."""
    for key, value in PRODUCTION.items():
        monkeypatch.setitem(app.config, key, value)
    return app


def test_the_command_exits_0_when_every_rule_passes(production_app, run_check):
    result = run_check()

    assert result.exit_code == 0
    assert result.output == f"All {len(RULES)} security checks passed.\n"


def test_the_command_prints_the_failed_rule_and_its_fix_and_exits_1(
    production_app, run_check, monkeypatch
):
    monkeypatch.setitem(production_app.config, "HSTS_SECONDS", 0)

    result = run_check()

    assert result.exit_code == 1
    hsts = next(rule for rule in RULES if rule.name == "hsts")
    assert result.output.splitlines() == [
        f"FAIL hsts: {hsts.problem}",
        f"     fix: {hsts.fix}",
        f"1 of {len(RULES)} security checks failed.",
    ]


def test_the_command_checks_the_running_apps_configuration(app, run_check):
    result = run_check()

    assert result.exit_code == 1
    for rule in ("secret-key-not-default", "testing-off", "password-hashing"):
        assert f"FAIL {rule}: " in result.output
    assert result.output.count("     fix: ") == result.output.count("FAIL ")
