import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.articles.services import favorite
from app.users.models import User, follows


def following(db, follower: User, followed: User) -> bool:
    row = db.session.execute(
        select(follows).where(
            follows.c.follower_id == follower.id, follows.c.followed_id == followed.id
        )
    ).first()
    return row is not None


def test_settings_need_a_signed_in_user(client):
    response = client.get("/settings")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/settings"


def test_settings_show_the_current_values_in_labelled_fields(client, login, make_user):
    login(client, make_user("jake", bio="I work at statefarm", image="https://example.com/j.png"))
    response = client.get("/settings")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Settings · Conduit</title>" in page
    for field in ("image", "username", "bio", "email", "password"):
        assert f'<label class="field__label" for="{field}">' in page
    assert 'value="https://example.com/j.png"' in page
    assert 'value="jake"' in page
    assert ">I work at statefarm</textarea>" in page
    assert 'value="jake@example.com"' in page


def test_saving_settings_changes_the_user_and_shows_the_profile(
    client, csrf_token, login, make_user, db
):
    user = login(client, make_user("jake"))
    response = client.post(
        "/settings",
        data={
            "csrf_token": csrf_token(client, "/settings"),
            "image": "https://example.com/new.png",
            "username": "jacob",
            "bio": "New bio",
            "email": "jacob@example.com",
            "password": "",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/profile/jacob"
    db.session.refresh(user)
    assert (user.username, user.email, user.bio, user.image) == (
        "jacob",
        "jacob@example.com",
        "New bio",
        "https://example.com/new.png",
    )
    assert user.check_password("correct-horse-battery")
    profile = client.get("/profile/jacob").get_data(as_text=True)
    assert "Your settings are saved." in profile
    assert "New bio" in profile


def test_a_new_password_replaces_the_old_one(client, csrf_token, login, make_user, db):
    user = login(client, make_user("jake"))
    client.post(
        "/settings",
        data={
            "csrf_token": csrf_token(client, "/settings"),
            "username": "jake",
            "email": user.email,
            "password": "a-brand-new-password",
        },
    )
    db.session.refresh(user)
    assert user.check_password("a-brand-new-password")


def test_a_new_password_ends_other_sessions_but_keeps_this_one(
    app, client, csrf_token, login, make_user
):
    user = login(client, make_user("jake"))
    other_device = app.test_client()
    login(other_device, user)
    client.post(
        "/settings",
        data={
            "csrf_token": csrf_token(client, "/settings"),
            "username": "jake",
            "email": user.email,
            "password": "a-brand-new-password",
        },
    )

    assert client.get("/settings").status_code == 200
    assert other_device.get("/settings").status_code == 302


def test_a_deactivated_user_is_signed_out(client, login, make_user, db):
    user = login(client, make_user("jake"))
    user.is_active = False
    db.session.commit()

    assert client.get("/settings").status_code == 302


def test_settings_errors_show_by_field_with_input_kept_and_nothing_saved(
    client, csrf_token, login, make_user, db
):
    make_user("taken")
    user = login(client, make_user("jake", bio="Old bio"))
    response = client.post(
        "/settings",
        data={
            "csrf_token": csrf_token(client, "/settings"),
            "image": "javascript:alert(1)",
            "username": "jake",
            "bio": "Changed bio",
            "email": "jake@example.com",
            "password": "short",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Profile picture URL must be an http(s) URL" in page
    assert "New password must be 8 to 1024 characters long" in page
    assert ">Changed bio</textarea>" in page
    assert 'value="short"' not in page
    db.session.refresh(user)
    assert user.bio == "Old bio"


def test_a_taken_username_is_reported_next_to_its_field(client, csrf_token, login, make_user, db):
    make_user("taken")
    user = login(client, make_user("jake"))
    response = client.post(
        "/settings",
        data={
            "csrf_token": csrf_token(client, "/settings"),
            "username": "taken",
            "email": user.email,
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-testid="error-username"' in page
    assert "Username has already been taken" in page
    assert 'value="taken"' in page
    db.session.refresh(user)
    assert user.username == "jake"


def test_settings_without_a_csrf_token_change_nothing(client, login, make_user, db):
    user = login(client, make_user("jake"))
    response = client.post("/settings", data={"username": "hacked", "email": user.email})
    assert response.status_code == 400
    db.session.refresh(user)
    assert user.username == "jake"


def test_a_profile_shows_the_user_and_their_articles(client, make_user, make_article):
    jake = make_user("jake", bio="I write things")
    make_article(jake, title="Jake's first")
    make_article(make_user("other"), title="Not Jake's")
    response = client.get("/profile/jake")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>jake · Conduit</title>" in page
    assert '<h1 class="profile-banner__name" id="profile-name">jake</h1>' in page
    assert "I write things" in page
    assert "Jake&#39;s first" in page
    assert "Not Jake&#39;s" not in page
    assert "/static/img/avatar.svg" in page


def test_a_profile_lists_the_articles_the_user_favorited(client, make_user, make_article):
    jake = make_user("jake")
    liked = make_article(make_user(), title="Liked one")
    make_article(make_user(), title="Ignored one")
    favorite(liked, jake)
    page = client.get("/profile/jake/favorites").get_data(as_text=True)
    assert "<title>Articles favorited by jake · Conduit</title>" in page
    assert "Liked one" in page
    assert "Ignored one" not in page
    assert re.search(r'data-testid="tab-favorited"\s+aria-current="page"', page)


def test_an_unknown_profile_is_a_friendly_404(client):
    response = client.get("/profile/nobody")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page not found" in page
    assert 'class="site-header"' in page


def test_profile_articles_are_paginated(client, make_user, make_article):
    jake = make_user("jake")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for number in range(23):
        make_article(jake, title=f"Post {number:02d}", created_at=start + timedelta(hours=number))
    first = client.get("/profile/jake").get_data(as_text=True)
    second = client.get("/profile/jake?page=2").get_data(as_text=True)
    assert first.count('data-testid="article-preview"') == 20
    assert second.count('data-testid="article-preview"') == 3
    assert "Post 22" in first and "Post 02" not in first
    assert "Post 02" in second
    assert 'href="/profile/jake?page=2"' in first


def test_the_signed_in_user_sees_a_settings_link_not_a_follow_button(client, login, make_user):
    login(client, make_user("jake"))
    page = client.get("/profile/jake").get_data(as_text=True)
    assert "Edit profile settings" in page
    assert 'data-testid="follow-button"' not in page


def test_following_and_unfollowing_a_user(client, csrf_token, login, make_user, db):
    jake = login(client, make_user("jake"))
    celeb = make_user("celeb")
    token = csrf_token(client, "/profile/celeb")
    response = client.post("/profile/celeb/follow", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/profile/celeb"
    assert following(db, jake, celeb)
    page = client.get("/profile/celeb").get_data(as_text=True)
    assert "You are following celeb." in page
    assert "Unfollow celeb" in page

    response = client.post("/profile/celeb/unfollow", data={"csrf_token": token})
    assert response.status_code == 302
    assert not following(db, jake, celeb)
    assert "You are no longer following celeb." in client.get("/").get_data(as_text=True)


def test_following_returns_to_a_local_next_page_only(client, csrf_token, login, make_user):
    login(client, make_user("jake"))
    make_user("celeb")
    token = csrf_token(client, "/profile/celeb")
    back = client.post(
        "/profile/celeb/follow", data={"csrf_token": token, "next": "/article/x?page=2"}
    )
    assert back.headers["Location"] == "/article/x?page=2"
    away = client.post(
        "/profile/celeb/unfollow", data={"csrf_token": token, "next": "//evil.example"}
    )
    assert away.headers["Location"] == "/profile/celeb"


def test_following_without_a_csrf_token_changes_nothing(client, login, make_user, db):
    jake = login(client, make_user("jake"))
    celeb = make_user("celeb")
    assert client.post("/profile/celeb/follow").status_code == 400
    assert not following(db, jake, celeb)


def test_a_signed_out_visitor_cannot_follow(client, csrf_token, make_user, db):
    make_user("celeb")
    response = client.post("/profile/celeb/follow", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert db.session.execute(select(follows)).first() is None
    page = client.get("/profile/celeb").get_data(as_text=True)
    assert 'href="/login?next=/profile/celeb"' in page
