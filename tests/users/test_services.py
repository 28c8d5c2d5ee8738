"""User use cases where a concurrent request wins the race for a name or an email."""

import pytest
from sqlalchemy import func, select

from app.errors import ValidationFailed
from app.users import services
from app.users.models import User


@pytest.fixture
def first_check_misses(monkeypatch):
    """Make User.<check> miss once, as if another request took the value just after it ran."""

    def patch(check_name: str) -> None:
        real_check = getattr(User, check_name)
        calls = []

        def check(value, *, except_id=None):
            calls.append(value)
            return len(calls) > 1 and real_check(value, except_id=except_id)

        monkeypatch.setattr(User, check_name, staticmethod(check))

    return patch


def user_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize(
    ("check_name", "field", "username", "email"),
    [
        ("username_taken", "username", "celeb", "jake@jake.jake"),
        ("email_taken", "email", "jake", "CELEB@example.com"),
    ],
)
def test_register_losing_a_race_answers_taken(
    db, make_user, first_check_misses, check_name, field, username, email
):
    make_user("celeb", email="celeb@example.com")
    first_check_misses(check_name)

    with pytest.raises(ValidationFailed) as raised:
        services.register(username, email, "jakejake1")

    assert raised.value.errors == {field: [services.TAKEN]}
    assert user_count(db) == 1


@pytest.mark.parametrize(
    ("check_name", "changes", "field"),
    [
        ("username_taken", {"username": "celeb"}, "username"),
        ("email_taken", {"email": "Celeb@Example.com"}, "email"),
    ],
)
def test_update_losing_a_race_answers_taken_and_keeps_the_user(
    db, make_user, first_check_misses, check_name, changes, field
):
    make_user("celeb", email="celeb@example.com")
    user = make_user("jake", email="jake@jake.jake")
    first_check_misses(check_name)

    with pytest.raises(ValidationFailed) as raised:
        services.update_settings(user, changes)

    assert raised.value.errors == {field: [services.TAKEN]}
    db.session.expire_all()
    stored = User.by_id(user.id)
    assert (stored.username, stored.email) == ("jake", "jake@jake.jake")
