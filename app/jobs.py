"""Background jobs: Celery on Redis, wired as Flask's "Background Tasks with Celery" pattern.

A worker is a process of its own (`celery -A wsgi:celery_app worker --beat`, `make worker`).
Without a broker (no CELERY_BROKER_URL, no REDIS_URL: `make run`), each job runs in the
process that queues it, at once, so that nothing else needs to be running. Features declare
their tasks with Celery's `shared_task` under explicit names and queue them by name through
`enqueue`, which uses the Celery app of the Flask app at hand: a process may hold several.
"""

import logging
from collections.abc import Callable

from celery import Celery, Task, shared_task
from flask import Flask, current_app
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)

# How long queueing may wait for the broker before the caller goes on without it.
BROKER_CONNECT_TIMEOUT_SECONDS = 1
# Periodic tasks by name and how often they run, in seconds (Celery beat's schedule).
PERIODIC: dict[str, float] = {}


def celery_init_app(app: Flask) -> Celery:
    """Return the Celery app for app, kept in app.extensions["celery"]; its tasks run in an
    app context of app's."""

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(celery_settings(app.config))
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def celery_settings(config: dict) -> dict:
    """Return Celery's settings for the app's config."""
    broker = config["CELERY_BROKER_URL"]
    return {
        "broker_url": broker or "memory://localhost/",
        "task_always_eager": not broker,
        "task_ignore_result": True,
        # Acknowledged when done, not when received: a worker that dies mid-task leaves the
        # job to another. Every task here is idempotent, so running twice does no harm.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        # With Redis down a request fails to queue at once instead of retrying for seconds;
        # what it queued waits in the database for the periodic sweep.
        "task_publish_retry": False,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {
            "socket_connect_timeout": BROKER_CONNECT_TIMEOUT_SECONDS,
            "socket_timeout": 5,
            # Opening the channel to publish otherwise retries the connection after
            # broker_connection_timeout more. A worker reconnects by its own loop.
            "max_retries": 0,
        },
        "broker_connection_timeout": BROKER_CONNECT_TIMEOUT_SECONDS,
        "beat_schedule": {
            name: {"task": name, "schedule": seconds} for name, seconds in PERIODIC.items()
        },
        "timezone": "UTC",
    }


def periodic_task(name: str, every_seconds: float) -> Callable:
    """Declare function a task called name that Celery beat runs every every_seconds."""

    def decorate(function: Callable):
        PERIODIC[name] = every_seconds
        return shared_task(name=name)(function)

    return decorate


def enqueue(task_name: str, *args: object) -> bool:
    """Queue the task task_name with args (run it now without a broker); return whether it
    was queued. An unreachable broker is logged, not raised: the caller has committed."""
    celery_app = current_app.extensions["celery"]
    try:
        celery_app.tasks[task_name].apply_async(args)
    except OperationalError as error:
        log.warning("Could not queue %s%r, the broker is unreachable: %s", task_name, args, error)
        return False
    return True
