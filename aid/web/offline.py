"""Asking for help offline: the service worker, and the replay of needs queued on a phone."""
import hashlib
import json
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, make_response, request, url_for
from flask_babel import gettext as _

from aid.extensions import csrf
from aid.web.forms import CLIENT_ID, NeedForm
from aid.web.limits import asking
from aid.web.public import store

bp = Blueprint("offline", __name__)

# Static files the worker keeps for offline use; a change to any of them changes /sw.js,
# so browsers install the new worker, which caches the new files.
ASSETS = ("css/*.css", "js/*.js", "vendor/*.js", "vendor/*.css", "icons/*.png", "icons/*.svg", "icon.svg",
          "manifest.webmanifest")
SCRIPTS = ("vendor/idb-keyval-6.3.0.min.js", "js/offline.js")  # the worker imports these
PAGES = ("public.home", "public.new")  # network first, the last copy seen when offline


@bp.get("/sw.js")
def worker():
    """The service worker, served from the root so that it controls every page."""
    source = Path(current_app.static_folder, "sw.js").read_text(encoding="utf-8")
    response = make_response(f"self.AID_OFFLINE = {json.dumps(_settings())};\n{source}")
    response.headers.update({"Content-Type": "text/javascript; charset=utf-8",
                             "Service-Worker-Allowed": "/", "Cache-Control": "no-cache"})
    response.add_etag()
    return response.make_conditional(request)


@bp.post("/ask/replay")
@csrf.exempt  # a need queued offline may be sent hours later, after its CSRF token expired
@asking  # the same counters as the form: switching between them gains nothing
def replay():
    """Store a need queued on a phone: 201 when new, 200 when already stored, JSON either way.

    In place of a CSRF token: the request must come from this site's own pages, carry a
    client-made id (which makes a second send return the same need), and is rate-limited
    like the form (aid/web/limits.py).
    """
    if not _same_origin():
        return jsonify(errors={"origin": [_("This request did not come from this site.")]}), 403
    # Form fields only: Flask-WTF would also read a JSON body, and fail on one that is not an object.
    form = NeedForm(formdata=request.form, meta={"csrf": False})
    valid = form.validate()
    errors = {name: [str(message) for message in messages] for name, messages in form.errors.items() if name}
    if not CLIENT_ID.fullmatch(form.client_id.data or ""):
        errors["client_id"] = [_("This saved request has no valid id. Please send the form again.")]
    if errors or not valid:
        return jsonify(errors=errors), 422
    _need, token, work = store(form)
    response = jsonify(url=url_for("public.show", token=token))
    response.headers["Cache-Control"] = "no-store"
    return response, 201 if work is not None else 200


def _same_origin():
    """The browser says the request comes from a page of this very host.

    Only the host is compared, not the scheme: behind a TLS-terminating proxy the app may
    see http while the page's origin is https.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site != "same-origin":
        return False
    origin = request.headers.get("Origin")
    if origin is None:
        return site == "same-origin"
    try:
        host = urlsplit(origin).netloc.lower()
    except ValueError:  # a malformed header is refused, never a 500
        return False
    return bool(host) and host == request.host.lower()


def _settings():
    """What the worker needs to know: its cache version, what to cache, and where to send."""
    static = Path(current_app.static_folder)
    files = sorted({path for pattern in ASSETS for path in static.glob(pattern) if path.is_file()})
    rel = [path.relative_to(static).as_posix() for path in files]
    stamp = tuple((name, path.stat().st_mtime_ns, path.stat().st_size) for name, path in zip(rel, files, strict=True))
    return {
        "version": _digest(str(static), stamp),
        "pages": [url_for(endpoint) for endpoint in PAGES],
        "assets": [url_for("static", filename=name) for name in rel],
        "scripts": [url_for("static", filename=name) for name in SCRIPTS],
        "replay": url_for("offline.replay"),
    }


@lru_cache(maxsize=8)
def _digest(static, stamp):
    """A short version over the files' names and contents, kept while their times and sizes hold."""
    digest = hashlib.sha256()
    for name, _mtime, _size in stamp:
        digest.update(name.encode() + b"\0" + Path(static, name).read_bytes())
    return digest.hexdigest()[:16]
