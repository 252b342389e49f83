"""Benchmark the coordinator's board with hundreds of open needs: full render, changed-only poll, 204.

Each figure is printed beside floors measured in the same run, on the same app and database:
a static file through Flask, and the cheapest request a logged-in coordinator can make (a
route added here: the session's user loaded, `SELECT 1`, an empty 204). Requests go through
Flask's test client in this process, so they measure the server's own cost, not a network.
Several coordinators watch the same board: after each change, the first poll draws the new
snapshot and the others share it.
Progress goes to stderr; a table and, last, one JSON line go to stdout. See bench/README.md.

    python bench/board.py [--needs 300] [--rounds 200]
    BENCH_PG_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/board.py
"""
import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = re.compile(r'id="board-version" name="v" value="([^"]+)"')
CATEGORIES = ("food", "medicine", "transport", "shelter", "repairs", "care", "check_in", "other")
URGENCIES = ("low", "normal", "normal", "high", "critical")


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def pct(values, p):
    """The p-th percentile (nearest rank) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, -(-p * len(ordered) // 100) - 1)]


def seed(app, count):
    """The demo union and volunteers, then `count` needs posted over the last two days and matched."""
    from aid import edge
    from aid.extensions import db
    from aid.models import utcnow
    from aid.services import demo, needs

    rng, now = random.Random(13), utcnow()
    with app.app_context():
        demo.seed()
        db.session.commit()
        for i in range(count):
            fields = dict(category=rng.choice(CATEGORIES), urgency=rng.choice(URGENCIES), people=rng.choice((1, 1, 2)),
                          details=f"Bench need {i}: {rng.choice(('groceries', 'a lift', 'a tarp', 'a visit'))}",
                          lat=50.874 + rng.uniform(-0.02, 0.02), lon=0.0088 + rng.uniform(-0.03, 0.03),
                          contact_phone="+441273471600")
            needs.create_need(fields, now - timedelta(minutes=rng.uniform(0, 2880)))
            edge.commit()  # and the matcher offers it, as after a real post
    assert app.extensions["aid_jobs"].drain(timeout=600), "the matcher did not finish"


def timed(request):
    """(milliseconds, bytes) of one request."""
    start = time.perf_counter()
    response = request()
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code < 500, response.status_code
    return elapsed, len(response.data)


class Board:
    """A coordinator's browser: the token it holds, and one need changed at a time between polls."""

    def __init__(self, app, client):
        self.app, self.client, self.token, self.rng = app, client, None, random.Random(5)
        self.token = TOKEN.search(client.get("/board/").get_data(as_text=True)).group(1)

    def poll(self):
        response = self.client.get("/board/", query_string={"v": self.token}, headers={"HX-Request": "true"})
        if response.status_code == 200:
            self.token = TOKEN.search(response.get_data(as_text=True)).group(1)
        return response

    def change_one(self):
        """One need on the board changes (a coordinator's note on its timeline), committed."""
        import sqlalchemy as sa

        from aid.extensions import db
        from aid.models import EventKind, Need, NeedStatus
        from aid.services import events

        with self.app.app_context():
            ids = db.session.scalars(sa.select(Need.id).where(Need.status.in_((NeedStatus.OPEN, NeedStatus.MATCHING)))).all()
            need = db.session.get(Need, self.rng.choice(ids))
            events.record(need, EventKind.EDITED, "Changed: details", actor="bench")
            db.session.commit()


def count_queries(app, call):
    """How many SQL statements one call runs."""
    import sqlalchemy as sa

    from aid.extensions import db

    seen = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: seen.append(1)  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        call()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def add_floor(app):
    """The floor route: what every request of a logged-in coordinator costs before any board work."""
    import sqlalchemy as sa
    from flask_login import current_user

    from aid.extensions import db

    def floor():
        assert current_user.is_authenticated  # the session's user, loaded as for the board
        db.session.execute(sa.text("SELECT 1"))
        return "", 204

    app.add_url_rule("/bench/floor", "bench_floor", floor)


class Drawn:
    """A rendered body, sized like a response."""

    status_code = 200

    def __init__(self, html):
        self.data = html.encode()


def every_card(app):
    """The whole board with every card of every column, read and drawn afresh: what each poll cost before.

    The board itself stops at 150 cards (a poll's token must stay short), so this draws the
    board's own body template in a request context, with no page limit and no shared snapshot.
    """
    import sqlalchemy as sa
    from flask import render_template

    from aid.extensions import db
    from aid.models import Union, utcnow
    from aid.services import board, board_state
    from aid.web.board import live

    with app.test_request_context("/board/"):
        app.extensions.get(board_state.CACHE, {}).clear()
        unions = db.session.scalars(sa.select(Union.id)).all()
        context = live.draw(unions, board.Filters(pages=10_000), utcnow())
        return Drawn(render_template("board/_body.html", **context))


def measure(app, rounds, coordinators=5):
    """Every figure for one database: {name: (p50 ms, p95 ms, bytes)} and the statements of a 204.

    Interleaved: each round times every kind of request once (the whole board every tenth
    round), so the floors and the board share the same moments of a busy machine.
    """
    from tests.factories import login

    boards = []
    for _ in range(coordinators):
        client = app.test_client()
        login(client, "coordinator@example.org", "demo-password")
        boards.append(Board(app, client))
    client, fragment, times, sizes = boards[0].client, {"HX-Request": "true"}, {}, {}
    kinds = {
        "floor: static file": lambda: client.get("/static/js/push.js"),
        "floor: session + SELECT 1": lambda: client.get("/bench/floor"),
        "poll, nothing changed (204)": boards[0].poll,
    }
    whole = {
        "board drawn whole (fragment)": lambda: client.get("/board/", headers=fragment),
        "every card drawn (as every poll did before)": lambda: every_card(app),
    }
    for number in range(rounds):
        for name, request in [*kinds.items(), *(whole.items() if number % 10 == 0 else ())]:
            elapsed, sizes[name] = timed(request)
            times.setdefault(name, []).append(elapsed)
        boards[0].change_one()
        for i, board in enumerate(boards):
            name = "poll, one need changed, " + ("first" if i == 0 else "others")
            elapsed, sizes[name] = timed(board.poll)
            times.setdefault(name, []).append(elapsed)
    rows = {name: (pct(values, 50), pct(values, 95), sizes[name]) for name, values in times.items()}
    return rows, count_queries(app, boards[0].poll)


def run(backend, url, count, rounds):
    from tests.conftest import dispose, make_app

    app = make_app(url)
    add_floor(app)
    log(f"{backend}: seeding {count} needs and matching them…")
    seed(app, count)
    with app.app_context():
        import sqlalchemy as sa

        from aid.extensions import db
        from aid.models import Need

        by_status = dict(db.session.execute(sa.select(Need.status, sa.func.count()).group_by(Need.status)).all())
    log(f"{backend}: needs by state {({str(k): v for k, v in by_status.items()})}")
    rows, queries = measure(app, rounds)
    with app.app_context():
        dispose(app)
    return rows, queries


def report(backend, rows, queries):
    floor = rows["floor: session + SELECT 1"][0]
    print(f"\n{backend}{'':38} p50 ms   p95 ms     bytes   p50 / floor (session + SELECT 1)")
    for name, (p50, p95, size) in rows.items():
        print(f"  {name:44} {p50:7.2f}  {p95:7.2f}  {size:8d}   {p50 / floor:6.2f}x")
    print(f"  SQL statements in a 204 poll: {queries} (the session's user, their unions, the newest event)")
    prefix = "" if backend == "sqlite" else "pg_"
    names = {"floor: static file": "static_floor", "floor: session + SELECT 1": "query_floor",
             "poll, nothing changed (204)": "poll_204", "poll, one need changed, first": "poll_changed",
             "poll, one need changed, others": "poll_changed_shared",
             "board drawn whole (fragment)": "full", "every card drawn (as every poll did before)": "every_card"}
    figures = {}
    for name, key in names.items():
        p50, p95, size = rows[name]
        figures.update({f"{prefix}{key}_p50_ms": round(p50, 2), f"{prefix}{key}_p95_ms": round(p95, 2),
                        f"{prefix}{key}_bytes": size})
    figures[f"{prefix}queries_per_204"] = queries
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--needs", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    sys.path.insert(0, ROOT)  # run as a script
    pg_url = os.environ.get("BENCH_PG_URL")
    if pg_url:
        os.environ["AID_TEST_PG_URL"] = pg_url  # tests.conftest's Database creates and drops a fresh one
    from tests.conftest import Database

    figures = {"needs": args.needs, "rounds": args.rounds}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in ["sqlite"] + (["postgresql"] if pg_url else []):
            database = Database(backend, tmp)
            try:
                database.migrate()
                figures.update(report(backend, *run(backend, database.url, args.needs, args.rounds)))
            finally:
                database.drop()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
