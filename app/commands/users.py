"""`flask users ...`: the operator's commands for accounts.

Input goes through the same schemas and services as the API, so the same rules apply; an
error prints one line and exits with status 1.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask.cli import AppGroup

from app.errors import AppError
from app.moderation import services as moderation
from app.moderation.schemas import ReportCreate
from app.users import services
from app.users.models import User
from app.users.schemas import PasswordChange, UserRegister
from app.web.envelope import load

ADMIN_NOTE = (
    "Admins moderate: they hide and delete articles and comments, suspend users and see "
    "the reports and the audit log, under /admin."
)
PASSWORD_HELP = (
    "The password. Leave it out to be asked twice without echo: "
    "a password on the command line ends up in the shell's history."
)

users_cli = AppGroup(
    "users", help="Create users, set their passwords, deactivate, activate and promote them."
)


def user_named(username: str) -> User:
    user = User.by_username(username)
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    return user


@contextmanager
def one_line_errors() -> Iterator[None]:
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
    with one_line_errors():
        fields = load(UserRegister(), {"username": username, "email": email, "password": password})
        user = services.register(**fields, is_admin=admin)
    role = "an admin" if user.is_admin else "a user"
    click.echo(f"Created {user.username} <{user.email}> as {role}.")


@users_cli.command("set-password")
@click.argument("username")
@password_option
def set_password(username: str, password: str) -> None:
    """Give USERNAME a new password; the API tokens they hold stop working."""
    user = user_named(username)
    with one_line_errors():
        services.set_password(user, load(PasswordChange(), {"password": password})["password"])
    click.echo(f"Set a new password for {user.username}; their earlier tokens are revoked.")


def _moderation_options(command):
    """Add --reason and --as: deactivating is suspending, recorded in the audit log."""
    command = click.option(
        "--as", "operator", default=None, help='Your name for the audit log (default "cli").'
    )(command)
    return click.option(
        "--reason", default="by the operator", show_default=True, help="Why, for the audit log."
    )(command)


def _moderate(perform, user: User, reason: str, operator: str | None) -> None:
    with one_line_errors():
        reason = load(ReportCreate(), {"reason": reason})["reason"]
        perform(user, moderation.Moderator.operator(operator), reason)


@users_cli.command("deactivate")
@click.argument("username")
@_moderation_options
def deactivate(username: str, reason: str, operator: str | None) -> None:
    """Stop USERNAME from signing in; their API tokens and browser sessions stop working.

    Their articles, comments and profile stay. `flask users activate` lets them back in. The
    same as `flask moderation suspend`: the audit log records it.
    """
    user = user_named(username)
    _moderate(moderation.suspend_user, user, reason, operator)
    click.echo(f"Deactivated {user.username}: they can no longer sign in.")


@users_cli.command("activate")
@click.argument("username")
@_moderation_options
def activate(username: str, reason: str, operator: str | None) -> None:
    """Let a deactivated USERNAME sign in again (the tokens they held stay revoked)."""
    user = user_named(username)
    _moderate(moderation.restore_user, user, reason, operator)
    click.echo(f"Activated {user.username}: they can sign in again.")


@users_cli.command("promote", epilog=ADMIN_NOTE)
@click.argument("username")
def promote(username: str) -> None:
    """Make USERNAME an admin."""
    user = services.promote(user_named(username))
    click.echo(f"Promoted {user.username} to admin.")
