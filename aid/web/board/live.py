"""The board, drawn whole or polled: a poll answers 204 while nothing changed, else only the changed cards."""
import threading
import time

from flask import current_app, g, get_template_attribute, make_response, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from aid.services import board, board_state
from aid.services.board_changes import Token, changes, minute_of
from aid.web.htmx import VARY, wants_fragment

ATTENTION_SHOWN = 10  # lines of "needs your attention" before "and N more"
TURNS, NEWEST = "aid_board_poll_turns", "aid_board_newest"
BUSY = "X-Board-Busy"  # marks a poll put off because others were being worked on (for load tests and logs)


def init_app(state):
    """Each web process gives board polls BOARD_POLLS_AT_ONCE threads at most."""
    state.app.extensions[TURNS] = threading.BoundedSemaphore(state.app.config["BOARD_POLLS_AT_ONCE"])


def is_poll():
    return wants_fragment() and "v" in request.args


def take_turn():
    """Work on this poll if a turn is free; else answer "nothing new" before touching the database.

    A coordinator's poll that waits loses nothing by waiting 1.5 s more: it keeps its token, so
    the next poll brings every change since. A person asking for help must not wait behind it.
    """
    if not is_poll():
        return None
    turns = current_app.extensions[TURNS]
    if not turns.acquire(blocking=False):
        response = _answer("", 204)
        response.headers[BUSY] = "1"
        return response
    g.board_turn = turns
    return None


def end_turn(_error=None):
    if (turns := g.pop("board_turn", None)) is not None:
        turns.release()


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
    newest = _newest(unions, at_least=held.newest if held else 0)
    if held is not None and (held.newest, held.minute) == (newest, minute_of(now)):
        return _answer("", 204)
    filters = read_filters()
    if held is None:  # not a token this server made: send the whole board body
        return _answer(render_template("board/_body.html", oob=True, **draw(unions, filters, now)))
    snap = board_state.snapshot(unions, filters, now, newest)
    key = ("answer", str(get_locale()), request.args["v"])  # boards that showed the same cards get the same answer
    if key not in snap.memo:
        columns = [(name, [row.id for row in rows]) for name, rows in snap.columns]
        gone, inserts = changes(held.cards, columns, snap.versions)
        ages = _ages(snap, now) if held.minute != minute_of(now) else ""
        snap.memo[key] = render_template(
            "board/_changes.html", gone=gone, inserts=inserts, frame=_frame(snap, filters, now), ages=ages,
            cards=_cards(snap, [need_id for need_id, _name, _anchor in inserts], now),
            token=Token(newest, minute_of(now), snap.versions).dump())
    return _answer(snap.memo[key])


def _newest(unions, at_least):
    """The newest event of these unions' board, read again once it is BOARD_FRESH_SECONDS old.

    Under a surge the polls of a process then share one snapshot a second instead of drawing
    one per event; a quiet board costs one small query a second per process, not one a poll.
    A browser holding a newer board (drawn whole, or by another process) has it read again:
    an older snapshot would take its latest changes back for a second.
    """
    key, read = tuple(unions), current_app.extensions.setdefault(NEWEST, {})
    at, newest = read.get(key, (None, None))
    if at is None or newest < at_least or time.monotonic() - at >= current_app.config["BOARD_FRESH_SECONDS"]:
        at, newest = read[key] = time.monotonic(), board.newest_event(unions)
    return newest


def _frame(snap, filters, now):
    """Counts, "more" links, urgency strip and attention list: drawn once per snapshot and language."""
    language = str(get_locale())
    if language not in snap.memo:
        snap.memo[language] = Markup(render_template(
            "board/_frame.html", board=snap, filters=filters, now=now, attention_shown=ATTENTION_SHOWN,
            page_size=board_state.PAGE, max_pages=board.MAX_PAGES))
    return snap.memo[language]


def _cards(snap, ids, now):
    """{need id: its card}, each drawn once per snapshot and language however many boards it is sent to.

    In a surge every coordinator's poll brings the same new cards: they cost one query and one
    render in each process, not one per coordinator.
    """
    language = str(get_locale())
    missing = [need_id for need_id in ids if (language, need_id) not in snap.cards]
    if missing:
        card = get_template_attribute("board/_parts.html", "card")
        for need_id, need in board.full(missing).items():
            snap.cards[language, need_id] = card(need, snap.late[need_id], now)
    return {need_id: snap.cards[language, need_id] for need_id in ids if (language, need_id) in snap.cards}


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
