"""The board as light rows: which cards each column shows, each card's version, counts and attention.

One query reads every need the board shows (a few columns each, no relationships), so a poll
can tell what changed without loading or rendering the cards that did not. Columns show the
first PAGE cards (most urgent, then oldest first); the rest are counted, a page away.
"""
import hashlib
import threading
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from aid.extensions import db
from aid.models import Event, Need, Urgency
from aid.models.enums import AUDIT_ONLY
from aid.services.board import COLUMNS, WAITING, lateness, shown, stuck_reason

PAGE = 30  # cards a column shows before "and N more"
CACHE, CACHED = "aid_board_snapshots", 64  # snapshots kept per process, the oldest dropped first
_lock = threading.Lock()
_building = {}  # {snapshot key: the lock its one builder holds}


@dataclass
class Snapshot:
    """What one board shows at one moment, without the cards' contents."""

    columns: list = field(default_factory=list)  # [(name, [row, ...] shown)]
    totals: dict = field(default_factory=dict)  # {name: needs in the column, shown or not}
    summary: dict = field(default_factory=dict)  # {"by_urgency": {...}, "late": n}
    attention: list = field(default_factory=list)  # [(row, why)], most urgent first
    versions: dict = field(default_factory=dict)  # {need id: card version} of the cards shown
    late: dict = field(default_factory=dict)  # {need id: "late" | "soon" | ""} of the cards shown
    memo: dict = field(default_factory=dict)  # what the web layer drew from this snapshot, by language
    cards: dict = field(default_factory=dict)  # {(language, need id): the card as drawn for this snapshot}

    def ids(self):
        return [row.id for _name, rows in self.columns for row in rows]


def rows(unions, filters, now):
    """Every need the board shows, as light rows with their newest state event, most urgent then oldest first."""
    last = aliased(Event)
    newest = (sa.select(sa.func.max(Event.id)).where(Event.need_id == Need.id, Event.kind.not_in(AUDIT_ONLY))
              .correlate(Need).scalar_subquery())
    query = (sa.select(Need.id, Need.status, Need.urgency, Need.category, Need.created_at, Need.first_accepted_at,
                       Need.location_status, Need.summary, sa.func.substr(Need.details, 1, 80).label("details"),
                       last.id.label("last_event"), last.kind.label("last_kind"))
             .outerjoin(last, last.id == newest).where(shown(unions, filters, now)))
    found = db.session.execute(filters.where(query, now)).all()
    return sorted(found, key=lambda r: (-Urgency(r.urgency).rank, r.created_at, r.id))


def snapshot(unions, filters, now, newest):
    """The board at the newest event `newest` and this minute, drawn once for every coordinator polling it.

    The same unions, filters, newest event and minute give the same board, so under a surge
    the coordinators of a union share one snapshot per change instead of one each. Lateness is
    taken at the minute's start, so everyone sees a need turn late in the same poll.
    """
    minute = now.replace(second=0, microsecond=0)
    key, cache = (tuple(unions), filters, newest, minute), current_app.extensions.setdefault(CACHE, {})
    if (board := cache.get(key)) is not None:
        return board
    with _lock:
        building = _building.setdefault(key, threading.Lock())
    try:
        with building:  # polls that arrive together wait for one build instead of each building it
            if (board := cache.get(key)) is None:
                board = _snapshot(unions, filters, minute)
                with _lock:
                    cache[key] = board
                    while len(cache) > CACHED:
                        cache.pop(next(iter(cache)))
    finally:  # a build that failed leaves no lock behind either
        with _lock:
            _building.pop(key, None)
    return board


def _snapshot(unions, filters, now):
    found, board = rows(unions, filters, now), Snapshot()
    targets = current_app.config["ACCEPT_TARGET_MINUTES"]
    late = {row.id: lateness(row, now, targets) for row in found}
    limit = PAGE * max(1, filters.pages)
    for name, states in COLUMNS:
        in_column = [r for r in found if r.status in states]
        board.totals[name] = len(in_column)
        if not filters.column or name == filters.column:
            board.columns.append((name, in_column[:limit]))
    board.attention = [(r, why) for r in found if (why := stuck_reason(r, late[r.id]))]
    for row in (row for _name, shown_rows in board.columns for row in shown_rows):
        board.late[row.id] = late[row.id]
        board.versions[row.id] = card_version(row, late[row.id], stuck_reason(row, late[row.id]))
    waiting = [r for r in found if r.status in WAITING]
    board.summary = {"by_urgency": {u.value: sum(1 for r in waiting if r.urgency == u) for u in Urgency.most_urgent_first()},
                     "late": sum(1 for r in waiting if late[r.id] == "late")}
    return board


def card_version(row, late, why):
    """Six hex digits that change whenever anything the card shows changes (its ages are the browser's)."""
    face = f"{row.status}|{row.urgency}|{late}|{why}|{row.last_event}"
    return hashlib.blake2b(face.encode(), digest_size=3).hexdigest()
