"""Flask commands for operators."""

from flask import Flask

from app.security_check import security_check_command
from app.seed import seed_command
from app.users.cli import users_cli


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(security_check_command)
