"""Error pages that explain what happened, as a page or an htmx fragment."""
import math
import time
from datetime import timedelta

from flask import make_response, render_template, request
from flask_babel import format_timedelta
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from aid import edge
from aid.extensions import limiter
from aid.web.htmx import wants_fragment

MESSAGES = {
    400: _l("Something in that request was not right. Please go back and try again."),
    403: _l("This page is not yours to see."),
    404: _l("We could not find that page. The link may be wrong or expired. If it is your private link, check that it was copied whole."),
    405: _l("That action is not possible here."),
    413: _l("That was too large to send."),
    429: _l("Too many attempts in a short time. Please wait a minute and try again."),
}


def init_app(app):
    @app.errorhandler(CSRFError)
    def _csrf(error):
        if request.endpoint == "public.create":  # never lose a request for help to an expired form
            return _ask_again()
        return _render(400, _l("This page had been open too long and its form expired. "
                               "Please go back, reload the page and send it again."))

    @app.errorhandler(429)
    def _too_many(error):
        """Refused by a rate limit: says when to try again; a request for help comes back whole."""
        wait = _retry_after()
        response = _ask_later(wait) if request.endpoint == "public.create" else _http(error)
        response.headers["Retry-After"] = str(wait)
        return response

    @app.errorhandler(HTTPException)
    def _http(error):
        if request.path.startswith("/api/"):  # an address no API route matched: still JSON
            from aid.web.api import problem

            return problem(error)
        return _render(error.code or 500, MESSAGES.get(error.code, error.description))

    @app.errorhandler(Exception)
    def _unexpected(error):
        edge.rollback()
        app.logger.exception("unhandled error")
        return _render(500, _l("Something went wrong on our side. Please try again in a moment."))


def _render(status, message):
    """The error page; a background poll (an htmx fragment request) keeps what it shows instead."""
    response = make_response(render_template("errors/error.html", status=status, message=message), status)
    if wants_fragment():
        response.headers["HX-Reswap"] = "none"
    return response


def _ask_again():
    """The ask-for-help form with everything typed, and a fresh token: one more tap sends it."""
    from aid.web.forms import NeedForm
    from aid.web.htmx import render

    form = NeedForm()  # renders a fresh token; its own stale-token error is not shown
    form.validate()
    form.form_errors.append(_l("This page had been open a long time. Please check it and press “Send my request” again."))
    return render("public/ask.html", "public/_ask_form.html", status=422, form=form)


def _retry_after():
    """Seconds until the limit that refused this request lets it through again (at least 1)."""
    limit = limiter.current_limit
    return max(1, math.ceil(limit.window.reset_time - time.time())) if limit else 60


def _ask_later(wait):
    """The ask-for-help form with everything typed, refused for now by a limit (status 429).

    A valid need is marked held: with JavaScript, the page keeps it in the phone's queue,
    which sends it by itself later. An invalid one shows what to correct.
    """
    from aid.web.forms import NeedForm
    from aid.web.htmx import render

    form = NeedForm()
    held = form.validate()
    return render("public/ask.html", "public/_ask_form.html", status=429, form=form, held_seconds=wait if held else None,
                  wait=format_timedelta(timedelta(seconds=wait), granularity="minute"))
