"""The application factory: it wires things up and does nothing else."""

import orjson
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.api import api
from app.articles.views import blueprint as articles_pages
from app.auth.views import blueprint as auth_pages
from app.cli import register_commands
from app.comments.views import blueprint as comments_pages
from app.connections import PREPARING_ALLOWED
from app.errors import register_error_handlers
from app.extensions import cors, csrf, db, login_manager, migrate, redis_client
from app.health import blueprint as health
from app.json_provider import OrjsonProvider
from app.limits import register_request_limits
from app.observability import configure_logging, register_request_logging
from app.pages import register_template_helpers
from app.security import register_security_headers
from app.sessions import PagesOnlySessionInterface
from app.templating import ConduitEnvironment
from app.users.views import blueprint as users_pages
from config import BASE_DIR, INSTANCE_DIR, Config, config_from_environment


class Conduit(Flask):
    """The Flask app, synchronous throughout (tests/test_app.py checks it).

    Before every call of a view, hook or error handler, Flask asks inspect whether it is a
    coroutine function, to run it in an event loop: a dozen times a request, 4% of an
    uncached read. Conduit has none, and ensure_sync is the method Flask documents
    overriding to change how views run.

    Its templates compile to code that escapes values without wrapping each (app/templating.py).
    """

    jinja_environment = ConduitEnvironment

    def ensure_sync(self, func):
        return func


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
    register_request_limits(app)
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
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )


def register_extensions(app: Flask) -> None:
    set_engine_options(app)
    db.init_app(app)
    redis_client.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    cors.init_app(app, resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}})
    csrf.init_app(app)
    login_manager.init_app(app)


def set_engine_options(app: Flask) -> None:
    """Decode JSON columns (an article's tags) with orjson, several times faster than the
    standard library; prepare the statements marked so unless DB_PREPARED_STATEMENTS is
    off (app/connections.py); give up connecting to an unreachable PostgreSQL host in seconds, not
    the OS's minutes."""
    options = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"], "json_deserializer": orjson.loads}
    allowed = {PREPARING_ALLOWED: app.config["DB_PREPARED_STATEMENTS"]}
    options["execution_options"] = {**options.get("execution_options", {}), **allowed}
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": app.config["DB_CONNECT_TIMEOUT"]}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(api)
    app.register_blueprint(health)
    for pages in (auth_pages, users_pages, articles_pages, comments_pages):
        app.register_blueprint(pages)
    # The API reads only the Authorization header, never the session cookie, so a forged
    # cross-site request carries no credentials there. Nested blueprints are exempted by name.
    for name, blueprint in app.blueprints.items():
        if name.split(".")[0] == api.name:
            csrf.exempt(blueprint)
