"""A read-only JSON API for the board at /api/v1, described by static/openapi.json.

Authentication is the board's own session cookie. Every error, a missing login included,
is answered as JSON problem details (RFC 9457), never as an HTML page or a redirect.
Contact details, addresses and exact places are not served here: they leave only through
the board's personal export, which writes the audit trail.
"""

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException, InternalServerError

from aid import edge
from aid.extensions import csrf
from aid.models import Category, NeedStatus, Urgency, utcnow
from aid.services import board, exports
from aid.services.needs import helpers
from aid.web.board import views as board_views
from aid.web.params import to_int

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # read-only: every other method is a 405, which a CSRF error page would hide

FILTERS = {"status": NeedStatus, "urgency": Urgency, "category": Category}
PAGE_SIZE, MOST = 100, 500
DETAILS = {
    401: "Log in first: the API uses the board's session cookie.",
    403: "Only coordinators may use the API, and only for the needs of their unions.",
    404: "There is no such need or address in this API.",
    405: "The API is read-only: use GET.",
}


@bp.before_request
def _coordinators_only():
    if request.endpoint == "api.openapi":
        return
    if not current_user.is_authenticated:
        abort(401)
    if not current_user.coordinator_of:
        abort(403)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document describing this API (public: it holds no data)."""
    return current_app.send_static_file("openapi.json")


@bp.get("/needs")
def needs():
    """The needs on the coordinator's board, filtered, a page at a time; 304 while nothing changed (ETag)."""
    unions, filters, (after, limit) = board.union_ids(current_user), _filters(), _page()
    etag = "-".join(["api-needs", board.version(unions, utcnow()), f"after.{after}", f"limit.{limit}",
                     *(f"{k}.{v}" for k, v in sorted(filters.items()))])
    if (held := _held(etag)) is not None:
        response = current_app.response_class(status=304)
        response.set_etag(held)
    else:
        rows = exports.needs(unions, **filters, after=after, limit=limit + 1)  # one more: is there a next page?
        more = len(rows) > limit
        rows = rows[:limit]
        cursor = str(rows[-1].Need.id) if more else None
        response = jsonify(needs=[_need(row.Need, row.union_name, row.helpers, unions) for row in rows],
                           next_cursor=cursor)
        if cursor:
            link = url_for("api.needs", **filters, limit=limit, cursor=cursor)
            response.headers["Link"] = f'<{link}>; rel="next"'
        response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/needs/<int:need_id>")
def need(need_id):
    """One need: 404 if there is none, 403 if it is not the coordinator's."""
    found = board_views.need_or_404(need_id)
    union_name = found.union.name if found.union else None
    return _need(found, union_name, len(helpers(found)), board.union_ids(current_user))


@bp.get("/needs/<int:need_id>/shortlist")
def shortlist(need_id):
    """The matcher's shortlist for a need: the very content of the board's shortlist.json."""
    return board_views.shortlist_data(board_views.need_or_404(need_id))


@bp.route("/<path:_rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(_rest):
    """Anything else under /api/v1: 405 on a path that exists for GET, else 404 (JSON like every error)."""
    endpoint, _args = current_app.create_url_adapter(request).match(request.path, method="GET")
    abort(404 if endpoint == "api.unknown" else 405)


@bp.errorhandler(HTTPException)
def problem(error):
    """Every API error as RFC 9457 JSON (the app's error handler sends /api/ paths here too)."""
    default = error.description == type(error).description
    response = jsonify(type="about:blank", title=error.name, status=error.code,
                       detail=DETAILS.get(error.code, error.description) if default else error.description)
    response.status_code = error.code
    response.content_type = "application/problem+json"
    if error.code == 401:
        response.headers["WWW-Authenticate"] = 'Cookie realm="board"'
    if error.code == 405:
        response.headers["Allow"] = "GET, HEAD, OPTIONS"
    return response


@bp.errorhandler(Exception)
def _unexpected(error):
    edge.rollback()
    current_app.logger.exception("unhandled error in the API")
    return problem(InternalServerError("Something went wrong on our side. Please try again in a moment."))


def _held(etag):
    """The client's tag for this version, if it sent one. A compressed answer went out tagged
    "<etag>:<algorithm>" (Flask-Compress), so that counts too, and is what the 304 carries back."""
    if request.if_none_match.star_tag:
        return etag
    return next((tag for tag in request.if_none_match.as_set() if tag and tag.split(":")[0] == etag), None)



def _filters():
    """status, urgency and category from the query; an unknown value is a 400, not silently ignored."""
    chosen = {}
    for name, kind in FILTERS.items():
        value = request.args.get(name)
        if value is None:
            continue
        if value not in {member.value for member in kind}:
            abort(400, f"Unknown {name} {value[:40]!r}; one of: {', '.join(member.value for member in kind)}.")
        chosen[name] = value
    return chosen


def _page():
    """(the id after which the page starts, its size) from `cursor` and `limit`; anything else is a 400."""
    after = to_int(request.args["cursor"], lo=0) if "cursor" in request.args else 0
    limit = to_int(request.args["limit"], hi=MOST) if "limit" in request.args else PAGE_SIZE
    if after is None:
        abort(400, "Unknown cursor: pass the next_cursor of the previous page as it is.")
    if limit is None:
        abort(400, f"limit is a whole number from 1 to {MOST}.")
    return after, limit


def _need(need, union_name, helper_count, unions):
    """A need's coarse fields; its free-text details only for coordinators of the need's own union."""
    return {
        "id": need.id,
        "category": str(need.category),
        "urgency": str(need.urgency),
        "status": str(need.status),
        "union": {"id": need.union_id, "name": union_name} if need.union_id else None,
        "cell": {"lat": need.cell_lat, "lon": need.cell_lon} if need.cell_lat is not None else None,
        "people": need.people,
        "helpers": helper_count,
        "summary": need.summary,
        "details": need.details if need.union_id in unions else None,
        "created_at": exports.iso(need.created_at),
        "first_accepted_at": exports.iso(need.first_accepted_at),
        "closed_at": exports.iso(need.closed_at),
    }
