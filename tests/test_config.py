import pytest

import config
from app import create_app
from app.jobs import celery_settings
from config import (
    ConfigError,
    DevelopmentConfig,
    ProductionConfig,
    TestingConfig,
    _env_list,
    config_from_environment,
    psycopg2_url,
)

POSTGRES_URL = "postgresql+psycopg2://conduit@db.internal/conduit"
GOOD_SECRET = "k" * 32


def production(secret_key: str | None = GOOD_SECRET, database_url: str | None = POSTGRES_URL):
    """Return a production config with these settings, leaving the real classes untouched."""
    settings = ProductionConfig()
    settings.SECRET_KEY = secret_key
    settings.SQLALCHEMY_DATABASE_URI = database_url
    return settings


def assert_one_line_config_error(settings, *words: str) -> None:
    with pytest.raises(ConfigError) as raised:
        settings.validate()
    message = str(raised.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_production_accepts_a_long_secret_and_postgresql():
    production().validate()


@pytest.mark.parametrize("secret_key", [None, "", "k" * 31], ids=["missing", "empty", "short"])
def test_production_refuses_a_missing_or_short_secret_key(secret_key):
    assert_one_line_config_error(production(secret_key=secret_key), "SECRET_KEY", "32")


def test_production_refuses_sqlite():
    settings = production(database_url="sqlite:///conduit.sqlite3")

    assert_one_line_config_error(settings, "DATABASE_URL", "SQLite")


def test_every_configuration_needs_a_database_url():
    assert_one_line_config_error(production(database_url=None), "DATABASE_URL")


def test_the_factory_refuses_to_start_on_an_invalid_configuration():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(production(secret_key="short"))


def test_unknown_configuration_name_is_a_config_error(monkeypatch):
    monkeypatch.setenv("CONDUIT_CONFIG", "staging")

    with pytest.raises(ConfigError, match="staging") as raised:
        config_from_environment()
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("name", "config_class"),
    [
        ("development", DevelopmentConfig),
        ("testing", TestingConfig),
        ("production", ProductionConfig),
    ],
)
def test_configuration_is_chosen_by_name(monkeypatch, name, config_class):
    monkeypatch.setenv("CONDUIT_CONFIG", name)

    assert type(config_from_environment()) is config_class


def test_development_is_the_default_configuration(monkeypatch):
    monkeypatch.delenv("CONDUIT_CONFIG", raising=False)

    assert type(config_from_environment()) is DevelopmentConfig


@pytest.mark.parametrize(
    ("url", "pinned"),
    [
        ("postgres://u:p@host:5432/db", "postgresql+psycopg2://u:p@host:5432/db"),
        ("postgresql://u@host/db", "postgresql+psycopg2://u@host/db"),
        ("postgresql+psycopg2://u@host/db", "postgresql+psycopg2://u@host/db"),
        ("sqlite:///instance/conduit.sqlite3", "sqlite:///instance/conduit.sqlite3"),
        (None, None),
    ],
)
def test_postgresql_urls_are_pinned_to_psycopg2(url, pinned):
    assert psycopg2_url(url) == pinned


def test_comma_separated_settings_become_trimmed_lists(monkeypatch):
    monkeypatch.setenv("CORS_ORIGINS", " https://a.example , https://b.example,, ")

    assert _env_list("CORS_ORIGINS", "*") == ["https://a.example", "https://b.example"]


def test_comma_separated_settings_fall_back_to_their_default(monkeypatch):
    monkeypatch.delenv("CORS_ORIGINS", raising=False)

    assert _env_list("CORS_ORIGINS", "*") == ["*"]


@pytest.fixture
def instance_dir(tmp_path, monkeypatch):
    """A fresh instance folder, and no SECRET_KEY from the environment."""
    instance = tmp_path / "instance"
    monkeypatch.setattr(config, "INSTANCE_DIR", instance)
    monkeypatch.setattr(config.Config, "SECRET_KEY", None)
    return instance


def test_development_creates_a_private_secret_key_file_once(instance_dir):
    first = DevelopmentConfig().SECRET_KEY
    second = DevelopmentConfig().SECRET_KEY

    key_file = instance_dir / "secret_key"
    assert len(first) >= 32
    assert first == second == key_file.read_text()
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_development_reuses_an_existing_secret_key_file(instance_dir):
    instance_dir.mkdir()
    (instance_dir / "secret_key").write_text("kept-from-last-time\n")

    assert DevelopmentConfig().SECRET_KEY == "kept-from-last-time"


def test_postgresql_connections_give_up_after_db_connect_timeout(app):
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]

    assert options["connect_args"] == {"connect_timeout": app.config["DB_CONNECT_TIMEOUT"]}


def test_sqlite_connections_get_no_postgresql_connect_arguments(tmp_path):
    class SQLiteConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'conduit.sqlite3'}"

    sqlite_app = create_app(SQLiteConfig())

    assert "connect_args" not in sqlite_app.config["SQLALCHEMY_ENGINE_OPTIONS"]


@pytest.mark.parametrize("mail_url", ["http://mail.example", "mail.example:25"])
def test_a_mail_url_other_than_smtp_is_refused(mail_url):
    settings = TestingConfig()
    settings.MAIL_URL = mail_url

    assert_one_line_config_error(settings, "MAIL_URL", "smtp://")


def test_without_a_broker_jobs_run_in_the_process_that_queues_them():
    assert celery_settings({"CELERY_BROKER_URL": None})["task_always_eager"] is True
    assert celery_settings({"CELERY_BROKER_URL": "redis://h/1"})["task_always_eager"] is False


def test_replicas_need_postgresql_for_the_primary_and_the_replicas():
    settings = production(database_url="sqlite:///conduit.sqlite3")
    settings.DATABASE_REPLICA_URLS = ["postgresql+psycopg2://conduit@replica/conduit"]

    assert_one_line_config_error(settings, "DATABASE_REPLICA_URLS", "PostgreSQL")


def test_replicas_need_a_read_your_writes_window_longer_than_their_lag():
    settings = production()
    settings.DATABASE_REPLICA_URLS = ["postgresql+psycopg2://conduit@replica/conduit"]
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 5
    settings.READ_YOUR_WRITES_SECONDS = 5

    assert_one_line_config_error(settings, "READ_YOUR_WRITES_SECONDS", "MAX_LAG")
