"""Coordinators' downloads: needs as CSV (personal data only by a confirmed, audited POST) and open data."""
from flask import abort, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from aid import edge
from aid.models import utcnow
from aid.services import board, exports
from aid.web.board import bp


@bp.get("/exports")
def exports_page():
    """What can be downloaded, and the confirmation form for the export with personal data."""
    return render_template("board/exports.html", count=exports.count(board.union_ids(current_user)))


@bp.get("/export.csv")
def export_csv():
    """Every need the board shows, without personal data; `?personal=1` goes to the confirmation first."""
    if request.args.get("personal"):
        return redirect(url_for("board.exports_page", _anchor="personal"), 303)
    table = exports.needs_table(exports.needs(board.union_ids(current_user)))
    return _csv(exports.to_csv(table), "needs")


@bp.post("/export.csv")
def export_personal_csv():
    """Every need with its contact, address and details; each need's audit trail records who took it."""
    if request.form.get("personal") != "1":
        abort(400)
    rows = exports.needs(board.union_ids(current_user))
    text = exports.to_csv(exports.needs_table(rows, personal=True))  # before the commit expires the rows
    exports.record_personal_export([row.Need for row in rows], current_user, utcnow())
    edge.commit()
    return _csv(text, "needs-personal")


@bp.get("/open-data.csv")
def open_data_csv():
    """Anonymised needs of every union in the coordinator's regions, with an HXL hashtag row."""
    table = exports.open_data(exports.open_data_unions(current_user))
    return _csv(exports.to_csv(table), "open-data", bom=False)


def _csv(text, name, bom=True):
    """A CSV download. The byte-order mark makes spreadsheet apps read UTF-8 names right; open data
    goes to programs, which read UTF-8 as it is and may take a BOM for part of the first header."""
    response = make_response(("\ufeff" if bom else "") + text)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{utcnow():%Y%m%d-%H%M}.csv"'
    response.headers["Cache-Control"] = "private, no-store"  # never left in a shared cache or the browser's
    return response
