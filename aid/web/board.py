"""The coordinator's board: the union's needs by state, live, and each need's why."""
from dataclasses import asdict

import sqlalchemy as sa
from flask import Blueprint, abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from aid.extensions import db
from aid.models import Need, User, Volunteer, utcnow
from aid.services import ServiceError, board, matching, needs
from aid.services.access import coordinates
from aid.web.htmx import go, render, tag, unchanged

bp = Blueprint("board", __name__, url_prefix="/board")


@bp.before_request
@login_required
def _coordinators_only():
    if not current_user.coordinator_of:
        abort(403)


@bp.get("/")
def index():
    unions = board.union_ids(current_user)
    etag = board.version(unions)
    if (cached := unchanged(etag)) is not None:
        return cached
    columns = board.columns(unions, utcnow())
    return tag(render("board/index.html", "board/_columns.html", columns=columns, now=utcnow()), etag)


@bp.get("/needs/<int:need_id>")
def show(need_id):
    need = _need(need_id)
    shortlist = matching.shortlist(need, utcnow()) if need.located and need.open_slots else None
    return render("board/need.html", "board/_need.html", need=need, shortlist=shortlist,
                  names=_names(shortlist), now=utcnow())


@bp.get("/needs/<int:need_id>/shortlist.json")
def shortlist(need_id):
    """The matcher's ranked shortlist and exclusions for a need, as JSON (coordinators only)."""
    need = _need(need_id)
    ranked = matching.shortlist(need, utcnow()) if need.located and need.open_slots else None
    names = _names(ranked)
    return {
        "need_id": need.id,
        "status": str(need.status),
        "candidates": [dict(asdict(c), name=names.get(c.volunteer_id)) for c in ranked.candidates] if ranked else [],
        "excluded": [dict(asdict(e), name=names.get(e.volunteer_id)) for e in ranked.excluded] if ranked else [],
    }


@bp.post("/needs/<int:need_id>/close")
def close(need_id):
    need = _need(need_id)
    try:
        needs.cancel(need, utcnow(), user=current_user)
    except ServiceError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Closed."), "ok")
    return go(url_for("board.show", need_id=need_id))


def _names(shortlist):
    """Display names of everyone on a shortlist, in one query."""
    if shortlist is None:
        return {}
    ids = {c.volunteer_id for c in shortlist.candidates} | {e.volunteer_id for e in shortlist.excluded}
    query = sa.select(Volunteer.id, User.name).join(User).where(Volunteer.id.in_(ids))
    return dict(db.session.execute(query).all())


def _need(need_id):
    """A need of the coordinator's unions; 404 if it does not exist, 403 if it is another union's."""
    need = db.session.get(Need, need_id)
    if need is None:
        abort(404)
    if not coordinates(current_user, need):
        abort(403)
    return need
