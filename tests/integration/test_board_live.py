"""The live board's polls: 204 while nothing changed, else only the cards that changed, in place."""
import re
import threading
import time
from datetime import timedelta

import sqlalchemy as sa
import time_machine
from flask import template_rendered

from aid import edge
from aid.extensions import db
from aid.models import Match, Need, utcnow
from aid.services import board_state, needs
from aid.web.board import live
from tests.factories import LEWES, add_coordinator, add_union, add_volunteer, drain, login, statements

POLL = {"HX-Request": "true"}
CARD = re.compile(r'<a class="card need[^"]*" id="need-(\d+)"')
DELETE = re.compile(r'<a id="need-(\d+)" hx-swap-oob="delete">')
INSERT = re.compile(r'<div hx-swap-oob="(beforebegin:#need-\d+|beforeend:#list-[a-z_]+)">\s*<a class="card need[^"]*" id="need-(\d+)"')


def _board(app, volunteers=("Ann Able",)):
    with app.app_context():
        union = add_union()
        add_coordinator(union)
        for name in volunteers:
            add_volunteer(name, union=union)
    coordinator = app.test_client()
    login(coordinator, "rosa.coord@example.org")
    return coordinator


def _add_needs(app, *details, urgency="normal"):
    """Post needs as the ask form does (one commit each) and let the matcher offer them."""
    ids = []
    with app.app_context():
        for text in details:
            need, _token, _work = needs.create_need(dict(
                category="food", details=text, urgency=urgency, people=1, lat=LEWES[0], lon=LEWES[1] + 0.01,
                contact_phone="+441273471600"), utcnow())
            ids.append(need.id)
            edge.commit()
    drain(app)
    return ids


def _token(html):
    return re.search(r'id="board-version" name="v" value="([^"]+)"', html).group(1)


def _poll(coordinator, token, **query):
    return coordinator.get("/board/", query_string={**query, "v": token}, headers=POLL)


def test_a_poll_of_an_unchanged_board_answers_204_with_nothing(app):
    coordinator = _board(app)
    _add_needs(app, "Bread and milk", "Nappies")
    token = _token(coordinator.get("/board/").get_data(as_text=True))
    unchanged = _poll(coordinator, token)
    assert unchanged.status_code == 204 and unchanged.data == b""
    assert unchanged.headers["Vary"].startswith("HX-Request")


def test_a_poll_after_one_need_changes_carries_only_that_card(app):
    coordinator = _board(app)
    first, second, third = _add_needs(app, "Bread and milk", "Nappies", "Cat food")
    page = coordinator.get("/board/").get_data(as_text=True)
    assert set(map(int, CARD.findall(page))) == {first, second, third}
    ann = app.test_client()
    login(ann, "ann.able@example.org")
    with app.app_context():
        match_id = db.session.scalar(sa.select(Match.id).where(Match.need_id == second))
    assert ann.post(f"/me/offers/{match_id}/accept").status_code == 303
    answer = _poll(coordinator, _token(page)).get_data(as_text=True)
    assert [int(n) for n in DELETE.findall(answer)] == [second]
    assert [(where, int(n)) for where, n in INSERT.findall(answer)] == [("beforeend:#list-accepted", second)]
    assert [int(n) for n in CARD.findall(answer)] == [second]  # no other card travels
    assert "Ann" in answer and 'id="col-accepted" hx-swap-oob="true">Accepted <span class="count">1</span>' in answer
    assert _poll(coordinator, _token(answer)).status_code == 204  # and the new token is current


def test_a_new_need_is_inserted_before_the_card_that_follows_it(app):
    coordinator = _board(app, volunteers=())  # nobody to offer to: every need stays New
    older, newer = _add_needs(app, "Older need", "Newer need")
    token = _token(coordinator.get("/board/").get_data(as_text=True))
    (urgent,) = _add_needs(app, "Roof blown off", urgency="critical")
    answer = _poll(coordinator, token).get_data(as_text=True)
    assert [(where, int(n)) for where, n in INSERT.findall(answer)] == [(f"beforebegin:#need-{older}", urgent)]
    assert DELETE.findall(answer) == []
    (latest,) = _add_needs(app, "Latest need")
    again = _poll(coordinator, _token(answer)).get_data(as_text=True)
    assert [(where, int(n)) for where, n in INSERT.findall(again)] == [("beforeend:#list-open", latest)]
    assert newer in map(int, CARD.findall(coordinator.get("/board/").get_data(as_text=True)))


def test_minutes_passing_resend_only_the_cards_that_turned_late(app):
    coordinator = _board(app, volunteers=())
    (high,) = _add_needs(app, "Fence down", urgency="high")  # target: someone says yes within 60 min
    (low,) = _add_needs(app, "Books to return", urgency="low")
    token = _token(coordinator.get("/board/").get_data(as_text=True))
    minute = utcnow().replace(second=0, microsecond=0)
    with time_machine.travel(minute + timedelta(minutes=2, seconds=5), tick=False):
        quiet = _poll(coordinator, token).get_data(as_text=True)
    assert CARD.findall(quiet) == [] and 'id="board-version"' in quiet  # no card, a fresh token
    assert sorted(map(int, re.findall(r'<span class="age" id="age-(\d+)" hx-swap-oob="true">\d min ago', quiet))) == [high, low]
    with time_machine.travel(minute + timedelta(minutes=2, seconds=50), tick=False):
        same_minute = _poll(coordinator, _token(quiet))
    assert same_minute.status_code == 204  # ages go once a minute, not with every poll
    with time_machine.travel(utcnow() + timedelta(minutes=61), tick=False):
        late = _poll(coordinator, _token(quiet)).get_data(as_text=True)
    assert [int(n) for n in CARD.findall(late)] == [high] and f'class="card need late" id="need-{high}"' in late
    assert low not in map(int, CARD.findall(late))


def test_a_poll_with_a_broken_token_gets_the_whole_board_never_an_error(app):
    coordinator = _board(app)
    (need_id,) = _add_needs(app, "Bread and milk")
    for junk in ("x", "1.2.3", "9" * 40, "1.2.5-zzzzzz", "1.2." + "_".join(["1-aaaaaa"] * 1200), "\x00"):
        answer = _poll(coordinator, junk)
        assert answer.status_code == 200, junk
        body = answer.get_data(as_text=True)
        assert '<div id="board-body" hx-swap-oob="true">' in body and f'id="need-{need_id}"' in body


def test_a_long_column_shows_a_page_and_counts_the_rest(app):
    coordinator = _board(app, volunteers=())
    ids = _add_needs(app, *(f"Need number {i}" for i in range(board_state.PAGE + 4)))
    page = coordinator.get("/board/").get_data(as_text=True)
    assert len(CARD.findall(page)) == board_state.PAGE
    assert "and 4 more: show this column" in page and f'<span class="count">{len(ids)}</span>' in page
    column = coordinator.get("/board/?column=open").get_data(as_text=True)
    assert "Show 4 more" in column and 'href="/board/?column=open&amp;pages=2"' in column
    assert len(CARD.findall(coordinator.get("/board/?column=open&pages=2").get_data(as_text=True))) == len(ids)
    beyond = coordinator.get("/board/?column=open&pages=99").get_data(as_text=True)  # at most 5 pages, never an error
    assert len(CARD.findall(beyond)) == len(ids) and "Show" not in re.search(r'id="more-open".*?</p>', beyond, re.S).group(0)


def test_needs_your_attention_is_a_short_list_not_a_second_set_of_cards(app):
    coordinator = _board(app, volunteers=())  # nobody eligible: every need needs attention
    ids = _add_needs(app, *(f"Stuck {i}" for i in range(12)))
    page = coordinator.get("/board/").get_data(as_text=True)
    attention = re.search(r'<section class="attention".*?</section>', page, re.S).group(0)
    assert attention.count("<li>") == 10 and "and 2 more" in attention and "nobody eligible nearby" in attention
    assert CARD.findall(attention) == []  # compact lines; each need's card appears once, in its column
    assert sorted(map(int, CARD.findall(page))) == sorted(ids)


def test_the_urgency_strip_lists_the_most_urgent_first(app):
    coordinator = _board(app)
    _add_needs(app, "Bread and milk")
    strip = re.search(r'<p class="summary-strip".*?</p>', coordinator.get("/board/").get_data(as_text=True), re.S)
    assert re.findall(r"urgency-(\w+)", strip.group(0)) == ["critical", "high", "normal", "low"]


def test_only_the_coordinators_own_needs_travel_in_a_poll(app):
    coordinator = _board(app)
    _add_needs(app, "Bread and milk")
    token = _token(coordinator.get("/board/").get_data(as_text=True))
    with app.app_context():
        add_union("Brighton", lat=50.82, lon=-0.14, radius_km=3)
        need, _t, _w = needs.create_need(dict(category="food", details="Brighton groceries", urgency="normal",
                                               people=1, lat=50.82, lon=-0.14, contact_phone="+441273471600"), utcnow())
        brighton_need = need.id
        edge.commit()
    drain(app)
    answer = _poll(coordinator, token)
    assert b"Brighton groceries" not in answer.data and answer.status_code in (200, 204)
    with app.app_context():
        assert db.session.get(Need, brighton_need).union_id is not None  # routed, to the other union


def test_a_poll_finding_every_turn_taken_is_told_nothing_new_at_once_and_catches_up_next_time(app):
    coordinator = _board(app)
    token = _token(coordinator.get("/board/").get_data(as_text=True))
    [need_id] = _add_needs(app, "Bread and milk")
    turns = app.extensions[live.TURNS]
    taken = [turns.acquire(blocking=False) for _ in range(app.config["BOARD_POLLS_AT_ONCE"])]
    assert all(taken)
    with statements(app) as sql:
        put_off = _poll(coordinator, token)
    assert put_off.status_code == 204 and put_off.headers[live.BUSY] == "1" and sql == []
    assert coordinator.get("/board/").status_code == 200  # the page itself is not a poll: never put off
    for _ in taken:
        turns.release()
    caught_up = [_poll(coordinator, token) for _ in range(app.config["BOARD_POLLS_AT_ONCE"] + 2)]
    assert all(answer.status_code == 200 and live.BUSY not in answer.headers for answer in caught_up)  # turns given back
    assert int(CARD.search(caught_up[0].get_data(as_text=True)).group(1)) == need_id


def test_a_process_reads_the_newest_event_once_per_fresh_window_and_then_sends_the_change(app):
    coordinator = _board(app)
    token = _token(coordinator.get("/board/").get_data(as_text=True))
    app.config["BOARD_FRESH_SECONDS"] = 3600
    assert _poll(coordinator, token).status_code == 204  # reads the newest event, for the window
    [need_id] = _add_needs(app, "Bread and milk")
    with statements(app) as sql:
        within = _poll(coordinator, token)
    assert within.status_code == 204 and not any("events" in statement for statement in sql)
    app.config["BOARD_FRESH_SECONDS"] = 0  # the window has passed
    after = _poll(coordinator, token)
    assert after.status_code == 200 and int(CARD.search(after.get_data(as_text=True)).group(1)) == need_id


def test_a_board_drawn_after_the_window_began_is_never_taken_back_to_the_older_snapshot(app):
    coordinator = _board(app)
    token = _token(coordinator.get("/board/").get_data(as_text=True))
    app.config["BOARD_FRESH_SECONDS"] = 3600
    assert _poll(coordinator, token).status_code == 204  # the process holds the newest event for the window
    _add_needs(app, "Bread and milk")
    newer = _token(coordinator.get("/board/").get_data(as_text=True))  # the page reads the newest event itself
    answer = _poll(coordinator, newer)
    assert answer.status_code == 204 and not DELETE.search(answer.get_data(as_text=True))


def test_polls_arriving_together_build_one_snapshot_between_them(app, monkeypatch):
    built = []

    def slow_snapshot(unions, filters, now):
        built.append(filters)
        time.sleep(0.2)  # long enough for every poll to arrive while the first builds
        return board_state.Snapshot()

    monkeypatch.setattr(board_state, "_snapshot", slow_snapshot)
    now, boards = utcnow(), []

    def poll():
        with app.app_context():
            boards.append(board_state.snapshot([1], "all", now, 7))

    threads = [threading.Thread(target=poll) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert len(built) == 1 and len(boards) == 4 and all(board is boards[0] for board in boards)


def test_boards_showing_the_same_cards_share_one_drawn_answer(app):
    coordinator = _board(app)
    page = coordinator.get("/board/").get_data(as_text=True)
    _add_needs(app, "Bread and milk")
    drawn = []
    with template_rendered.connected_to(lambda _app, template, context: drawn.append(template.name), app):
        answers = [_poll(coordinator, _token(page)).get_data(as_text=True) for _ in range(3)]  # three boards, one token
    assert drawn.count("board/_changes.html") == 1
    assert answers[0] == answers[1] == answers[2] and CARD.search(answers[0])
