"""The operator's `flask` commands: seed, users, moderation, views, mail, security-check."""

from flask import Flask

from app.commands.mail import mail_cli
from app.commands.moderation import moderation_cli
from app.commands.security_check import security_check_command
from app.commands.seed import seed_command
from app.commands.users import users_cli
from app.commands.views import views_cli


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(moderation_cli)
    app.cli.add_command(views_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(security_check_command)
