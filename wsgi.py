"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`; and the Celery app
for the worker: `celery -A wsgi:celery_app worker --beat`."""

from app import create_app

app = create_app()
celery_app = app.extensions["celery"]
