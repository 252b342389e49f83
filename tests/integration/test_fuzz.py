"""No 5xx for anything a person or a client can send: every route and method, junk in every parameter."""
import inspect
import os
import re
from collections import Counter
from urllib.parse import quote

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from aid.extensions import db
from aid.models import Coordinator, Need, Region, Union, User, utcnow
from aid.services import coordination, invitations
from aid.web import admin, forms, thing_forms
from tests.conftest import PASSWORD
from tests.factories import add_coordinator, add_union, add_volunteer, drain, login, need_form, post_need

EXAMPLES = int(os.environ.get("AID_FUZZ_EXAMPLES", "400"))  # per database; about 10 s on PostgreSQL
FIGURES = Counter()  # requests sent and 5xx answers, by database (printed with -s)

# Every field of every form, and the names the views read from the query string or the form by hand.
BY_HAND = {"volunteer_id", "match_id", "into", "reason", "place", "hours", "lang", "next", "older_than_hours",
           "column", "urgency", "category", "skill", "status", "v", "personal", "hub", "csrf_token",
           "slot_id", "thing_id"}
FORM_FIELDS = {name for module in (forms, admin, thing_forms) for _n, cls in inspect.getmembers(module, inspect.isclass)
               if issubclass(cls, forms.Form) for name, value in inspect.getmembers(cls)
               if isinstance(value, UnboundField)}
PARAMS = sorted(BY_HAND | FORM_FIELDS)
ROLES = {"board": "coordinator", "api": "coordinator", "admin": "coordinator", "volunteer": "volunteer",
         "things": "volunteer", "bookings": "volunteer", "hub": "coordinator"}

NASTY = [
    "", " ", "\t", "\n", "\r\n", "\x00", "\x1b", "\x7f", "\u2028", "0", "-1", "1", "+1", "01", " 1", "1 ",
    "2147483647", "2147483648", "-2147483649", "9223372036854775808", "1" * 30, "1" * 5000, "1e309", "NaN", "inf",
    "-0", "0x10", "1_000", "1.5", "²", "¹⁰", "٤٨٢١", "۴", "１２", "𝟙", "//evil.example", "/\\evil.example",
    "/\t/evil.example", "javascript:alert(1)", "https://evil.example", "／／evil", "{", "[]", "%ff", "<b>x</b>",
    "en", "ar", "food", "critical", "open", "duplicate", "y", "yes", "1,5", "12:00", "25:99", "50.87", "-91",
]
JUNK_JSON = [b"{", b"[", b"[1]", b'"x"', b"1", b"null", b'{"a": [1, 2]}', b'{"body": null}', b"\xff\xfe\x00",
             b"\xc3\x28", b'{"a": "\xff"}']
JUNK_FORM = [b"\xff\xfe=\x80", b"body=%ff%fe", b"into=%C2%B2&volunteer_id=%D9%A4", b"=&&=", b"a" * 3000]
PATH_JUNK = ["²", "¹⁰", "٤", "１", "-1", "0", "2147483648", "99999999999999999999", "1" * 5000, "x", "%", " ",
             "\n", "..", "a/b", "\x00"]


def _world(app, client):
    """Two needs (one offered to Ann, one assigned to her), a coordinator of the union and of its region."""
    with app.app_context():
        region = Region(name="East Sussex")
        union = add_union()
        union.region = region
        ann, rosa = add_volunteer("Ann Able", union=union), add_coordinator(union)
        db.session.add(Coordinator(user_id=rosa.id, region_id=region.id))
        db.session.commit()
        ann, rosa, union, region = ann.id, rosa.id, union.id, region.id
    tokens = [post_need(client), post_need(client, details="A lift", same_anyway="yes")]
    drain(app)  # the matcher may have offered them to Ann already
    with app.app_context():
        needs, coordinator = db.session.scalars(sa.select(Need).order_by(Need.id)).all(), db.session.get(User, rosa)
        if not needs[0].matches:
            coordination.offer_to(needs[0], ann, coordinator, utcnow())
        coordination.assign(needs[1], ann, coordinator, utcnow())
        invitation, _found = invitations.invite(db.session.get(Union, union), None, utcnow())
        db.session.commit()
        ids = {n.id for n in needs} | {m.id for n in needs for m in n.matches} | {ann, union, region}
        return dict(ids=sorted(ids), tokens=[*tokens, invitation])


class Visitor:
    """A test client of one role, logged in again whenever a fuzzed request ended its session."""

    def __init__(self, app, email):
        self.app, self.email = app, email
        self.fresh()

    def fresh(self):
        self.client = self.app.test_client()
        self.token = self._token()
        if self.email:
            answer = self.client.post("/login", data={"email": self.email, "password": PASSWORD},
                                      headers={"X-CSRFToken": self.token})
            assert answer.status_code == 303
            self.token = self._token()  # a login starts a new session

    def _token(self):
        page = self.client.get("/ask").get_data(as_text=True)
        return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


def _value(world):
    return st.one_of(st.sampled_from(NASTY), st.integers().map(str), st.sampled_from(world["ids"]).map(str),
                     st.text(st.characters(exclude_categories=["Cs"]), max_size=20))


def _path_value(converter, world):
    kind = type(converter).__name__
    if kind in {"IntegerConverter", "IdConverter"}:
        real = st.sampled_from(world["ids"]).map(str)
        return st.one_of(real, real, real, real, st.integers(-5, 2**70).map(str), st.sampled_from(PATH_JUNK))
    if kind == "PathConverter":
        return st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
    return st.one_of(st.sampled_from(world["tokens"]), st.sampled_from(PATH_JUNK),
                     st.text(st.characters(exclude_categories=["Cs"]), max_size=30))


@st.composite
def requests(draw, app, world):
    """A request to any rule of the app, in any of its methods, with junk in its path, query and body."""
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))
    rule = draw(st.sampled_from(rules))
    method = draw(st.sampled_from(sorted(rule.methods - {"OPTIONS"})))
    path = rule.rule
    for name, converter in rule._converters.items():
        value = draw(_path_value(converter, world))
        path = re.sub(rf"<(?:[^:>]+:)?{name}>", quote(value, safe="/" if type(converter).__name__ == "PathConverter"
                                                              else ""), path, count=1)
    names = st.sampled_from(PARAMS + 4 * sorted(BY_HAND))  # the names read by hand are the riskier ones
    params = draw(st.dictionaries(names, _value(world), min_size=1, max_size=20))
    query = draw(st.one_of(st.just(params if method == "GET" else {}), st.dictionaries(
        st.sampled_from(PARAMS), _value(world), max_size=3), st.sampled_from(["older_than_hours=%C2%B2",
                                                                              "next=%ff%0a", "v=%00&%=", "next=/%09/evil.example"])))
    body = {}
    if method not in {"GET", "HEAD"}:
        body = draw(st.sampled_from([
            dict(data=params), dict(data=params), dict(data={**need_form(), **params}),
            dict(data=draw(st.sampled_from(JUNK_JSON)), content_type="application/json"),
            dict(data=draw(st.sampled_from(JUNK_FORM)), content_type="application/x-www-form-urlencoded")]))
    headers = draw(st.sampled_from([{}, {"HX-Request": "true"}, {"HX-Request": "true", "HX-Boosted": "true"}]))
    home = ROLES.get(rule.endpoint.split(".")[0], "anonymous")  # mostly the role the route is for
    role = draw(st.sampled_from([home, home, home, "anonymous", "volunteer", "coordinator"]))
    csrf = draw(st.sampled_from(["good", "good", "good", "none", "junk"]))
    return dict(rule=rule, method=method, path=path, query=query, body=body, headers=headers, role=role, csrf=csrf)


def test_no_request_anyone_can_send_gets_a_5xx(make, database):
    setup = make()
    world = _world(setup, setup.test_client())
    app = make(WTF_CSRF_ENABLED=True)
    visitors = {"anonymous": Visitor(app, None), "volunteer": Visitor(app, "ann.able@example.org"),
                "coordinator": Visitor(app, "rosa.coord@example.org")}

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.data())
    def send(data):
        sent = data.draw(requests(app, world))
        visitor = visitors[sent["role"]]
        headers = dict(sent["headers"])
        if sent["csrf"] != "none":
            headers["X-CSRFToken"] = visitor.token if sent["csrf"] == "good" else "junk"
        response = visitor.client.open(sent["path"], method=sent["method"], query_string=sent["query"],
                                       headers=headers, **sent["body"])
        FIGURES[f"{database.backend} requests"] += 1
        FIGURES[f"{database.backend} 5xx"] += response.status_code >= 500
        assert response.status_code < 500, (sent, response.get_data(as_text=True)[:500])
        if sent["rule"].endpoint.startswith("auth.") or (visitor.email and response.status_code == 302):
            visitor.fresh()  # logged out, or logged in as someone else: start that role again

    send()
    print(f"\nfuzzed: {dict(FIGURES)}")  # shown with -s


# The 5xx answers found by fuzzing before; each is kept as a case of its own.
BAD_NUMBERS = ["2147483648", "99999999999999999999", "9" * 5000, "-1", "²", "¹⁰", "1²", " ", "", "0x1", "1.0"]


def _board(app, client):
    with app.app_context():
        union = add_union()
        ann, rosa = add_volunteer("Ann Able", union=union).id, add_coordinator(union).email
    token = post_need(client)
    drain(app)
    login(client, rosa)
    with app.app_context():
        return ann, db.session.scalar(sa.select(Need.id)), token


def test_numbers_out_of_range_or_not_digits_in_the_boards_forms_are_refused_with_a_message(app, client):
    _ann, need, _token = _board(app, client)
    for action, field in [("offer", "volunteer_id"), ("assign", "volunteer_id"), ("release", "match_id"),
                          ("merge", "into")]:
        for value in BAD_NUMBERS:
            response = client.post(f"/board/needs/{need}/{action}", data={field: value})
            assert response.status_code == 303, (action, value, response.status_code)
            page = client.get(f"/board/needs/{need}").get_data(as_text=True)
            assert 'class="flash flash-error"' in page, (action, value)


def test_superscript_and_huge_hours_on_the_board_filter_are_ignored(app, client):
    _board(app, client)
    for value in ["²", "¹⁰", "99999999999999999999", "-3", "1e3"]:
        response = client.get("/board/", query_string={"older_than_hours": value})
        assert response.status_code == 200 and "Groceries for two days" in response.get_data(as_text=True), value
    for value in ["72", "٧٢"]:  # Arabic-Indic digits are digits
        assert "Groceries" not in client.get("/board/", query_string={"older_than_hours": value}).get_data(as_text=True)


def test_ids_in_the_path_beyond_the_database_or_not_ascii_digits_are_404s(app, client):
    _board(app, client)
    for value in ["2147483648", "99999999999999999999", "²", "%C2%B9%E2%81%B0"]:
        assert client.get(f"/board/needs/{value}").status_code == 404, value


def test_a_junk_json_body_is_a_4xx_on_every_form_even_with_an_expired_token(make):
    client = make(WTF_CSRF_ENABLED=True).test_client()
    token = post_need(make().test_client())
    for body in JUNK_JSON:
        for path in ("/ask", "/login", "/signup", f"/t/{token}/done", f"/t/{token}/messages"):
            response = client.post(path, data=body, content_type="application/json")
            assert 400 <= response.status_code < 500, (path, body, response.status_code)


def test_junk_json_with_a_valid_token_shows_the_form_again(make):
    client = make(WTF_CSRF_ENABLED=True).test_client()
    token = re.search(r'"X-CSRFToken": "([^"]+)"', client.get("/ask").get_data(as_text=True)).group(1)
    for body in JUNK_JSON:
        response = client.post("/login", data=body, content_type="application/json", headers={"X-CSRFToken": token})
        assert response.status_code in {400, 422}, (body, response.status_code)


def test_an_empty_message_is_refused_with_a_message_not_a_500(app, client):
    requester = app.test_client()
    ann, need, token = _board(app, client)
    client.post(f"/board/needs/{need}/assign", data={"volunteer_id": ann})
    with app.app_context():
        match = db.session.scalar(sa.select(Need).where(Need.id == need)).matches[0].id
    for body in ["", " ", "\x00"]:
        response = requester.post(f"/t/{token}/messages", data={"body": body})
        assert response.status_code == 303, body
        assert "Write a message first." in requester.get(f"/t/{token}").get_data(as_text=True)
    volunteer = app.test_client()
    login(volunteer, "ann.able@example.org")
    response = volunteer.post(f"/me/tasks/{match}/messages", data={"body": ""})
    assert response.status_code == 303
    assert "Write a message first." in volunteer.get(f"/me/tasks/{match}").get_data(as_text=True)
