"""The coordinator's actions on a need; each answers by going back to the need's page."""
from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from aid import edge
from aid.models import utcnow
from aid.services import ServiceError, board, coordination, escalation
from aid.web.actions import attempt
from aid.web.board import bp
from aid.web.board.views import need_or_404
from aid.web.htmx import go
from aid.web.params import form_id


@bp.post("/needs/<int:need_id>/close")
def close(need_id):
    return _act(need_id, lambda need: coordination.close(need, request.form.get("reason", ""), current_user, utcnow()),
                _("Closed."))


@bp.post("/needs/<int:need_id>/offer")
def offer(need_id):
    return _act(need_id, lambda need: coordination.offer_to(need, _volunteer_id(), current_user, utcnow()),
                _("Offered. They will see it in their offers."))


@bp.post("/needs/<int:need_id>/assign")
def assign(need_id):
    return _act(need_id, lambda need: coordination.assign(need, _volunteer_id(), current_user, utcnow()),
                _("Assigned. The volunteer now sees the address and contact."))


@bp.post("/needs/<int:need_id>/release")
def release(need_id):
    return _act(need_id, lambda need: coordination.release(
        need, _id("match_id", _("That volunteer is not holding this need.")), current_user, utcnow()),
                _("Released. We are asking other volunteers."))


@bp.post("/needs/<int:need_id>/place")
def place(need_id):
    return _act(need_id, lambda need: coordination.set_place(need, request.form.get("place", ""), current_user,
                                                             utcnow()), _("Place set. Matching again."))


@bp.post("/needs/<int:need_id>/escalate")
def escalate(need_id):
    return _act(need_id, lambda need: escalation.escalate_now(need, current_user, utcnow()),
                _("Escalated: volunteers beyond your union are being asked."))


@bp.post("/needs/<int:need_id>/merge")
def merge(need_id):
    return _act(need_id, lambda need: coordination.merge(
        need, _id("into", _("Choose another need of your union to merge into.")), current_user, utcnow()),
                _("Merged."))


@bp.post("/volunteers/<int:volunteer_id>/vet")
def vet(volunteer_id):
    try:
        volunteer = coordination.vet(volunteer_id, board.union_ids(current_user), utcnow())
    except LookupError:
        abort(404)
    edge.commit()
    flash(_("%(name)s can now be offered medicine and care requests.", name=volunteer.user.name), "ok")
    return go(url_for("board.roster_page"))


def _act(need_id, action, message):
    need = need_or_404(need_id)
    attempt(lambda: action(need), message)
    return go(url_for("board.show", need_id=need_id))


def _volunteer_id():
    return _id("volunteer_id", _("Choose a volunteer."))


def _id(name, message):
    """A posted id; one that cannot exist is refused like one that does not (a flashed message)."""
    found = form_id(name)
    if found is None:
        raise ServiceError(message)
    return found
