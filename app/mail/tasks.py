"""The mail jobs: send one message, and sweep up pending ones that lost their job."""

from celery import Task, shared_task
from celery.signals import worker_ready

from app.jobs import periodic_task
from app.mail.outbox import SEND_MAIL, deliver, send_overdue

SEND_OVERDUE = "mail.send_overdue"
SWEEP_EVERY_SECONDS = 60


@shared_task(name=SEND_MAIL, bind=True, max_retries=None)
def send_mail(task: Task, mail_id: int) -> None:
    """Send message mail_id; a temporary failure is retried after the delay deliver gives.

    The attempts are counted on the message's row, which decides when to give up, so that
    the sweep's attempts count too: hence no max_retries here. Run in-process (no broker),
    it does not wait: the message stays pending for `flask mail flush`.
    """
    delay = deliver(mail_id)
    if delay is not None and not task.request.is_eager:
        raise task.retry(countdown=delay)


@periodic_task(SEND_OVERDUE, every_seconds=SWEEP_EVERY_SECONDS)
def sweep_overdue_mail() -> int:
    return send_overdue()


@worker_ready.connect
def sweep_when_a_worker_starts(sender, **_kwargs) -> None:
    """What was queued while no worker or no broker was there goes out as soon as one is."""
    sender.app.tasks[SEND_OVERDUE].delay()
