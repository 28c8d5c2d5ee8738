"""The application factory: it wires things up and does nothing else."""

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.accounts import notifications as account_jobs
from app.accounts.views import blueprint as accounts_pages
from app.api import api
from app.articles.comments.views import blueprint as comments_pages
from app.articles.feeds import blueprint as feeds
from app.articles.views import blueprint as articles_pages
from app.auth.login import init_login
from app.auth.views import blueprint as auth_pages
from app.cache import register_cache
from app.commands import register_commands
from app.database import configure_engines, register_database
from app.errors import register_error_handlers
from app.extensions import cors, csrf, db, migrate, redis_client
from app.jobs import celery_init_app
from app.mail import tasks as mail_jobs
from app.moderation.admin import blueprint as admin_pages
from app.moderation.views import blueprint as reports_pages
from app.profiles.views import blueprint as profiles_pages
from app.replicas import on_primary_if_replica_fails, register_replicas
from app.web.health import blueprint as health
from app.web.idempotency import REPLAYED_HEADER
from app.web.json import OrjsonProvider
from app.web.limits import register_rate_limits
from app.web.pages import register_template_helpers
from app.web.request_log import (
    REQUEST_ID_HEADER,
    configure_logging,
    register_request_logging,
)
from app.web.security import register_security_headers
from app.web.sessions import PagesOnlySessionInterface
from config import BASE_DIR, INSTANCE_DIR, Config, config_from_environment

# The modules whose Celery tasks every app's workers run (imported to register them).
JOB_MODULES = (mail_jobs, account_jobs)


class Conduit(Flask):
    """The Flask app, synchronous throughout (tests/test_app.py checks it).

    Flask's documented ensure_sync hook runs each view, hook and error handler as it is,
    instead of asking before every call whether it is a coroutine function to run in an
    event loop: Conduit has none.
    """

    def ensure_sync(self, func: Callable) -> Callable:
        return func

    # Flask's two public steps of a request that read the database (the before-request
    # hooks, such as the admin pages' check of the viewer, and the view), each run once
    # more from the primary if a read replica fails under a safe request (app.replicas).
    def preprocess_request(self) -> Any:
        return on_primary_if_replica_fails(super().preprocess_request)

    def dispatch_request(self) -> Any:
        return on_primary_if_replica_fails(super().dispatch_request)


def create_app(config: Config | None = None) -> Flask:
    """Return a configured app; `config` defaults to the one CONDUIT_CONFIG names."""
    config = config or config_from_environment()
    config.validate()
    app = Conduit(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
    )
    app.config.from_object(config)
    configure_logging(app.config["LOG_LEVEL"])
    register_request_logging(app)
    app.json = OrjsonProvider(app)
    app.session_interface = PagesOnlySessionInterface()
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_rate_limits(app)
    register_security_headers(app)
    register_template_helpers(app)
    register_commands(app)
    trust_proxies(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Take client IP, scheme, host, port and prefix from the TRUSTED_PROXIES proxies in front.

    Without a proxy, X-Forwarded-* comes from the client itself and must be ignored.
    """
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )


def register_extensions(app: Flask) -> None:
    configure_engines(app.config)
    db.init_app(app)
    register_database(app)
    register_replicas(app)
    redis_client.init_app(app)
    register_cache(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    cors.init_app(app, resources={r"/api/*": cors_options(app.config)})
    csrf.init_app(app)
    init_login(app)
    celery_init_app(app)


def cors_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """Return the API's CORS options: browser clients may read the headers that tell them
    when to retry and which request to quote in a report, as well as the standard ones."""
    return {
        "origins": config["CORS_ORIGINS"],
        "max_age": config["CORS_MAX_AGE_SECONDS"],
        "expose_headers": ["Retry-After", REQUEST_ID_HEADER, REPLAYED_HEADER],
    }


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(api)
    app.register_blueprint(health)
    app.register_blueprint(feeds)
    pages_blueprints = (auth_pages, accounts_pages, profiles_pages, articles_pages)
    for pages in (*pages_blueprints, comments_pages, reports_pages):
        app.register_blueprint(pages)
    app.register_blueprint(admin_pages)
    # The API reads only the Authorization header, never the session cookie, so a forged
    # cross-site request carries no credentials there. Nested blueprints are exempted by name.
    for name, blueprint in app.blueprints.items():
        if name.split(".")[0] == api.name:
            csrf.exempt(blueprint)
