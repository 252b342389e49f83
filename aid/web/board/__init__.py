"""The coordinator's board: one blueprint, its pages, actions and downloads in their own modules."""
from flask import Blueprint, abort
from flask_login import current_user, login_required

bp = Blueprint("board", __name__, url_prefix="/board")


@bp.before_request
def _polls_take_turns():  # first: an excess poll is answered before the user is loaded
    return live.take_turn()


@bp.before_request
@login_required
def _coordinators_only():
    if not current_user.coordinator_of:
        abort(403)


from aid.web.board import actions, exports, live, places, views  # noqa: E402,F401  (their routes join the blueprint)

bp.record_once(live.init_app)
bp.teardown_request(live.end_turn)
