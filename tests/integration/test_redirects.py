"""Nobody is redirected away: every `next` stays on this site; pages behind private links stay out of search."""
from datetime import timedelta
from urllib.parse import unquote

import pytest

from aid.extensions import db
from aid.models import utcnow
from aid.services import invitations
from aid.web.htmx import local_target
from tests.conftest import PASSWORD
from tests.factories import add_union, add_volunteer, post_need

# As they would arrive in a query string (percent-encoded); each has taken some browser off-site.
BYPASSES = [
    "//evil.example", "///evil.example", "/%5Cevil.example", "%5C/evil.example", "%5C%5Cevil.example",
    "/%09/evil.example", "/%0D/evil.example", "/%0A/evil.example", "/%5Ct/evil.example",
    "https://evil.example", "http:evil.example", "HTTPS:/evil.example", "/%2F/evil.example",
    "/%2f%2fevil.example", "/%252F/evil.example", "/%255Cevil.example", "javascript:alert(1)",
    "%20/evil.example", "%20//evil.example", "/%EF%BC%8Fevil.example", "%EF%BC%8F%EF%BC%8Fevil.example",
    "/%0D%0ALocation:%20https://evil.example", "/%00/evil.example", "/%E2%80%A8/evil.example",
    "evil.example", "", "/" + "a" * 3000,
]
FINE = ["/me/", "/invite/abc-DEF_123", "/t/tok?x=1#thread", "/board/?urgency=high&column=open"]


@pytest.mark.parametrize("raw", BYPASSES)
def test_a_redirect_target_off_this_site_is_refused(raw):
    assert local_target(unquote(raw)) is None


@pytest.mark.parametrize("target", FINE)
def test_a_path_on_this_site_is_kept_as_it_is(target):
    assert local_target(target) == target


def test_login_never_sends_anyone_off_site_with_or_without_htmx(app, client):
    with app.app_context():
        add_volunteer("Ann Able")
    form = {"email": "ann.able@example.org", "password": PASSWORD}
    for raw in BYPASSES:
        plain = client.post(f"/login?next={raw}", data=form)
        assert (plain.status_code, plain.headers["Location"]) == (303, "/me/"), raw
        htmx = client.post(f"/login?next={raw}", data=form, headers={"HX-Request": "true"})
        assert (htmx.status_code, htmx.headers["HX-Redirect"]) == (200, "/me/"), raw
    kept = client.post("/login?next=/invite/abc-DEF_123", data=form, headers={"HX-Request": "true"})
    assert kept.headers["HX-Redirect"] == "/invite/abc-DEF_123"


def test_signup_with_a_next_never_sends_anyone_off_site(client):
    """An unsafe `next` counts as none: the newcomer lands on their profile."""
    for number, raw in enumerate(BYPASSES):
        person = {"name": "Bea", "email": f"bea{number}@example.org", "password": "long enough pw"}
        response = client.post(f"/signup?next={raw}", data=person)
        assert response.status_code == 303 and response.headers["Location"] == "/me/profile", raw


def test_the_language_switch_never_sends_anyone_off_site(client):
    for raw in BYPASSES:
        response = client.post("/language", data={"lang": "es", "next": unquote(raw)}, headers={"HX-Request": "true"})
        assert (response.status_code, response.headers["HX-Redirect"]) == (200, "/"), raw
    assert client.post("/language", data={"lang": "en", "next": "/ask"}).headers["Location"] == "/ask"
    htmx = client.post("/language", data={"lang": "en", "next": "/ask?q=é"}, headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/ask?q=%C3%A9"  # headers must be latin-1 for a real server


def _noindex(response):
    header = response.headers.get("X-Robots-Tag", "")
    meta = '<meta name="robots" content="noindex, nofollow">' in response.get_data(as_text=True)
    return "noindex" in header and "nofollow" in header, meta


def test_pages_behind_a_private_link_ask_not_to_be_indexed(app, client):
    with app.app_context():
        add_union()
        token = post_need(client)
        invitation, _found = invitations.invite(add_union("Ringmer"), None, utcnow())
        expired, _found = invitations.invite(add_union("Kingston"), None, utcnow() - timedelta(days=30))
        db.session.commit()
    for path in (f"/t/{token}", f"/t/{token}/edit", f"/invite/{invitation}", f"/invite/{expired}", "/t/unknown",
                 f"/login?next=/invite/{invitation}"):
        assert _noindex(client.get(path)) == (True, True), path
    fragment = client.get(f"/t/{token}", headers={"HX-Request": "true"})
    assert _noindex(fragment)[0], "the polled fragment carries the header too"
    assert _noindex(client.post(f"/t/{token}/messages", data={"body": "hello"}))[0]
    assert _noindex(client.get("/ask")) == (False, False)  # public pages may be found
