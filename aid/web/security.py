"""Security headers on every response, and who is logged in."""
from urllib.parse import urlsplit

from flask import g, request
from flask_login import AnonymousUserMixin
from sqlalchemy.orm import joinedload

from aid.extensions import db, login_manager
from aid.models import User

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # tracking links carry a secret
    "Permissions-Policy": "geolocation=(self), camera=(), microphone=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def init_app(app):
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    # Off: "basic" only marks a session not fresh, which nothing here reads, and that write
    # (on an anonymous session's second request) raced the person's own requests: the
    # service worker's page fetch re-sent an old cookie over a language just chosen.
    # Stolen sessions end by other means: session versions, HttpOnly and SameSite cookies.
    login_manager.session_protection = None
    login_manager.anonymous_user = AnonymousUserMixin

    tiles = urlsplit(app.config.get("TILE_URL") or "")
    csp = CSP.replace("img-src 'self' data:", f"img-src 'self' data: {tiles.scheme}://{tiles.netloc}") if tiles.netloc else CSP

    app.context_processor(lambda: {"private_link": private_link})  # base.html's robots meta

    @app.after_request
    def _headers(response):
        for name, value in {**HEADERS, "Content-Security-Policy": csp}.items():
            response.headers.setdefault(name, value)
        if private_link():
            response.headers["X-Robots-Tag"] = "noindex, nofollow"
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def private_link():
    """A page reached by a secret link (a tracking or invitation token, or carrying one in `next`).

    Search engines must never list it: the link alone lets anyone in.
    """
    return "token" in (request.view_args or {}) or "next" in request.args


@login_manager.user_loader
def load_user(user_id):
    """Users are identified as "id:session_version"; a bumped version ends old sessions."""
    try:
        uid, version = (int(part) for part in user_id.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, uid, options=[joinedload(User.coordinator_of)])  # every page asks: one query
    if user is None or user.session_version != version:
        return None
    g.user = user
    return user
