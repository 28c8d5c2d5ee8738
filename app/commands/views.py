"""`flask views flush`: write the article views counted in Redis to the database now."""

import click
from flask.cli import AppGroup

from app.articles.popularity import flush_views

views_cli = AppGroup("views", help="Article views, counted in Redis and written in batches.")


@views_cli.command("flush")
def flush() -> None:
    """Write the views counted in Redis to the database (also done by every refresh of the
    popular articles, at most once a minute); safe to run on a schedule on every node."""
    written = flush_views()
    click.echo(f"Wrote {written} views.")
