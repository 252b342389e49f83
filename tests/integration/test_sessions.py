"""Pages that load at once never overwrite each other's session cookie.

The session lives in a cookie, so two requests sent with the same cookie race: the answer
that arrives last wins. A phone loads several at once (the page, its badge poll, the
service worker fetching pages to keep offline): an answer that rewrites the session from an
old cookie undoes what the other just did, such as a language chosen or a login's forms.
"""
import re

import pytest

from aid.extensions import db
from tests.conftest import PASSWORD
from tests.factories import add_union, add_volunteer


def _csrf(page):
    return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()


def _both_with(app, cookie, first, second):
    """Send two requests with the same session cookie, as if at once; the second answers last.

    Returns both responses and the session cookie the browser keeps afterwards.
    """
    kept = cookie
    responses = []
    for method, path, data in (first, second):
        client = app.test_client()
        client.set_cookie("session", cookie)
        response = client.open(path, method=method, data=data)
        if any(header.startswith("session=") for header in response.headers.getlist("Set-Cookie")):
            kept = client.get_cookie("session").value
        responses.append(response)
    return responses, kept


@pytest.fixture
def csrf_app(make):
    return make(WTF_CSRF_ENABLED=True)


def test_a_language_chosen_survives_a_page_loading_at_the_same_time(csrf_app):
    client = csrf_app.test_client()
    token = _csrf(client.get("/").data)  # a first visit
    fresh = client.get_cookie("session").value
    _, kept = _both_with(csrf_app, fresh, ("POST", "/language", {"lang": "ar", "csrf_token": token}),
                         ("GET", "/ask", None))
    client.set_cookie("session", kept)
    assert '<html lang="ar" dir="rtl">' in client.get("/").get_data(as_text=True)


def test_forms_of_pages_loaded_together_after_a_login_are_all_accepted(csrf_app):
    with csrf_app.app_context():
        add_volunteer("Sam Helper", union=add_union())
        db.session.commit()
    client = csrf_app.test_client()
    token = _csrf(client.get("/login").data)
    logged_in = client.post("/login", data={"email": "sam.helper@example.org", "password": PASSWORD,
                                            "csrf_token": token})
    assert logged_in.status_code == 303
    (offers, _), kept = _both_with(csrf_app, client.get_cookie("session").value,
                                   ("GET", "/me/", None), ("GET", "/ask", None))
    client.set_cookie("session", kept)
    snoozed = client.post("/me/snooze", data={"hours": "1", "csrf_token": _csrf(offers.data)})
    assert snoozed.status_code == 303, re.sub(r"\s+", " ", snoozed.get_data(as_text=True))[-1500:]
