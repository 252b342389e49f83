"""Needs queued on a phone while offline are replayed once, safely, hours later; the worker is served for it."""
import json
import re
import struct

import pytest
import sqlalchemy as sa

from aid.extensions import db
from aid.models import Event, Match, Need
from tests.factories import add_union, add_volunteer, drain, need_form

SAME_SITE = {"Origin": "http://localhost"}  # the test client's own host
CLIENT_ID = "3f9a1c2b-7d5e-4f60-9a1b-2c3d4e5f6a7b"  # what crypto.randomUUID() makes


def replay(client, headers=SAME_SITE, **overrides):
    return client.post("/ask/replay", data=need_form(**{"client_id": CLIENT_ID, **overrides}), headers=headers)


def count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_replay_stores_the_need_and_answers_its_tracking_link(app, client):
    with app.app_context():
        add_union()
    response = replay(client, details="Insulin from the pharmacy", summary="Pick up a prescription")
    assert response.status_code == 201, response.data
    assert re.fullmatch(r"/t/[\w-]{43}", response.json["url"])
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        need = db.session.scalar(sa.select(Need))
        assert (need.details, need.client_id, need.contact_phone) == ("Insulin from the pharmacy", CLIENT_ID, "+447911123456")
    page = client.get(response.json["url"])
    assert page.status_code == 200 and b"Pick up a prescription" in page.data


def test_the_same_replay_twice_is_one_need_with_the_same_link_and_matched_once(app, client):
    with app.app_context():
        add_union()
        add_volunteer("Near One")
    first = replay(client)
    drain(app)
    offers = count(app, Match)
    second = replay(client)
    drain(app)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json["url"] == first.json["url"]
    assert count(app, Need) == 1
    assert offers == 1 and count(app, Match) == 1  # the second send made no new matching work
    with app.app_context():
        assert db.session.scalars(sa.select(Event.kind).where(Event.kind == "posted")).all() == ["posted"]


def test_a_replay_matches_a_need_first_posted_online_with_the_same_id(app, client):
    """The page fills client_id on load, so an online send that seemed lost and its replay are one need."""
    with app.app_context():
        add_union()
    online = client.post("/ask", data=need_form(client_id=CLIENT_ID))
    assert online.status_code == 303
    again = replay(client)
    assert again.status_code == 200 and again.json["url"] == online.headers["Location"]
    assert count(app, Need) == 1


@pytest.mark.parametrize("client_id", [None, "", "short-id", "x" * 65, "has spaces in it 123", "ünïcødé-0123456789", "a/b/c/d/e/f/g/h/i/j"])
def test_a_replay_without_a_valid_client_id_is_refused(app, client, client_id):
    response = replay(client, client_id=client_id)
    assert response.status_code == 422
    assert response.json["errors"]["client_id"] == ["This saved request has no valid id. Please send the form again."]
    assert count(app, Need) == 0


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "http://localhost.evil.example"},
    {"Origin": "null"},
    {"Origin": "http://[::1"},  # malformed
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site", "Origin": "http://localhost"},
    {},  # neither header: a browser always sends one of them
])
def test_a_replay_from_another_site_is_forbidden(app, client, headers):
    response = replay(client, headers=headers)
    assert response.status_code == 403
    assert response.is_json and "origin" in response.json["errors"]
    assert count(app, Need) == 0


def test_sec_fetch_site_same_origin_is_enough_without_an_origin_header(app, client):
    with app.app_context():
        add_union()
    assert replay(client, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 201


def test_invalid_fields_come_back_as_json_messages_and_nothing_is_stored(app, client):
    response = replay(client, details="", contact_phone="12", lat=None, lon=None, people="40")
    assert response.status_code == 422
    errors = response.json["errors"]
    assert errors["details"] == ["Tell us in a few words what is needed."]
    assert len(errors["contact_phone"]) == 1 and errors["contact_phone"][0].startswith("That number is too short.")
    assert errors["people"] == ["Say how many helpers are needed (1 to 10)."]
    assert "Tell us where" in errors["address"][0]
    assert "client_id" not in errors and "csrf_token" not in errors
    assert count(app, Need) == 0


def test_the_replay_needs_no_csrf_token_where_the_form_does(make):
    app = make(WTF_CSRF_ENABLED=True)
    with app.app_context():
        add_union()
    client = app.test_client()
    assert client.post("/ask", data=need_form(client_id=CLIENT_ID)).status_code == 422  # "send it again"
    assert count(app, Need) == 0
    assert replay(client).status_code == 201
    assert count(app, Need) == 1


def test_replays_are_rate_limited(make):
    app = make(RATELIMIT_ENABLED=True)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.77"  # a counter of its own
    statuses = [replay(client, details="").status_code for _ in range(11)]
    assert statuses == [422] * 10 + [429]


GARBAGE = [
    {"client_id": CLIENT_ID, "details": "nul\x00byte", "contact_name": "\x00\x01\x7f"},
    {"client_id": CLIENT_ID, "people": "9" * 400, "lat": "nan", "lon": "inf"},
    {"client_id": CLIENT_ID, "people": "99999", "lat": "nan", "lon": "inf"},
    {"client_id": CLIENT_ID, "lat": "1e400", "lon": "-1e400", "urgency": "whenever", "category": ["food", "x"]},
    {"client_id": CLIENT_ID, "language": "tlh", "contact_email": "@" * 300, "summary": "s" * 5000},
    {"client_id": [CLIENT_ID, "second"], "details": "d" * 100_000},
    {"client_id": "🙂" * 20, "details": "\u202e\ufeff"},
]


@pytest.mark.parametrize("overrides", GARBAGE)
def test_garbage_fields_are_never_a_server_error(app, client, overrides):
    with app.app_context():
        add_union()
    response = client.post("/ask/replay", data={**need_form(), **overrides}, headers=SAME_SITE)
    assert response.status_code in (200, 201, 422), response.data[:500]
    assert response.is_json


@pytest.mark.parametrize("body, content_type", [
    (b"\xff\xfe\x00garbage=\xc3\x28&client_id=\xa0\xa1", "application/x-www-form-urlencoded"),
    (json.dumps(need_form(client_id=CLIENT_ID)).encode(), "application/json"),  # form fields only
    (b"[1, 2]", "application/json"),
    (b'{"client_id": 5, "people": [1]}', "application/json"),
    (b"{not json", "application/json"),
    (b"--x\r\nbroken multipart", "multipart/form-data; boundary=x"),
    (b"", "text/plain"),
])
def test_garbage_bodies_are_never_a_server_error(app, client, body, content_type):
    response = client.post("/ask/replay", data=body, content_type=content_type, headers=SAME_SITE)
    assert response.status_code == 422 and response.is_json
    assert count(app, Need) == 0


def test_the_service_worker_is_served_from_the_root_and_never_cached_stale(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    assert client.get("/sw.js", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    settings = json.loads(re.match(r"self\.AID_OFFLINE = (.*);\n", response.text).group(1))
    assert {"/", "/ask"} <= set(settings["pages"]) and settings["replay"] == "/ask/replay"
    assert set(settings["scripts"]) <= set(settings["assets"])
    for url in ["/static/css/app.css", "/static/js/app.js", "/static/js/offline.js", "/static/icons/icon-192.png"]:
        assert url in settings["assets"]
    for url in settings["assets"] + settings["pages"]:  # one missing file and the worker never installs
        assert client.get(url).status_code == 200, url


def test_every_script_and_stylesheet_of_the_ask_page_is_kept_for_offline_use(client):
    settings = json.loads(re.match(r"self\.AID_OFFLINE = (.*);\n", client.get("/sw.js").text).group(1))
    page = client.get("/ask").text
    used = set(re.findall(r'(?:src|href)="(/static/[^"#]+)', page))  # a #fragment is never fetched
    assert used and used <= set(settings["assets"])


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_manifest_makes_the_app_installable(client):
    response = client.get("/static/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = response.json
    assert (manifest["name"], manifest["start_url"], manifest["display"]) == ("Mutual Aid", "/", "standalone")
    assert manifest["short_name"] and manifest["theme_color"] == "#0b5d3b" and manifest["background_color"]
    pngs = {(icon["sizes"], icon["purpose"]): icon["src"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    for sizes, purpose in [("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")]:
        width, height = (int(n) for n in sizes.split("x"))
        assert png_size(client.get(pngs[sizes, purpose]).data) == (width, height)
    assert 'rel="manifest"' in client.get("/").text
