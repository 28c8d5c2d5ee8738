"""What the mails say: plain text, one function per kind, each returning (subject, body)."""

from app.users.models import User

SIGN_OFF = "\n\n-- \nConduit\n"


def password_reset(user: User, link: str) -> tuple[str, str]:
    body = (
        f"Hello {user.username},\n\n"
        "Someone, probably you, asked to reset the password of your Conduit account.\n"
        f"Choose a new password here within the hour:\n\n{link}\n\n"
        "The link works once. If you did not ask for it, ignore this mail: your password "
        "stays as it is."
    )
    return "Reset your Conduit password", body + SIGN_OFF


def verify_email(user: User, link: str) -> tuple[str, str]:
    body = (
        f"Hello {user.username},\n\n"
        f"Please confirm that {user.email} is your address on Conduit:\n\n{link}\n\n"
        "If you did not sign up or change your email on Conduit, ignore this mail."
    )
    return "Confirm your email address on Conduit", body + SIGN_OFF


def followers_digest(user: User, followers: list[tuple[str, str]]) -> tuple[str, str]:
    """followers: (username, profile link) of each new follower, in the order they came."""
    names = [name for name, _link in followers]
    who = names[0] if len(names) == 1 else f"{len(names)} people"
    lines = "\n".join(f"- {name}: {link}" for name, link in followers)
    body = f"Hello {user.username},\n\nNew followers on Conduit:\n\n{lines}"
    return f"{who} followed you on Conduit", body + SIGN_OFF + SETTINGS_NOTE


def comments_digest(user: User, comments: list[tuple[str, str, str]]) -> tuple[str, str]:
    """comments: (commenter, article title, article link) of each new comment."""
    count = len(comments)
    subject = "A new comment" if count == 1 else f"{count} new comments"
    lines = "\n".join(f'- {name} on "{title}": {link}' for name, title, link in comments)
    body = f"Hello {user.username},\n\nNew comments on your articles:\n\n{lines}"
    return f"{subject} on your Conduit articles", body + SIGN_OFF + SETTINGS_NOTE


SETTINGS_NOTE = "You can switch these mails off in your settings.\n"
