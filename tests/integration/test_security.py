"""CSRF, security headers, sessions that really end, and errors that explain without leaking."""
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import sqlalchemy as sa

from aid.extensions import db
from aid.models import Need, User
from tests.conftest import PASSWORD
from tests.factories import add_union, add_volunteer, login, need_form


def _csrf(page):
    return re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()


def test_a_post_without_a_csrf_token_is_refused_with_a_clear_message(make):
    app = make(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    refused = client.post("/login", data={"email": "a@example.org", "password": "x"})
    assert refused.status_code == 400 and b"expired" in refused.data
    assert client.post("/ask", data=need_form()).status_code == 422  # shown again, not stored
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Need)) == 0
    token = _csrf(client.get("/ask").data)
    assert client.post("/ask", data={**need_form(), "csrf_token": token}).status_code == 303


def test_htmx_requests_carry_the_csrf_token_in_a_header(make):
    app = make(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/ask").data
    header = re.search(rb'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page).group(1).decode()
    response = client.post("/ask", data=need_form(), headers={"HX-Request": "true", "X-CSRFToken": header})
    assert response.status_code == 200 and response.headers["HX-Redirect"].startswith("/t/")


def test_every_response_has_security_headers_and_a_csp_without_inline_code(client):
    for response in (client.get("/"), client.get("/ask", headers={"HX-Request": "true"}),
                     client.get("/nope"), client.post("/t/x/cancel"), client.get("/board/")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    page = client.get("/ask").data.decode()
    assert "<script>" not in page and " style=" not in page and "onclick" not in page


def test_an_unexpected_error_is_a_friendly_500_page(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    assert response.status_code == 500
    assert b"went wrong on our side" in response.data and b"secret internals" not in response.data
    assert "Content-Security-Policy" in response.headers


def test_passwords_are_stored_as_argon2_hashes(app, client):
    client.post("/signup", data={"name": "Dee", "email": "dee@example.org", "password": "long enough pw"})
    with app.app_context():
        stored = db.session.scalar(sa.select(User.password_hash))
    assert stored.startswith("$argon2id$") and "long enough pw" not in stored


def test_logout_ends_the_session_even_for_a_copied_cookie(app, client):
    with app.app_context():
        add_volunteer("Ann Able")
    login(client, "ann.able@example.org")
    stolen = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/me/").status_code == 302  # sent to the login page


def test_remember_me_cookie_is_secure_httponly_lax_and_short_lived(app, client):
    with app.app_context():
        add_volunteer("Ann Able")
    response = client.post("/login", data={"email": "ann.able@example.org", "password": PASSWORD, "remember": "y"})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    assert expires <= datetime.now(UTC) + timedelta(days=14, minutes=1)


def test_a_wrong_password_gets_the_same_answer_as_an_unknown_email(app, client):
    with app.app_context():
        add_volunteer("Ann Able")
    wrong = client.post("/login", data={"email": "ann.able@example.org", "password": "nope"})
    unknown = client.post("/login", data={"email": "who@example.org", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 422
    assert b"do not match an account" in wrong.data and b"do not match an account" in unknown.data


def test_login_is_rate_limited(make):
    client = make(RATELIMIT_ENABLED=True).test_client()
    codes = [client.post("/login", data={"email": "x@example.org", "password": "y"}).status_code for _ in range(12)]
    assert codes[0] == 422 and codes[-1] == 429


def test_volunteer_and_board_pages_need_the_right_login(app, client):
    with app.app_context():
        add_union()
        add_volunteer("Ann Able")
    assert client.get("/me/").status_code == 302 and client.get("/board/").status_code == 302
    login(client, "ann.able@example.org")
    assert client.get("/board/").status_code == 403
    assert client.get("/me/tasks/999").status_code == 404


def test_an_expired_form_token_on_ask_keeps_everything_typed_and_asks_to_send_again(make):
    client = make(WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/ask", data={**need_form(details="Please bring water"), "csrf_token": "stale"},
                           headers={"HX-Request": "true", "HX-Boosted": "true"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Please bring water" in page and "press “Send my request” again" in page
    token = _csrf(page.encode())
    assert client.post("/ask", data={**need_form(details="Please bring water"), "csrf_token": token}).status_code == 303


def test_errors_show_to_a_person_but_never_replace_a_polled_fragment(client):
    shown = client.post("/t/unknown/cancel", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert shown.status_code == 404 and b"could not find that page" in shown.data and "HX-Reswap" not in shown.headers
    polled = client.get("/t/unknown", headers={"HX-Request": "true"})
    assert polled.status_code == 404 and polled.headers["HX-Reswap"] == "none"


def test_the_chosen_language_survives_login_and_a_cached_page_is_not_served_in_another(app, client):
    with app.app_context():
        add_volunteer("Ann Able")
    client.post("/language", data={"lang": "es"})
    login(client, "ann.able@example.org")
    assert 'lang="es"' in client.get("/me/").get_data(as_text=True)
    poll = {"HX-Request": "true"}
    spanish = client.get("/me/badge", headers=poll).headers["ETag"]
    assert client.get("/me/badge", headers={**poll, "If-None-Match": spanish}).status_code == 304
    client.post("/language", data={"lang": "ar"})
    assert client.get("/me/badge", headers={**poll, "If-None-Match": spanish}).status_code == 200
