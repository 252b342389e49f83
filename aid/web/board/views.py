"""The board's pages: needs by state, live, filtered and aged; each need's why; roster; numbers."""
from dataclasses import asdict

import sqlalchemy as sa
from flask import abort, request, url_for
from flask_login import current_user

from aid.extensions import db
from aid.matching.reasons import english
from aid.models import Category, Need, Skill, Urgency, User, Volunteer, utcnow
from aid.services import board, matching, numbers, outbox_log, roster, skills
from aid.services.access import coordinates
from aid.services.coordination import CLOSE_REASONS
from aid.web.board import bp, live
from aid.web.htmx import render, tag, unchanged
from aid.web.params import query_int


@bp.get("/")
def index():
    unions, now = board.union_ids(current_user), utcnow()
    if live.is_poll():
        return live.poll(unions, _filters, now)
    choices = _filter_choices()
    filters = _filters(choices)
    etag = f"{board.version(unions, now)}-{sorted(filters.query().items())}"
    if (cached := unchanged(etag)) is not None:
        return cached
    page = render("board/index.html", "board/_board.html", choices=choices, **live.draw(unions, filters, now))
    return tag(page, etag)


@bp.get("/needs/<int:need_id>")
def show(need_id):
    need = need_or_404(need_id)
    ranked, names = _explained(need)
    return render("board/need.html", "board/_need.html", need=need, shortlist=ranked, names=names,
                  skill_names=skills.names(), now=utcnow(), close_reasons=CLOSE_REASONS, told=outbox_log.for_need(need))


@bp.get("/outbox")
def outbox():
    """Every message to people about the coordinator's needs, newest first, a page at a time."""
    number = query_int("page", lo=1, hi=10_000) or 1
    lines, more = outbox_log.page(board.union_ids(current_user), number)
    return render("board/outbox.html", "board/_outbox.html", lines=lines, more=more, number=number, now=utcnow())


@bp.get("/needs/<int:need_id>/shortlist.json")
def shortlist(need_id):
    """The matcher's ranked shortlist and exclusions for a need, as JSON (coordinators only)."""
    return shortlist_data(need_or_404(need_id))


def shortlist_data(need):
    """The shortlist as plain data: the board's JSON and the API answer the same."""
    ranked, names = _explained(need)
    return {
        "need_id": need.id,
        "status": str(need.status),
        "candidates": [dict(asdict(c), reasons=[english(r) for r in c.reasons], name=names.get(c.volunteer_id))
                       for c in ranked.candidates] if ranked else [],
        "excluded": [dict(volunteer_id=e.volunteer_id, rule=e.rule, detail=e.detail, name=names.get(e.volunteer_id))
                     for e in ranked.excluded] if ranked else [],
    }


@bp.get("/map")
def map_page():
    return render("board/map.html", "board/map.html")


@bp.get("/map.json")
def map_points():
    """The waiting and ongoing needs a coordinator sees, as points for the map."""
    unions, now = board.union_ids(current_user), utcnow()
    found = [n for n in board.needs(unions, board.Filters(), now) if n.located and not n.status.is_closed]
    return {"points": [
        {"id": n.id, "lat": n.lat, "lon": n.lon, "status": str(n.status), "urgency": str(n.urgency),
         "category": str(n.category), "late": board.lateness(n, now), "url": url_for("board.show", need_id=n.id),
         "label": f"#{n.id} {n.summary or n.details[:60]}"} for n in found]}


@bp.get("/roster")
def roster_page():
    rows = roster.roster(board.union_ids(current_user), utcnow())
    return render("board/roster.html", "board/_roster.html", rows=rows, now=utcnow())


@bp.get("/numbers")
def numbers_page():
    figures = numbers.numbers(board.union_ids(current_user), utcnow())
    return render("board/numbers.html", "board/_numbers.html", figures=figures)


def _filters(choices=None):
    """The board's filters from the query string; a skill must be one that exists."""
    choices = choices or _filter_choices()
    return board.Filters.from_args(request.args, skills=[slug for slug, _name in choices["skill"]],
                                   older_than_hours=query_int("older_than_hours", hi=9_999),
                                   pages=query_int("pages", hi=9_999))


def _filter_choices():
    skills = db.session.execute(sa.select(Skill.slug, Skill.name).order_by(Skill.name)).all()
    return {"urgency": [u.value for u in Urgency], "category": [c.value for c in Category], "skill": skills}


def _explained(need):
    """(the ranked shortlist or None when nothing is open or placed, volunteer names by id)."""
    ranked = matching.shortlist(need, utcnow()) if need.located and need.open_slots else None
    return ranked, _names(ranked)


def _names(shortlist):
    """Display names of everyone on a shortlist, in one query."""
    if shortlist is None:
        return {}
    ids = {c.volunteer_id for c in shortlist.candidates} | {e.volunteer_id for e in shortlist.excluded}
    query = sa.select(Volunteer.id, User.name).join(User).where(Volunteer.id.in_(ids))
    return dict(db.session.execute(query).all())


def need_or_404(need_id):
    """A need of the coordinator's unions; 404 if it does not exist, 403 if it is another union's."""
    need = db.session.get(Need, need_id)
    if need is None:
        abort(404)
    if not coordinates(current_user, need):
        abort(403)
    return need

