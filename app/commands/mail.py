"""`flask mail ...`: what the outbox holds, and sending what is waiting."""

from datetime import timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.accounts.notifications import send_due_digests
from app.database import utcnow
from app.extensions import db
from app.mail.models import FAILED, PENDING, OutgoingMail
from app.mail.outbox import retry_failed, send_overdue

mail_cli = AppGroup("mail", help="Show the outgoing mail, and send what is waiting.")


@mail_cli.command("status")
def status_command() -> None:
    """Count the messages by status; list the pending and failed ones."""
    counts = OutgoingMail.counts()
    click.echo(", ".join(f"{count} {status}" for status, count in counts.items()))
    waiting = select(OutgoingMail).where(OutgoingMail.status.in_((PENDING, FAILED)))
    for mail in db.session.scalars(waiting.order_by(OutgoingMail.id)):
        click.echo(
            f"{mail.id} {mail.status} {mail.kind} to {mail.recipient}, "
            f"{mail.attempts} attempts, queued {mail.created_at:%Y-%m-%d %H:%M} UTC"
            + (f": {mail.last_error}" if mail.last_error else "")
        )


@mail_cli.command("flush")
@click.option("--failed", is_flag=True, help="Try the failed messages again too.")
def flush_command(failed: bool) -> None:
    """Queue the due notification digests and every pending message (to the worker, or
    sent here and now without a broker)."""
    if failed:
        click.echo(f"{retry_failed()} failed messages pending again")
    digests = send_due_digests(utcnow())
    queued = send_overdue(overdue_after=timedelta(0))
    click.echo(f"{digests} digests composed, {queued} messages queued")
