"""`flask users ...`: the operator's commands for accounts.

Input goes through the same schemas and services as the API, so the same rules apply; an
error prints one line and exits with status 1.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask.cli import AppGroup

from app.errors import AppError
from app.users import services
from app.users.models import User
from app.users.schemas import PasswordChange, UserRegister
from app.web.envelope import load

ADMIN_NOTE = "Nothing in Conduit uses the admin flag yet: it is recorded for features to come."
PASSWORD_HELP = (
    "The password. Leave it out to be asked twice without echo: "
    "a password on the command line ends up in the shell's history."
)

users_cli = AppGroup(
    "users", help="Create users, set their passwords, deactivate, activate and promote them."
)


def _user_named(username: str) -> User:
    user = User.by_username(username)
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    return user


@contextmanager
def _one_line_errors() -> Iterator[None]:
    """Report the app's errors (invalid input, a taken name) as one line and exit status 1."""
    try:
        yield
    except AppError as error:
        messages = [
            f"{field} {message}" for field, texts in error.errors.items() for message in texts
        ]
        raise click.ClickException("; ".join(messages)) from error


password_option = click.option(
    "--password", prompt=True, hide_input=True, confirmation_prompt=True, help=PASSWORD_HELP
)


@users_cli.command("create")
@click.argument("username")
@click.argument("email")
@password_option
@click.option("--admin", is_flag=True, help=f"Make the user an admin. {ADMIN_NOTE}")
def create_user(username: str, email: str, password: str, admin: bool) -> None:
    """Create an active user who can sign in at once, as registration would."""
    with _one_line_errors():
        fields = load(UserRegister(), {"username": username, "email": email, "password": password})
        user = services.register(**fields, is_admin=admin)
    role = "an admin" if user.is_admin else "a user"
    click.echo(f"Created {user.username} <{user.email}> as {role}.")


@users_cli.command("set-password")
@click.argument("username")
@password_option
def set_password(username: str, password: str) -> None:
    """Give USERNAME a new password; the API tokens they hold stop working."""
    user = _user_named(username)
    with _one_line_errors():
        services.set_password(user, load(PasswordChange(), {"password": password})["password"])
    click.echo(f"Set a new password for {user.username}; their earlier tokens are revoked.")


@users_cli.command("deactivate")
@click.argument("username")
def deactivate(username: str) -> None:
    """Stop USERNAME from signing in; their API tokens and browser sessions stop working.

    Their articles, comments and profile stay. `flask users activate` lets them back in.
    """
    user = services.deactivate(_user_named(username))
    click.echo(f"Deactivated {user.username}: they can no longer sign in.")


@users_cli.command("activate")
@click.argument("username")
def activate(username: str) -> None:
    """Let a deactivated USERNAME sign in again (the tokens they held stay revoked)."""
    user = services.activate(_user_named(username))
    click.echo(f"Activated {user.username}: they can sign in again.")


@users_cli.command("promote", epilog=ADMIN_NOTE)
@click.argument("username")
def promote(username: str) -> None:
    """Make USERNAME an admin."""
    user = services.promote(_user_named(username))
    click.echo(f"Promoted {user.username} to admin.")
