"""The board, drawn whole or polled: a poll answers 204 while nothing changed, else only the changed cards."""
from flask import make_response, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from aid.services import board, board_state
from aid.services.board_changes import Token, changes, minute_of
from aid.web.htmx import VARY

ATTENTION_SHOWN = 10  # lines of "needs your attention" before "and N more"


def draw(unions, filters, now):
    """The context that draws the whole board (page, fragment, or a poll that lost its place)."""
    newest = board.newest_event(unions)  # read before the rows, so a change in between is sent again, never lost
    snap = board_state.snapshot(unions, filters, now, newest)
    token = Token(newest, minute_of(now), snap.versions).dump()
    return dict(board=snap, cards=board.full(snap.ids()), token=token, now=now, filters=filters,
                attention_shown=ATTENTION_SHOWN, page_size=board_state.PAGE, max_pages=board.MAX_PAGES)


def poll(unions, read_filters, now):
    """Answer a poll carrying the token the browser shows (`?v=`); filters are read only if needed."""
    held = Token.load(request.args.get("v"))
    newest = board.newest_event(unions)
    if held is not None and (held.newest, held.minute) == (newest, minute_of(now)):
        return _answer("", 204)
    filters = read_filters()
    if held is None:  # not a token this server made: send the whole board body
        return _answer(render_template("board/_body.html", oob=True, **draw(unions, filters, now)))
    snap = board_state.snapshot(unions, filters, now, newest)
    columns = [(name, [row.id for row in rows]) for name, rows in snap.columns]
    gone, inserts = changes(held.cards, columns, snap.versions)
    ages = _ages(snap, now) if held.minute != minute_of(now) else ""
    return _answer(render_template(
        "board/_changes.html", board=snap, gone=gone, inserts=inserts, now=now, frame=_frame(snap, filters, now), ages=ages,
        cards=board.full([need_id for need_id, _name, _anchor in inserts]),
        token=Token(newest, minute_of(now), snap.versions).dump()))


def _frame(snap, filters, now):
    """Counts, "more" links, urgency strip and attention list: drawn once per snapshot and language."""
    language = str(get_locale())
    if language not in snap.memo:
        snap.memo[language] = Markup(render_template(
            "board/_frame.html", board=snap, filters=filters, now=now, attention_shown=ATTENTION_SHOWN,
            page_size=board_state.PAGE, max_pages=board.MAX_PAGES))
    return snap.memo[language]


def _ages(snap, now):
    """Every shown card's age ("6 min ago"), for the first poll of a minute: drawn once per snapshot and language."""
    key = f"ages-{get_locale()}"
    if key not in snap.memo:
        snap.memo[key] = Markup(render_template("board/_ages.html", board=snap, now=now))
    return snap.memo[key]


def _answer(body, status=200):
    response = make_response(body, status)
    response.headers["Vary"] = VARY
    response.headers["Cache-Control"] = "no-store"  # each answer depends on the token in its URL
    return response
