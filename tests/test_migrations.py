"""The migrations build exactly the schema the models describe, on PostgreSQL and SQLite."""

import os
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app import create_app
from app.extensions import db
from config import TestingConfig, psycopg2_url

MIGRATIONS_DATABASE_URL = os.environ.get(
    "MIGRATIONS_DATABASE_URL",
    "postgresql://conduit@127.0.0.1:55432/conduit_test_migrations",
)


def app_on(database_url: str) -> Flask:
    """Return an app of its own on database_url, so the suite's database is left alone."""
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = psycopg2_url(database_url)
    return create_app(config)


@pytest.fixture
def postgres_app() -> Iterator[Flask]:
    """An app on an empty PostgreSQL database kept for migration tests."""
    migrations_app = app_on(MIGRATIONS_DATABASE_URL)
    with migrations_app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        yield migrations_app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def sqlite_app(tmp_path) -> Iterator[Flask]:
    migrations_app = app_on(f"sqlite:///{tmp_path / 'conduit.sqlite3'}")
    with migrations_app.app_context():
        yield migrations_app
        db.session.remove()
        db.engine.dispose()


def schema_drift() -> list:
    """Return the differences autogenerate finds between the database and the models."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, db.metadata)


# SQLite's full-text index (migration 0010): an FTS5 table and the tables it keeps it in.
SQLITE_SEARCH_TABLES = {
    "articles_search",
    "articles_search_config",
    "articles_search_data",
    "articles_search_docsize",
    "articles_search_idx",
}


def table_names() -> set[str]:
    """Return the database's tables, but for SQLite's full-text index."""
    return set(inspect(db.engine).get_table_names()) - SQLITE_SEARCH_TABLES


def model_tables() -> set[str]:
    """Return the tables the models declare, with the one Alembic keeps its revision in."""
    return set(db.metadata.tables) | {"alembic_version"}


def head_revision() -> str:
    alembic_config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(alembic_config).get_current_head()


def current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_upgrade_builds_the_schema_on_an_empty_postgresql_database(postgres_app):
    assert table_names() == set()

    upgrade()

    assert table_names() == model_tables()
    assert current_revision() == head_revision()


def test_migrations_match_the_models_on_postgresql(postgres_app):
    upgrade()

    assert schema_drift() == []


def test_upgrade_creates_the_models_indexes_on_sqlite(sqlite_app):
    upgrade()

    with db.engine.connect() as connection:
        created = set(
            connection.scalars(
                text("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
            )
        )
    declared = {
        index.name
        for table in db.metadata.tables.values()
        for index in table.indexes
        if not index.dialect_options["postgresql"]["using"]  # a GIN index is PostgreSQL's
    }
    assert declared
    assert created == declared


def test_downgrade_to_base_then_upgrade_again_on_postgresql(postgres_app):
    upgrade()

    downgrade(revision="base")
    assert table_names() - {"alembic_version"} == set()

    upgrade()
    assert table_names() == model_tables()
    assert schema_drift() == []


def test_upgrade_builds_the_schema_on_a_new_sqlite_file(sqlite_app):
    upgrade()

    assert table_names() == model_tables()
    assert current_revision() == head_revision()


def test_downgrade_to_base_then_upgrade_again_on_sqlite(sqlite_app):
    upgrade()

    downgrade(revision="base")
    assert table_names() - {"alembic_version"} == set()

    upgrade()
    assert table_names() == model_tables()


@pytest.mark.parametrize("migrated_app", ["postgres_app", "sqlite_app"])
def test_accounts_made_before_verification_count_as_verified(migrated_app, request):
    request.getfixturevalue(migrated_app)
    upgrade(revision="0011")
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (username, email, password_hash, bio, image, created_at,"
                " updated_at) VALUES ('old', 'old@example.com', 'x', '', '', CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP)"
            )
        )

    upgrade(revision="0012")

    with db.engine.connect() as connection:
        row = connection.execute(
            text("SELECT email_verified_at, notify_on_follow, notify_on_comment FROM users")
        ).one()
    assert row[0] is not None
    assert bool(row[1]) and bool(row[2])
