"""Federation administration: the CLI, the admin pages and who may use them, one-time invitation links."""
import json
import re
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from aid.extensions import db
from aid.models import Coordinator, Invitation, Region, Union, User, utcnow
from aid.services import accounts, geojson, invitations
from aid.services.locating import route
from aid.services.tokens import hash_token
from tests.conftest import PASSWORD, at_once
from tests.factories import add_coordinator, add_union, add_volunteer, login

RINGMER, CANTERBURY = (50.893, 0.057), (51.2802, 1.0789)
SQUARE = {"type": "Polygon", "coordinates": [[[0.1, 50.95], [0.3, 50.95], [0.3, 51.05], [0.1, 51.05], [0.1, 50.95]]]}
THREADS = 8


def admin_app(make, **config):
    """An app with the admin blueprint and CLI commands, whether or not create_app registers them yet."""
    import aid.cli  # noqa: F401  (its commands join the `aid` group on import)
    from aid.web import admin as admin_web

    app = make(**config)
    if "admin" not in app.blueprints:
        app.register_blueprint(admin_web.bp)
    return app


@pytest.fixture
def app(make):
    return admin_app(make)


def _world(app):
    """Two regions: East Sussex (Lewes, Ringmer) and Kent (Canterbury), and one person of each role."""
    with app.app_context():
        sussex, kent = Region(name="East Sussex"), Region(name="Kent")
        db.session.add_all([sussex, kent])
        lewes, ringmer = add_union("Lewes"), add_union("Ringmer", *RINGMER, radius_km=2)
        canterbury = add_union("Canterbury", *CANTERBURY)
        lewes.region = ringmer.region = sussex
        canterbury.region = kent
        db.session.commit()
        add_volunteer("Val Volunteer")
        add_coordinator(lewes, "Una Union")
        _region_coordinator(sussex, "Reg Region")
        _region_coordinator(kent, "Kim Kent")
        return dict(sussex=sussex.id, kent=kent.id, lewes=lewes.id, ringmer=ringmer.id, canterbury=canterbury.id)


def _region_coordinator(region, name):
    user = accounts.register(name, f"{name.lower().replace(' ', '.')}@example.org", PASSWORD)
    db.session.add(Coordinator(user_id=user.id, region_id=region.id))
    db.session.commit()
    return user


def _client(app, email=None):
    client = app.test_client()
    if email:
        login(client, email)
    return client


def _count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _link(page):
    return re.search(r'value="(http://localhost/invite/[\w-]+)"', page).group(1).removeprefix("http://localhost")


def _union_form(**overrides):
    form = {"name": "Kingston", "slug": "kingston", "lat": "50.855", "lon": "-0.008", "radius_km": "3",
            "area": "", "escalate_from": "low"}
    form.update(overrides)
    return form


# The CLI ---------------------------------------------------------------------------------

def test_cli_builds_a_region_its_unions_and_its_hub(app, tmp_path):
    area_file = tmp_path / "area.geojson"
    area_file.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": SQUARE}))
    cli = app.test_cli_runner()
    assert "created" in cli.invoke(args=["aid", "region-create", "East Sussex"]).output
    made = cli.invoke(args=["aid", "union-create", "--name", "Brighton", "--slug", "brighton", "--lat", "50.8225",
                            "--lon", "-0.1372", "--radius-km", "4", "--region", "east sussex"])
    assert made.exit_code == 0, made.output
    drawn = cli.invoke(args=["aid", "union-create", "--name", "Square Town", "--slug", "square", "--lat", "51.0",
                             "--lon", "0.2", "--region", "East Sussex", "--area-file", str(area_file),
                             "--escalate-from", "high"])
    assert drawn.exit_code == 0, drawn.output
    hub = cli.invoke(args=["aid", "region-hub", "East Sussex", "brighton"])
    assert hub.exit_code == 0 and "hub of East Sussex" in hub.output
    with app.app_context():
        region = db.session.scalar(sa.select(Region))
        square = db.session.scalar(sa.select(Union).where(Union.slug == "square"))
        assert region.hub.slug == "brighton" and {u.slug for u in region.unions} == {"brighton", "square"}
        assert json.loads(square.area_geojson) == SQUARE and square.escalate_from == "high"
        assert route(51.04, 0.29).slug == "square"  # the stored area is the one routing reads


@pytest.mark.parametrize(("args", "message"), [
    (["region-hub", "Nowhere", "lewes"], "No region is called “Nowhere”. Regions: East Sussex."),
    (["region-hub", "East Sussex", "atlantis"], "No union has the short name “atlantis”."),
    (["region-hub", "East Sussex", "canterbury"], "Canterbury is not a union of East Sussex."),
    (["region-create", "east sussex"], "There is already a region called “east sussex”."),
    (["region-create", "  "], "Give the region a name of 1 to 80 characters."),
    (["union-create", "--name", "X", "--slug", "lewes", "--lat", "50", "--lon", "0"], "The short name “lewes” is taken"),
    (["union-create", "--name", "X", "--slug", "Not A Slug", "--lat", "50", "--lon", "0"], "lowercase letters"),
    (["union-create", "--name", "X", "--slug", "x", "--lat", "91", "--lon", "0"], "Latitude must be"),
    (["union-create", "--name", "X", "--slug", "x", "--lat", "nan", "--lon", "0"], "Latitude must be"),
    (["union-create", "--name", "X", "--slug", "x", "--lat", "50", "--lon", "0", "--radius-km", "inf"], "radius"),
    (["union-create", "--name", "X", "--slug", "x", "--lat", "50", "--lon", "0", "--region", "Mars"], "No region is called"),
    (["union-create", "--name", "X", "--slug", "x", "--lat", "50", "--lon", "0", "--escalate-from", "soon"], "'soon' is not one of"),
    (["invite"], "Give either --union SLUG or --region NAME."),
    (["invite", "--union", "lewes", "--region", "East Sussex"], "Give either --union SLUG or --region NAME."),
    (["invite", "--union", "lewes", "--base-url", "javascript:alert(1)"], "http:// or https://"),
    (["invite", "--region", "Mars"], "No region is called “Mars”."),
])
def test_cli_refuses_unknown_names_and_bad_values_with_a_message_and_saves_nothing(app, args, message):
    with app.app_context():
        region = Region(name="East Sussex")
        db.session.add(region)
        add_union("Lewes").region = region
        add_union("Canterbury", *CANTERBURY)
        db.session.commit()
    done = app.test_cli_runner().invoke(args=["aid", *args])
    assert done.exit_code != 0 and message in done.output, done.output
    assert "Traceback" not in done.output
    with app.app_context():
        assert (_count(Region), _count(Union), _count(Invitation)) == (1, 2, 0)
        assert db.session.scalar(sa.select(Region)).hub is None


def test_cli_refuses_an_area_file_that_is_not_a_polygon(app, tmp_path):
    area_file = tmp_path / "point.json"
    area_file.write_text('{"type": "Point", "coordinates": [0, 50]}')
    done = app.test_cli_runner().invoke(args=["aid", "union-create", "--name", "X", "--slug", "x", "--lat", "50",
                                              "--lon", "0", "--area-file", str(area_file)])
    assert done.exit_code == 1 and "must be a Polygon or a MultiPolygon, and this is a Point" in done.output


def test_cli_invite_prints_a_one_time_link_that_makes_a_region_coordinator(app):
    cli = app.test_cli_runner()
    cli.invoke(args=["aid", "region-create", "Kent"])
    done = cli.invoke(args=["aid", "invite", "--region", "Kent", "--base-url", "https://aid.example.org/"])
    assert done.exit_code == 0, done.output
    path = re.search(r"^https://aid\.example\.org(/invite/[\w-]+)$", done.output, re.M).group(1)
    with app.app_context():
        add_volunteer("Kim Kent")
    invitee = _client(app, "kim.kent@example.org")
    assert invitee.post(path).status_code == 303
    with app.app_context():
        coordinator = db.session.scalar(sa.select(Coordinator))
        assert coordinator.region.name == "Kent" and coordinator.user.name == "Kim Kent"


# Invitations -----------------------------------------------------------------------------

def test_a_union_coordinator_invites_someone_who_accepts_and_becomes_a_coordinator(app):
    ids = _world(app)
    page = _client(app, "una.union@example.org").post(f"/admin/unions/{ids['lewes']}/invite")
    assert page.status_code == 201 and page.headers["Cache-Control"] == "no-store"
    link = _link(page.data.decode())
    invitee = _client(app, "val.volunteer@example.org")
    shown = invitee.get(link).data.decode()
    assert "Accept: become a coordinator of Lewes" in shown and "val.volunteer@example.org" in shown
    accepted = invitee.post(link)
    assert accepted.status_code == 303 and accepted.headers["Location"] == "/board/"
    assert invitee.get("/board/").status_code == 200
    with app.app_context():
        val = db.session.scalar(sa.select(User).where(User.email == "val.volunteer@example.org"))
        assert [(c.union_id, c.region_id) for c in val.coordinator_of] == [(ids["lewes"], None)]
        invitation = db.session.scalar(sa.select(Invitation))
        assert invitation.used_by_id == val.id and invitation.created_by_id is not None


def test_only_a_hash_of_a_256_bit_token_is_stored_and_it_expires_in_7_days(app):
    with app.app_context():
        now = utcnow()
        token, invitation = invitations.invite(add_union(), None, now)
        db.session.commit()
        assert len(token) >= 43  # 32 random bytes, base64
        stored = db.session.execute(sa.select(Invitation.__table__)).one()._asdict()
        assert token not in json.dumps(stored, default=str)
        assert stored["token_hash"] == hash_token(token)
        assert invitation.expires_at == now + timedelta(days=7)


def test_an_invitation_works_until_its_seventh_day_ends(app):
    ids = _world(app)
    with app.app_context():
        union = db.session.get(Union, ids["lewes"])
        fresh, _ = invitations.invite(union, None, utcnow() - timedelta(days=6, hours=23))
        stale, _ = invitations.invite(union, None, utcnow() - timedelta(days=7, minutes=1))
        db.session.commit()
    invitee = _client(app, "val.volunteer@example.org")
    expired = invitee.get(f"/invite/{stale}")
    assert expired.status_code == 410 and "This invitation has expired." in expired.data.decode()
    assert invitee.post(f"/invite/{stale}").status_code == 410
    assert invitee.post(f"/invite/{fresh}").status_code == 303
    with app.app_context():
        assert _count(Coordinator, Coordinator.union_id == ids["lewes"]) == 2  # Una, and now Val


def test_a_used_invitation_is_refused_to_the_next_person(app):
    ids = _world(app)
    with app.app_context():
        token, _ = invitations.invite(db.session.get(Union, ids["lewes"]), None, utcnow())
        db.session.commit()
    assert _client(app, "val.volunteer@example.org").post(f"/invite/{token}").status_code == 303
    second = _client(app, "kim.kent@example.org")
    for response in (second.get(f"/invite/{token}"), second.post(f"/invite/{token}")):
        assert response.status_code == 410 and "already been used" in response.data.decode()
    with app.app_context():
        assert _count(Coordinator, Coordinator.union_id == ids["lewes"]) == 2


@pytest.mark.parametrize("token", ["not-a-real-token", "x" * 3000, "%00%ff", "ü🙂", "..", "a;DROP TABLE invitations"])
def test_an_unknown_token_gives_a_clear_404_page_not_an_error(app, token):
    for client in (_client(app), app.test_client()):
        page = client.get(f"/invite/{token}")
        assert page.status_code == 404 and "This invitation link is not valid" in page.data.decode()
    with app.app_context():
        add_volunteer("Val Volunteer")
    refused = _client(app, "val.volunteer@example.org").post(f"/invite/{token}")
    assert refused.status_code == 404 and "not valid" in refused.data.decode()


def test_someone_who_already_coordinates_is_told_so_and_the_link_stays_unused(app):
    ids = _world(app)
    with app.app_context():
        token, _ = invitations.invite(db.session.get(Union, ids["lewes"]), None, utcnow())
        db.session.commit()
    una = _client(app, "una.union@example.org")
    assert "You already coordinate Lewes." in una.get(f"/invite/{token}").data.decode()
    assert una.post(f"/invite/{token}").status_code == 409
    with app.app_context():
        assert db.session.scalar(sa.select(Invitation.used_at)) is None


def test_a_visitor_who_is_not_logged_in_logs_in_and_comes_back_to_accept(app):
    ids = _world(app)
    with app.app_context():
        token, _ = invitations.invite(db.session.get(Region, ids["sussex"]), None, utcnow())
        db.session.commit()
    visitor = app.test_client()
    page = visitor.get(f"/invite/{token}").data.decode()
    assert f'href="/login?next=/invite/{token}"' in page and f'href="/signup?next=/invite/{token}"' in page
    assert "Accept" not in page
    refused = visitor.post(f"/invite/{token}")  # a stale page: the accept button, but no session any more
    assert refused.status_code == 302 and refused.headers["Location"] == f"/login?next=%2Finvite%2F{token}"
    back = visitor.post(f"/login?next=/invite/{token}", data={"email": "val.volunteer@example.org", "password": PASSWORD})
    assert back.status_code == 303 and back.headers["Location"] == f"/invite/{token}"
    assert visitor.post(f"/invite/{token}").headers["Location"] == "/admin/"
    assert "East Sussex" in visitor.get("/admin/").data.decode()


def test_accepting_needs_the_forms_csrf_token(make):
    app = admin_app(make, WTF_CSRF_ENABLED=True)
    with app.app_context():
        token, _ = invitations.invite(add_union(), None, utcnow())
        db.session.commit()
        add_volunteer("Val Volunteer")
    invitee = app.test_client()
    form = invitee.get("/login").data.decode()
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    invitee.post("/login", data={"email": "val.volunteer@example.org", "password": PASSWORD, "csrf_token": csrf})
    assert invitee.post(f"/invite/{token}").status_code == 400
    page = invitee.get(f"/invite/{token}").data.decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert invitee.post(f"/invite/{token}", data={"csrf_token": csrf}).status_code == 303
    with app.app_context():
        assert _count(Coordinator) == 1


def _accept_at_once(app, token, user_ids):
    """Every user accepts the same link at the same moment, each on its own connection, with real commits."""
    def accept(user_id):
        with app.app_context():
            try:
                invitations.accept(token, db.session.get(User, user_id), utcnow())
                db.session.commit()
                return "accepted"
            except invitations.InvitationError as error:
                db.session.rollback()
                return error.reason
            finally:
                db.session.remove()

    outcomes = at_once([lambda u=u: accept(u) for u in user_ids])
    assert all(isinstance(o, str) for o in outcomes), outcomes  # no thread failed
    return Counter(outcomes)


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_accepts_of_one_invitation_by_different_people_make_one_coordinator(make, round_):
    app = admin_app(make, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 2})
    with app.app_context():
        token, _ = invitations.invite(add_union(), None, utcnow())
        user_ids = [accounts.register(f"Racer {i}", f"racer{i}@example.org", PASSWORD).id for i in range(THREADS)]
        db.session.commit()
    outcomes = _accept_at_once(app, token, user_ids)
    assert outcomes == Counter(accepted=1, used=THREADS - 1)
    with app.app_context():
        winner = db.session.scalar(sa.select(Invitation.used_by_id))
        assert db.session.scalars(sa.select(Coordinator.user_id)).all() == [winner]


def test_the_same_person_accepting_in_two_tabs_at_once_becomes_a_coordinator_once(make):
    app = admin_app(make, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 2})
    with app.app_context():
        token, _ = invitations.invite(add_union(), None, utcnow())
        user_id = accounts.register("Tab Tabs", "tabs@example.org", PASSWORD).id
        db.session.commit()
    outcomes = _accept_at_once(app, token, [user_id] * THREADS)
    assert outcomes["accepted"] == 1 and outcomes["used"] + outcomes["already"] == THREADS - 1
    with app.app_context():
        assert _count(Coordinator) == 1


# Who may use which page ------------------------------------------------------------------

ROLES = {  # role: login email (None: not logged in)
    "anonymous": None,
    "volunteer": "val.volunteer@example.org",
    "union coordinator": "una.union@example.org",
    "region coordinator": "reg.region@example.org",
    "other region's coordinator": "kim.kent@example.org",
}
AREA = {"lat": "50.874", "lon": "0.0088", "radius_km": "4", "area": "", "escalate_from": "high"}
MATRIX = [  # method, path, form, statuses in the order of ROLES
    ("GET", "/admin/", None, (302, 403, 200, 200, 200)),
    ("GET", "/admin/regions/{sussex}/unions/new", None, (302, 403, 403, 200, 403)),
    ("POST", "/admin/regions/{sussex}/unions/new", _union_form(), (302, 403, 403, 303, 403)),
    ("GET", "/admin/unions/{lewes}/edit", None, (302, 403, 403, 200, 403)),
    ("POST", "/admin/unions/{lewes}/edit", AREA, (302, 403, 403, 303, 403)),
    ("POST", "/admin/regions/{sussex}/hub", {"hub": "{ringmer}"}, (302, 403, 403, 303, 403)),
    ("GET", "/admin/unions/{lewes}/invite", None, (302, 403, 200, 200, 403)),
    ("POST", "/admin/unions/{lewes}/invite", {}, (302, 403, 201, 201, 403)),
    ("POST", "/admin/unions/{ringmer}/invite", {}, (302, 403, 403, 201, 403)),
    ("GET", "/admin/regions/{sussex}/invite", None, (302, 403, 403, 200, 403)),
    ("POST", "/admin/regions/{sussex}/invite", {}, (302, 403, 403, 201, 403)),
]


@pytest.mark.parametrize(("method", "path", "form", "statuses"), MATRIX, ids=[f"{m} {p}" for m, p, _f, _s in MATRIX])
def test_each_admin_page_answers_only_the_people_it_is_for(app, method, path, form, statuses):
    ids = _world(app)
    url = path.format(**ids)
    data = {k: v.format(**ids) for k, v in (form or {}).items()}
    got = {}
    for role, email in ROLES.items():
        response = _client(app, email).open(url, method=method, data=data)
        got[role] = response.status_code
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login?next=")
    assert got == dict(zip(ROLES, statuses, strict=True))
    with app.app_context():  # refused requests changed nothing: only the allowed ones left a trace
        assert _count(Invitation) == list(got.values()).count(201)
        assert _count(Union) == 3 + (got["region coordinator"] == 303 and "unions/new" in path)
        assert db.session.scalar(sa.select(Union.escalate_from).where(Union.id == ids["lewes"])) == (
            "high" if "edit" in path and method == "POST" else "low")


@pytest.mark.parametrize("path", ["/admin/regions/999/unions/new", "/admin/unions/999/edit", "/admin/unions/999/invite",
                                  "/admin/regions/999/invite"])
def test_admin_pages_of_regions_and_unions_that_do_not_exist_are_404(app, path):
    _world(app)
    assert _client(app, "reg.region@example.org").get(path).status_code == 404


def test_each_coordinator_sees_only_the_regions_and_unions_in_their_scope(app):
    ids = _world(app)
    region = _client(app, "reg.region@example.org").get("/admin/").data.decode()
    assert "East Sussex" in region and "Lewes" in region and "Ringmer" in region and "Canterbury" not in region
    assert f"/admin/unions/{ids['ringmer']}/edit" in region and f"/admin/regions/{ids['sussex']}/unions/new" in region
    union = _client(app, "una.union@example.org").get("/admin/").data.decode()
    assert "Lewes" in union and "Ringmer" not in union and "East Sussex" not in union
    assert f"/admin/unions/{ids['lewes']}/invite" in union and "/edit" not in union and "unions/new" not in union


# Unions: creating, editing, the hub ------------------------------------------------------

def test_a_region_coordinator_creates_a_union_with_a_drawn_area_that_routes_needs(app):
    ids = _world(app)
    drawn = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": SQUARE}]}
    form = _union_form(name="Square Town", slug="square", lat="51,0", lon="0.2", area=json.dumps(drawn))
    created = _client(app, "reg.region@example.org").post(f"/admin/regions/{ids['sussex']}/unions/new", data=form)
    assert created.status_code == 303 and created.headers["Location"] == "/admin/"
    with app.app_context():
        square = db.session.scalar(sa.select(Union).where(Union.slug == "square"))
        assert (square.region_id, square.lat, json.loads(square.area_geojson)) == (ids["sussex"], 51.0, SQUARE)
        assert route(51.04, 0.29).slug == "square"


def test_a_region_coordinator_edits_a_unions_area_and_escalation_policy(app):
    ids = _world(app)
    reg = _client(app, "reg.region@example.org")
    page = reg.get(f"/admin/unions/{ids['lewes']}/edit").data.decode()
    assert 'value="50.874"' in page and '<input checked id="escalate_from-0"' in page
    saved = reg.post(f"/admin/unions/{ids['lewes']}/edit", data={**AREA, "area": json.dumps(SQUARE),
                                                                "lat": "51.0", "lon": "0.2", "escalate_from": "critical"})
    assert saved.status_code == 303
    with app.app_context():
        lewes = db.session.get(Union, ids["lewes"])
        assert (lewes.lat, lewes.escalate_from, json.loads(lewes.area_geojson)) == (51.0, "critical", SQUARE)
    cleared = reg.post(f"/admin/unions/{ids['lewes']}/edit", data=AREA)
    assert cleared.status_code == 303
    with app.app_context():
        assert db.session.get(Union, ids["lewes"]).area_geojson is None


def test_a_taken_short_name_is_refused_on_the_form_with_everything_kept(app):
    ids = _world(app)
    page = _client(app, "reg.region@example.org").post(f"/admin/regions/{ids['sussex']}/unions/new",
                                                       data=_union_form(slug="ringmer", name="Second Ringmer"))
    assert page.status_code == 422
    html = page.data.decode()
    assert "The short name “ringmer” is taken. Choose another." in html and 'value="Second Ringmer"' in html


def test_the_hub_is_set_to_a_union_of_the_region_and_never_to_another_regions(app):
    ids = _world(app)
    reg = _client(app, "reg.region@example.org")
    assert reg.post(f"/admin/regions/{ids['sussex']}/hub", data={"hub": str(ids["ringmer"])}).status_code == 303
    refused = reg.post(f"/admin/regions/{ids['sussex']}/hub", data={"hub": str(ids["canterbury"])})
    assert refused.status_code == 422 and "Choose one of this region&#39;s unions." in refused.data.decode()
    with app.app_context():
        assert db.session.get(Region, ids["sussex"]).hub_union_id == ids["ringmer"]
    assert reg.post(f"/admin/regions/{ids['sussex']}/hub", data={"hub": ""}).status_code == 303
    with app.app_context():
        assert db.session.get(Region, ids["sussex"]).hub_union_id is None


@pytest.mark.parametrize(("area", "message"), [
    ("{not json", "This is not valid GeoJSON: Expecting property name enclosed in double quotes (line 1, column 2)."),
    ('{"type": "Point", "coordinates": [0.2, 51]}', "The area must be a Polygon or a MultiPolygon, and this is a Point."),
    ('{"type": "FeatureCollection", "features": []}', "This FeatureCollection has no features."),
    ('[1, 2]', "The area must be a Polygon or a MultiPolygon, and this is not a GeoJSON shape."),
    ('{"type": "Polygon", "coordinates": []}', "The polygon has no rings"),
    ('{"type": "Polygon", "coordinates": [[[0.1, 50.9], [0.3, 50.9], [0.1, 50.9]]]}', "The outline needs at least 4 points"),
    ('{"type": "Polygon", "coordinates": [[[0.1, 50.9], [0.3, 50.9], [0.3, 51], [0.1, 51]]]}',
     "The outline is not closed: its last point must repeat its first, [0.1, 50.9]."),
    ('{"type": "Polygon", "coordinates": [[[0.1, 50.9], [0.1, 50.9], [0.3, 50.9], [0.1, 50.9]]]}', "at least 3 different corners"),
    ('{"type": "Polygon", "coordinates": [[[0.1, 50.9], [0.3, 95], [0.3, 51], [0.1, 50.9]]]}',
     "The outline has a point off the map: [0.3, 95]. Longitude comes first"),
    ('{"type": "Polygon", "coordinates": [[[0.1, 50.9], ["0.3", 50.9], [0.3, 51], [0.1, 50.9]]]}',
     "The outline has a point that is not [longitude, latitude]: [&#34;0.3&#34;, 50.9]"),
    ('{"type": "Polygon", "coordinates": [[[0.1, 50.9], [NaN, 50.9], [0.3, 51], [0.1, 50.9]]]}', "off the map: [NaN, 50.9]"),
    ('{"type": "Polygon", "coordinates": [[[0.1, 50.9], [1' + "0" * 400 + ', 50.9], [0.3, 51], [0.1, 50.9]]]}', "off the map"),
    ('{"type": "MultiPolygon", "coordinates": [' + json.dumps(SQUARE["coordinates"]) + ', [[[0, 0], [1, 0], [0, 0]]]]}',
     "The outline of polygon 2 needs at least 4 points"),
    ('{"type": "Polygon", "coordinates": [[[50.95, 0.1], [50.95, 0.3], [51.05, 0.3], [50.95, 0.1]]]}',
     "GeoJSON lists longitude first: [0.2, 51], not [51, 0.2]."),
    ("[" * 5000, "This is not valid GeoJSON"),
])
def test_a_pasted_area_that_is_not_a_sane_polygon_is_refused_with_a_message_to_act_on(app, area, message):
    ids = _world(app)
    page = _client(app, "reg.region@example.org").post(
        f"/admin/regions/{ids['sussex']}/unions/new", data=_union_form(lat="51", lon="0.2", area=area))
    assert page.status_code == 422
    assert message in page.data.decode()
    with app.app_context():
        assert _count(Union) == 3


def test_a_pasted_area_keeps_holes_drops_altitudes_and_joins_several_features(app):
    with app.app_context():
        hole = [[0.15, 50.97], [0.2, 50.97], [0.2, 51.0], [0.15, 50.97]]
        ring = [[x, y, 12.5] for x, y in SQUARE["coordinates"][0]]
        other = [[[1, 50], [1.1, 50], [1.1, 50.1], [1, 50]]]
        pasted = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring, hole]}},
            {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": other}}]}
        area = json.loads(geojson.parse_area(json.dumps(pasted)))
    assert area == {"type": "MultiPolygon", "coordinates": [[SQUARE["coordinates"][0], hole], other]}


NASTY = ["", " ", "\x00", "nan", "-inf", "1e309", "9" * 5000, "١٢", "50,8,7", "<script>x</script>", "🙂" * 50,
         "[" * 3000, '{"type":"Polygon","coordinates":' + "[" * 900, '{"type":"MultiPolygon","coordinates":[1]}',
         '{"type":"Feature","geometry":null}', '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],{}]]}', "x" * 200_000]


def test_nothing_typed_into_the_admin_forms_gives_a_server_error(app):
    ids = _world(app)
    reg = _client(app, "reg.region@example.org")
    forms = {f"/admin/regions/{ids['sussex']}/unions/new": _union_form(), f"/admin/unions/{ids['lewes']}/edit": AREA,
             f"/admin/regions/{ids['sussex']}/hub": {"hub": str(ids["lewes"])}}
    for url, good in forms.items():
        for name in good:
            for value in NASTY:
                response = reg.post(url, data={**good, name: value})
                assert response.status_code < 500, (url, name, value[:40], response.status_code)
        for name in good:
            assert reg.post(url, data={**good, name: ["two", "values"]}).status_code < 500
            missing = {k: v for k, v in good.items() if k != name}
            assert reg.post(url, data=missing).status_code < 500
    for value in NASTY[1:12]:
        assert reg.get(f"/invite/{value}").status_code == 404
        assert reg.post(f"/invite/{value}").status_code == 404
