"""Fixtures for moderation: an admin, the CLI, and the helpers that act as a moderator."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.moderation.models import ModerationAction
from app.moderation.services import Moderator


@pytest.fixture
def make_admin(make_user):
    def admin(username: str = "admin"):
        user = make_user(username)
        user.is_admin = True
        db.session.commit()
        return user

    return admin


@pytest.fixture
def operator() -> Moderator:
    return Moderator.operator("tests")


@pytest.fixture
def flask_cli(app):
    runner = app.test_cli_runner()

    def run(*args: str):
        return runner.invoke(args=list(args))

    return run


def audit_entries() -> list[tuple]:
    """Return the audit log, oldest first, each entry as (actor name, via, action, target
    type, label, reason)."""
    db.session.rollback()  # read what is committed now
    entries = db.session.scalars(select(ModerationAction).order_by(ModerationAction.id))
    return [
        (e.actor_name, e.via, e.action, e.target_type, e.target_label, e.reason) for e in entries
    ]
