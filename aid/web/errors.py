"""Error pages that explain what happened, as a page or an htmx fragment."""
from flask import render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from aid.extensions import db

MESSAGES = {
    400: "Something in that request was not right. Please go back and try again.",
    403: "This page is not yours to see.",
    404: "We could not find that page. The link may be wrong or expired.",
    405: "That action is not possible here.",
    413: "That was too large to send.",
    429: "Too many attempts in a short time. Please wait a minute and try again.",
}


def init_app(app):
    @app.errorhandler(CSRFError)
    def _csrf(error):
        return _render(400, "This page had been open too long and its form expired. "
                       "Please go back, reload the page and send it again.")

    @app.errorhandler(HTTPException)
    def _http(error):
        return _render(error.code or 500, MESSAGES.get(error.code, error.description))

    @app.errorhandler(Exception)
    def _unexpected(error):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return _render(500, "Something went wrong on our side. Please try again in a moment.")


def _render(status, message):
    template = "errors/_error.html" if request.headers.get("HX-Request") else "errors/error.html"
    response = render_template(template, status=status, message=message), status
    return response
