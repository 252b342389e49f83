"""Mutual Aid Matcher: create_app() binds extensions, blueprints and commands."""
import os
import secrets
from pathlib import Path

from flask import Flask

from aid.config import Config, settle
from aid.extensions import babel, compress, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config=None):
    """Build the app; `config` (a dict) overrides settings, as tests do."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(Config)
    app.config.update(config or {})
    os.makedirs(app.instance_path, exist_ok=True)
    _defaults(app)
    _bind_extensions(app)
    _register(app)
    return app


def _defaults(app):
    """Fill what the embedded set-up can decide alone: a SQLite file and a secret key."""
    settle(app.config)  # a shared database needs SECRET_KEY; limits go to Redis when there is one
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{app.instance_path}/aid.sqlite"
    if not app.config.get("SECRET_KEY"):
        key_file = Path(app.instance_path) / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgres://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite"):
        options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})


def _bind_extensions(app):
    from aid import models  # noqa: F401  (registers the tables)
    from aid.database import setup_sqlite
    from aid.i18n import select_locale

    db.init_app(app)
    with app.app_context():
        setup_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    compress.init_app(app)


def _register(app):
    import aid.web.api_things  # noqa: F401  (adds things and bookings to the API before it is registered)
    from aid import cli, edge, i18n, jobs
    from aid.web import (
        admin,
        api,
        auth,
        board,
        bookings,
        errors,
        health,
        hub,
        offline,
        proxy,
        public,
        purse,
        security,
        sms,
        templating,
        things,
        volunteer,
    )
    from aid.web.params import IdConverter

    app.url_map.converters["int"] = IdConverter  # before the blueprints' rules are built
    proxy.init_app(app)  # X-Forwarded-* believed only as configured
    blueprints = (public.bp, auth.bp, volunteer.bp, board.bp, offline.bp, admin.bp, api.bp, sms.bp,
                  health.bp, things.bp, bookings.bp, hub.bp, purse.bp)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    security.init_app(app)
    errors.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    jobs.init_app(app)
    edge.init_app(app)
    cli.init_app(app)
