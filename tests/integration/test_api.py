"""The read-only board API: who may call it, what it shows, ETags, JSON errors, and its OpenAPI document."""
import re
from collections import Counter
from datetime import UTC, datetime

import jsonschema_rs
import pytest
import schemathesis
import sqlalchemy as sa
import time_machine
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.generation import GenerationMode

from aid.extensions import db
from aid.models import Category, Escalation, Match, Need, NeedStatus, Urgency
from aid.services import events
from aid.web import api
from tests.conftest import PASSWORD
from tests.factories import add_coordinator, add_union, add_volunteer, drain, login, post_need, statements
from tests.integration.test_exports import add_need

ROSA, RITA, OTTO, VIC = (f"{n}@example.org" for n in ("rosa.coord", "rita.ringmer", "otto.other", "vic.volunteer"))


def with_api(app):
    """The app with the API blueprint, registered here until create_app() does it."""
    if "api" not in app.blueprints:
        app.register_blueprint(api.bp)
    return app


@pytest.fixture
def app(make):
    return with_api(make())


@pytest.fixture
def world(app):
    """Lewes (Rosa) with two needs, one escalated to Ringmer (Rita); Bristol (Otto) with one; Vic volunteers."""
    with app.app_context():
        lewes, ringmer, bristol = add_union("Lewes"), add_union("Ringmer", lat=50.89, lon=0.05), \
            add_union("Bristol", lat=51.45, lon=-2.58)
        add_coordinator(lewes, "Rosa Coord")
        add_coordinator(ringmer, "Rita Ringmer")
        add_coordinator(bristol, "Otto Other")
        add_volunteer("Vic Volunteer", union=lewes)
        urgent = add_need(lewes, 1, category="medicine", urgency="high", summary="Insulin from the pharmacy")
        escalated = add_need(lewes, 2, status=NeedStatus.MATCHING)
        db.session.add(Escalation(need_id=escalated.id, union_id=ringmer.id, level=1))
        db.session.commit()
        return {"urgent": urgent.id, "escalated": escalated.id, "bristol": add_need(bristol, 4).id}


def as_user(app, email=None):
    client = app.test_client()
    if email:
        login(client, email)
    return client


def ids(response):
    assert response.status_code == 200, response.get_json()
    return [need["id"] for need in response.get_json()["needs"]]


def assert_problem(response, status):
    """An error is RFC 9457 JSON with the status it was sent with, never an HTML page or a redirect."""
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]


ROUTES = ("/api/v1/needs", "/api/v1/needs/{urgent}", "/api/v1/needs/{urgent}/shortlist")


@pytest.mark.parametrize("route", ROUTES)
def test_anonymous_callers_get_a_401_json_problem_not_a_login_redirect(app, world, route):
    response = as_user(app).get(route.format(**world))
    assert_problem(response, 401)
    assert "Location" not in response.headers and response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("route", ROUTES)
def test_volunteers_get_a_403_json_problem(app, world, route):
    assert_problem(as_user(app, VIC).get(route.format(**world)), 403)


SHOWN = {  # which need an answer is about
    ROUTES[0]: lambda body: [need["id"] for need in body["needs"]],
    ROUTES[1]: lambda body: [body["id"]],
    ROUTES[2]: lambda body: [body["need_id"]],
}


@pytest.mark.parametrize("route", ROUTES)
def test_the_needs_union_coordinator_gets_it(app, world, route):
    response = as_user(app, ROSA).get(route.format(**world))
    assert response.status_code == 200 and response.content_type == "application/json"
    assert world["urgent"] in SHOWN[route](response.get_json())


@pytest.mark.parametrize("route", ROUTES)
def test_another_unions_coordinator_neither_lists_nor_opens_it(app, world, route):
    response = as_user(app, OTTO).get(route.format(**world))
    if route == "/api/v1/needs":
        assert ids(response) == [world["bristol"]]
    else:
        assert_problem(response, 403)


def test_needs_carry_coarse_fields_and_details_only_for_the_needs_own_union(app, world):
    [urgent, escalated] = as_user(app, ROSA).get("/api/v1/needs").get_json()["needs"]
    assert urgent["id"] == world["urgent"] and urgent["union"]["name"] == "Lewes"
    assert (urgent["category"], urgent["urgency"], urgent["status"]) == ("medicine", "high", "open")
    assert urgent["cell"] == {"lat": 50.874, "lon": 0.009} and urgent["summary"] == "Insulin from the pharmacy"
    assert urgent["details"] == "SECRET-DETAILS-1" and urgent["created_at"].endswith("Z")
    seen_by_ringmer = as_user(app, RITA).get("/api/v1/needs").get_json()["needs"]
    assert [n["id"] for n in seen_by_ringmer] == [escalated["id"]]  # escalated to Ringmer: shown...
    assert seen_by_ringmer[0]["details"] is None  # ...but its free text stays with Lewes
    assert as_user(app, RITA).get(f"/api/v1/needs/{escalated['id']}").get_json()["details"] is None
    for need in (urgent, escalated, *seen_by_ringmer):
        text = str(need)
        assert "Hidden" not in text and "07700" not in text and "50.8741234" not in text


def test_needs_filter_by_status_urgency_and_category_and_refuse_unknown_values(app, world):
    rosa = as_user(app, ROSA)
    assert ids(rosa.get("/api/v1/needs?status=matching")) == [world["escalated"]]
    assert ids(rosa.get("/api/v1/needs?urgency=high")) == [world["urgent"]]
    assert ids(rosa.get("/api/v1/needs?category=medicine&status=open")) == [world["urgent"]]
    assert ids(rosa.get("/api/v1/needs?category=food&urgency=high")) == []
    refused = rosa.get("/api/v1/needs?status=lost")
    assert_problem(refused, 400)
    assert "status" in refused.get_json()["detail"] and "fulfilled" in refused.get_json()["detail"]


def test_needs_come_a_page_at_a_time_following_the_cursor_with_the_filters_kept(app, world):
    with app.app_context():
        lewes = db.session.get(Need, world["urgent"]).union
        more = [add_need(lewes, n, category="medicine").id for n in range(6, 11)]
    rosa, seen, url = as_user(app, ROSA), [], "/api/v1/needs?category=medicine&limit=2"
    while url:
        page = rosa.get(url)
        body = page.get_json()
        assert len(ids(page)) <= 2
        seen += ids(page)
        url = re.fullmatch(r'<(.+)>; rel="next"', page.headers["Link"]).group(1) if body["next_cursor"] else None
        assert url is None or f"cursor={body['next_cursor']}" in url and "category=medicine" in url
    assert seen == [world["urgent"], *more]  # every one once, oldest first
    assert "Link" not in page.headers
    first = rosa.get("/api/v1/needs").get_json()
    assert len(first["needs"]) == 7 and first["next_cursor"] is None  # all under the default page size
    for bad in ("limit=0", "limit=501", "limit=x", "cursor=abc", "cursor=-1", "limit=²"):
        assert_problem(rosa.get(f"/api/v1/needs?{bad}"), 400)


def test_needs_answer_304_without_reading_them_until_the_board_changes(app, world):
    with time_machine.travel(datetime.now(UTC), tick=False):
        rosa = as_user(app, ROSA)
        first = rosa.get("/api/v1/needs")
        etag = first.headers["ETag"]
        assert first.headers["Cache-Control"] == "private, no-cache"
        with statements(app) as sql:
            unchanged = rosa.get("/api/v1/needs", headers={"If-None-Match": etag})
        assert unchanged.status_code == 304 and unchanged.data == b"" and unchanged.headers["ETag"] == etag
        assert sql and not any("FROM needs" in statement for statement in sql)  # answered from the version
        assert rosa.get("/api/v1/needs?status=open", headers={"If-None-Match": etag}).status_code == 200
        with app.app_context():
            events.record(db.session.get(Need, world["urgent"]), "closed", "Done by phone")
            db.session.commit()
        changed = rosa.get("/api/v1/needs", headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_a_compressed_answers_etag_also_gets_a_304_without_reading_the_needs(app, world):
    with time_machine.travel(datetime.now(UTC), tick=False):
        rosa = as_user(app, ROSA)
        first = rosa.get("/api/v1/needs", headers={"Accept-Encoding": "gzip"})
        etag = first.headers["ETag"]  # '"<version>:gzip"' when the app compresses JSON (Flask-Compress)
        with statements(app) as sql:
            again = rosa.get("/api/v1/needs", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
        assert again.status_code == 304 and again.headers["ETag"] == etag
        assert not any("FROM needs" in statement for statement in sql)


def test_a_need_that_does_not_exist_and_unknown_addresses_are_json_404s(app, world):
    rosa = as_user(app, ROSA)
    for path in ("/api/v1/needs/999999", "/api/v1/needs/999999/shortlist", "/api/v1/nothing",
                 "/api/v1/needs/99999999999999999999", "/api/v1/needs/x"):
        assert_problem(rosa.get(path), 404)


@pytest.mark.parametrize("csrf", [False, True])
def test_the_api_is_read_only_and_says_so_in_json(make, world, csrf):
    app = with_api(make(WTF_CSRF_ENABLED=csrf))
    rosa = app.test_client()
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', rosa.get("/login").data)
    login_data = {"email": ROSA, "password": PASSWORD, **({"csrf_token": token.group(1).decode()} if csrf else {})}
    assert rosa.post("/login", data=login_data).status_code == 303
    for method in ("post", "put", "delete"):
        refused = getattr(rosa, method)("/api/v1/needs")
        assert_problem(refused, 405)
        assert refused.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_shortlist_is_the_same_as_the_boards_shortlist_json(app, client):
    with app.app_context():
        union = add_union()
        add_coordinator(union)
        add_volunteer("Ann Able", union=union)
        add_volunteer("Far Away", lat=51.5, lon=-0.12)
    post_need(client, details="Two bags of shopping")
    drain(app)
    with app.app_context():
        need_id = db.session.scalar(sa.select(Match.need_id))
    with time_machine.travel(datetime.now(UTC), tick=False):
        rosa = as_user(app, ROSA)
        from_api = rosa.get(f"/api/v1/needs/{need_id}/shortlist").get_json()
        assert from_api == rosa.get(f"/board/needs/{need_id}/shortlist.json").get_json()
    schema = schemathesis.openapi.from_dict(app.test_client().get("/api/v1/openapi.json").get_json())
    schema["/needs/{need_id}/shortlist"]["GET"].validate_response(rosa.get(f"/api/v1/needs/{need_id}/shortlist"))
    assert from_api["need_id"] == need_id and [c["name"] for c in from_api["candidates"]] == ["Ann Able"]
    assert [e["name"] for e in from_api["excluded"]] == ["Far Away"]


def test_openapi_document_is_public_valid_and_describes_the_real_routes_and_values(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.content_type == "application/json"
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    schemathesis.openapi.from_dict(document).validate()  # against the OpenAPI 3.1 meta-schema
    for name, schema in document["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name
    enums = {name: document["components"]["schemas"][name]["enum"] for name in ("Category", "Urgency", "NeedStatus")}
    assert enums == {"Category": [c.value for c in Category], "Urgency": [u.value for u in Urgency],
                     "NeedStatus": [s.value for s in NeedStatus]}
    routes = app.url_map.bind("")
    for path, operations in document["paths"].items():
        endpoint, _args = routes.match("/api/v1" + path.replace("{need_id}", "1"), method="GET")
        assert endpoint.startswith("api.") and endpoint != "api.unknown" and set(operations) == {"get"}


def test_the_api_answers_as_its_openapi_document_says(app, world):
    """Generated requests, valid and invalid, as a logged-in coordinator: every answer matches the document."""
    cookie = as_user(app, ROSA).get_cookie("session").value
    # Given as the document's own security scheme, so Schemathesis also tries requests without it.
    config = schemathesis.Config.from_dict({"auth": {"openapi": {"session": {"api_key": cookie}}}})
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    # (Schemathesis leaves out the operation serving the document itself.)
    assert {o.label for o in operations} == {"GET /needs", "GET /needs/{need_id}", "GET /needs/{need_id}/shortlist",
                                             "GET /things", "GET /bookings"}
    statuses = Counter()
    for operation in operations:
        for mode in GenerationMode:
            run_generated(operation, mode, statuses)
        if "{need_id}" in operation.path:  # random ids are all 404s: also ask about real ones
            for need_id in (world["urgent"], world["bristol"]):
                run_generated(operation, GenerationMode.POSITIVE, statuses, path_parameters={"need_id": need_id})
    assert statuses["GET /needs", "positive", 200] and statuses["GET /needs", "negative", 400]  # it got in
    for label in ("GET /needs/{need_id}", "GET /needs/{need_id}/shortlist"):
        assert statuses[label, "positive", 200] and statuses[label, "positive", 403] and statuses[label, "positive", 404]


def run_generated(operation, mode, statuses, **fixed):
    """Up to 50 generated requests to one operation; each answer is checked against the document."""
    @settings(max_examples=50, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode, **fixed))
    def conforms(case):
        # Schemathesis's in-process transport does not decompress: ask for the body as it is.
        response = case.call_and_validate(headers={"Accept-Encoding": "identity"})
        statuses[operation.label, mode.value, response.status_code] += 1

    conforms()
