"""Flask commands for operators."""

from flask import Flask

from app.seed import seed_command


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_command)
