"""The person's language: chosen explicitly (kept in the session), else the browser's."""
from flask import current_app, has_request_context, request, session


def select_locale():
    if not has_request_context():  # commands and jobs speak English
        return "en"
    chosen = session.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return request.accept_languages.best_match(list(current_app.config["LANGUAGES"])) or "en"


def text_direction(locale):
    return "rtl" if str(locale).split("_")[0] in {"ar", "he", "fa", "ur"} else "ltr"


def init_app(app):
    from flask_babel import get_locale

    @app.context_processor
    def _language():
        locale = get_locale()
        return {"locale": str(locale), "direction": text_direction(locale)}
