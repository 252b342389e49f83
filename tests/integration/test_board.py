"""The coordinator's board: their union's needs, live by ETag, with the matcher's reasons in the reader's words."""
import pytest
import sqlalchemy as sa
from flask_babel import force_locale, format_decimal, gettext

from aid.extensions import db
from aid.matching.eligibility import RULES
from aid.models import Match, MatchState, Union
from aid.services import follow
from tests.factories import LEWES, add_coordinator, add_union, add_volunteer, drain, login, post_need


def _setup(app, client):
    with app.app_context():
        union = add_union()
        add_coordinator(union)
        add_volunteer("Ann Able", skills=["nurse"], vetting=1, union=union)  # medicine needs vetting
        add_volunteer("Not Vetted", lat=50.8745, union=union)
        add_volunteer("Off Duty", on_duty=False, union=union)
        add_volunteer("Far Away", lat=51.5, lon=-0.12)
    token = post_need(client, details="Dressing change, back door is open", category="medicine")
    drain(app)
    coordinator = app.test_client()
    login(coordinator, "rosa.coord@example.org")
    return token, coordinator


def test_board_shows_the_unions_needs_and_answers_304_until_something_changes(app, client):
    _token, coordinator = _setup(app, client)
    first = coordinator.get("/board/", headers={"HX-Request": "true"})
    assert first.status_code == 200 and b"Dressing change" in first.data and b"<html" not in first.data
    etag = first.headers["ETag"]
    assert coordinator.get("/board/", headers={"HX-Request": "true", "If-None-Match": etag}).status_code == 304
    page = coordinator.get("/board/", headers={"If-None-Match": etag})
    assert page.status_code == 200 and b"<html" in page.data  # the page never gets the fragment's 304
    volunteer = app.test_client()
    login(volunteer, "ann.able@example.org")
    with app.app_context():
        match_id = db.session.scalar(sa.select(Match.id))
    volunteer.post(f"/me/offers/{match_id}/accept")
    changed = coordinator.get("/board/", headers={"HX-Request": "true", "If-None-Match": etag})
    assert changed.status_code == 200 and b'id="col-accepted"' in changed.data
    assert changed.headers["Vary"].startswith("HX-Request, HX-Boosted")


def test_need_page_explains_who_was_chosen_and_who_was_excluded_and_why(app, client):
    _token, coordinator = _setup(app, client)
    with app.app_context():
        need_id = db.session.scalar(sa.select(Match.need_id))
    page = coordinator.get(f"/board/needs/{need_id}").data.decode()
    assert "Ann Able" in page and "+44 7911 123456" in page and "Dressing change" in page
    assert "posted" in page and "offered" in page  # the timeline
    assert "Not Vetted" in page and "not vetted for this kind of help" in page  # excluded, with the rule that excluded them
    assert "Off Duty" in page and "not available" in page  # dropped by the database prefilter, still explained


@pytest.mark.parametrize("lang", ["es", "ar"])
def test_need_page_says_why_in_the_readers_words_with_names_in_their_own_direction(app, client, lang):
    """No rule code, note code or English fragment; each name and fact isolated, so bidi cannot scramble it."""
    _token, coordinator = _setup(app, client)
    with app.app_context():
        add_volunteer("Short Reach", lat=LEWES[0] + 0.02, max_km=1, union=db.session.scalar(sa.select(Union)))
        match = db.session.scalar(sa.select(Match))
        match.state, match.note = MatchState.WITHDRAWN, follow.SLOT_TAKEN
        db.session.commit()
        need_id = match.need_id
    coordinator.post("/language", data={"lang": lang, "next": "/"})
    page = coordinator.get(f"/board/needs/{need_id}").get_data(as_text=True)
    shown = page[page.index("match-row"):page.index('id="messages"')]
    with app.test_request_context(), force_locale(lang):
        said = [gettext("the places left need other skills"), gettext("%(km)s km away", km=format_decimal(2.3, "0.0"))]
    for word in (*RULES, "other_union", "slot_taken", "km away", "travels", "lacks", "beyond their range", "<code>"):
        assert word not in shown, word
    assert said[0] in shown and f'<bdi dir="auto">{said[1]}</bdi>' in shown
    for name in ("Ann Able", "Not Vetted", "Off Duty", "Short Reach"):
        assert f'<bdi dir="auto">{name}</bdi>' in shown, name
    outbox = coordinator.get("/board/outbox").get_data(as_text=True)
    assert '<strong><bdi dir="auto">Ann Able</bdi></strong>' in outbox


def test_another_unions_coordinator_cannot_open_the_need(app, client):
    _token, _coordinator = _setup(app, client)
    with app.app_context():
        other = add_coordinator(add_union("Brighton", lat=50.82, lon=-0.14), name="Other Coord")
        need_id = db.session.scalar(sa.select(Match.need_id))
        assert other.id
    outsider = app.test_client()
    login(outsider, "other.coord@example.org")
    assert outsider.get(f"/board/needs/{need_id}").status_code == 403
    assert b"Dressing change" not in outsider.get("/board/").data


def test_shortlist_json_gives_reasons_and_rules_to_coordinators_only(app, client):
    _token, coordinator = _setup(app, client)
    with app.app_context():
        need_id = db.session.scalar(sa.select(Match.need_id))
    data = coordinator.get(f"/board/needs/{need_id}/shortlist.json").get_json()
    assert [c["name"] for c in data["candidates"]] == ["Ann Able"]
    assert data["candidates"][0]["reasons"] and data["candidates"][0]["distance_km"] < 5
    assert {e["name"]: e["rule"] for e in data["excluded"]} == {
        "Not Vetted": "not_vetted", "Off Duty": "off_duty", "Far Away": "out_of_range"}
    volunteer = app.test_client()
    login(volunteer, "ann.able@example.org")
    assert volunteer.get(f"/board/needs/{need_id}/shortlist.json").status_code == 403
    assert app.test_client().get(f"/board/needs/{need_id}/shortlist.json").status_code == 302


def test_map_points_are_the_coordinators_open_needs_and_tiles_are_configuration(app, client, make):
    _token, coordinator = _setup(app, client)
    points = coordinator.get("/board/map.json").get_json()["points"]
    assert [p["category"] for p in points] == ["medicine"] and abs(points[0]["lat"] - 50.874) < 0.01
    assert app.test_client().get("/board/map.json").status_code == 302
    assert "tile.example.org" not in coordinator.get("/board/map").headers["Content-Security-Policy"]
    tiled = make(TILE_URL="https://tile.example.org/{z}/{x}/{y}.png")
    assert "img-src 'self' data: https://tile.example.org" in tiled.test_client().get("/").headers["Content-Security-Policy"]
