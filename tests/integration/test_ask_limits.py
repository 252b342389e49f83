"""Rate limits on asking for help count floods, failures and repeats, never the people sharing one address.

Nothing is lost at the door: a need refused by a limit comes back whole with a kind message
and a Retry-After, marked for the phone's queue when it is valid.
"""
import re

import sqlalchemy as sa

from aid.extensions import db
from aid.models import Need
from tests.factories import add_union, need_form

SHELTER = "198.51.100.20"  # one shelter's wifi: everyone behind it shares this address
SAME_SITE = {"Origin": "http://localhost"}
LIMITED = "Many requests came from your connection in a short time, so yours has not been sent yet."


def limited_app(make, **limits):
    app = make(RATELIMIT_ENABLED=True, **limits)
    with app.app_context():
        add_union()
    return app


def from_address(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def person(n, **overrides):
    """The n-th person at the shelter: their own need, their own phone number."""
    return need_form(**{"details": f"Person {n}: insulin and a charger", "contact_phone": f"07911 1234{n:02d}",
                        **overrides})


def stored(app):
    with app.app_context():
        return db.session.scalars(sa.select(Need.details).order_by(Need.id)).all()


def test_thirty_people_behind_one_address_all_get_their_needs_stored_within_a_minute(make):
    app = limited_app(make)
    shelter = from_address(app, SHELTER)
    codes = []
    for n in range(30):
        if n % 3 == 0:  # a third of them make a mistake first, and correct it
            codes.append(shelter.post("/ask", data=person(n, contact_phone="12")).status_code)
        codes.append(shelter.post("/ask", data=person(n)).status_code)
    assert codes.count(303) == 30 and set(codes) == {303, 422}, codes
    assert len(stored(app)) == 30


def test_a_flood_of_invalid_posts_from_one_address_is_limited_but_a_valid_need_still_goes_in(make):
    app = limited_app(make)
    flood = from_address(app, SHELTER)
    codes = [flood.post("/ask", data=need_form(details="")).status_code for _ in range(11)]
    assert codes == [422] * 10 + [429]
    assert flood.post("/ask", data=person(1)).status_code == 303  # a real person behind the same address
    assert stored(app) == ["Person 1: insulin and a charger"]


def test_the_same_need_over_and_over_is_limited_from_any_address(make):
    app = limited_app(make, RATELIMIT_ASK_REPEATS="3 per 10 minutes")
    codes = [from_address(app, f"203.0.113.{n}").post("/ask", data=person(7, same_anyway="yes")).status_code
             for n in range(5)]
    assert codes == [303, 303, 303, 429, 429]
    other = from_address(app, "203.0.113.1").post("/ask", data=person(8))
    assert other.status_code == 303  # another person's need is not a repeat


def test_a_limited_valid_need_comes_back_whole_with_a_kind_message_and_when_to_retry(make):
    app = limited_app(make, RATELIMIT_ASK_ADDRESS="2 per minute")
    shelter = from_address(app, SHELTER)
    assert [shelter.post("/ask", data=person(n)).status_code for n in range(2)] == [303, 303]
    typed = person(3, urgency="critical", category="medicine", address="Flat 2, 1 Station Road",
                   client_id="3f9a1c2b-7d5e-4f60-9a1b-2c3d4e5f6a7b")
    response = shelter.post("/ask", data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 60
    assert LIMITED in page and "Please wait 1 minute, then press “Send my request” again." in page
    assert f'data-held="{wait}"' in page  # valid: the page keeps it in the phone's queue, sent after the wait
    assert "Person 3: insulin and a charger</textarea>" in page
    assert 'value="Flat 2, 1 Station Road"' in page and 'value="+447911123403"' in page
    assert re.findall(r'<input checked[^>]*value="(\w+)"', page) == ["medicine", "critical"]
    assert 'value="3f9a1c2b-7d5e-4f60-9a1b-2c3d4e5f6a7b"' in page  # sent later, it is the same need
    assert len(stored(app)) == 2


def test_an_htmx_submission_gets_the_limited_form_to_swap_in(make):
    app = limited_app(make, RATELIMIT_ASK_ADDRESS="1 per minute")
    shelter = from_address(app, SHELTER)
    shelter.post("/ask", data=person(1))
    fragment = shelter.post("/ask", data=person(2), headers={"HX-Request": "true"})
    boosted = shelter.post("/ask", data=person(2), headers={"HX-Request": "true", "HX-Boosted": "true"})
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == boosted.status_code == 429
    assert text.lstrip().startswith('<form id="ask-form"') and LIMITED in text and "Person 2" in text
    assert "<html" in boosted.get_data(as_text=True) and LIMITED in boosted.get_data(as_text=True)
    assert "HX-Reswap" not in fragment.headers and "HX-Request, HX-Boosted" in fragment.headers["Vary"]


def test_a_limited_invalid_post_shows_what_to_correct_and_is_not_queued(make):
    app = limited_app(make, RATELIMIT_ASK_FAILURES="1 per minute")
    shelter = from_address(app, SHELTER)
    assert shelter.post("/ask", data=person(1, contact_phone="12")).status_code == 422
    response = shelter.post("/ask", data=person(1, contact_phone="13"))
    page = response.get_data(as_text=True)
    assert response.status_code == 429 and LIMITED in page
    assert "That number is too short" in page and "data-held" not in page
    assert stored(app) == []


def test_one_phone_number_is_limited_by_needs_stored_not_by_hints_or_addresses(make):
    app = limited_app(make, RATELIMIT_ASK_CONTACT="2 per hour")
    same_phone = {"contact_phone": "07911 123499"}
    first = from_address(app, "203.0.113.1").post("/ask", data=need_form(details="Bread", **same_phone))
    hint = from_address(app, "203.0.113.2").post("/ask", data=need_form(details="Bread again", **same_phone))
    assert (first.status_code, hint.status_code) == (303, 200)  # "is this the same?" is not a stored need
    second = from_address(app, "203.0.113.3").post("/ask", data=need_form(details="A tarp", category="shelter",
                                                                            **same_phone))
    third = from_address(app, "203.0.113.4").post("/ask", data=need_form(details="A lift", category="transport",
                                                                          **same_phone))
    assert (second.status_code, third.status_code) == (303, 429)
    assert from_address(app, "203.0.113.4").post("/ask", data=person(5)).status_code == 303
    assert stored(app) == ["Bread", "A tarp", "Person 5: insulin and a charger"]


def test_the_offline_replay_shares_the_counters_and_says_when_to_retry(make):
    app = limited_app(make, RATELIMIT_ASK_ADDRESS="1 per minute")
    shelter = from_address(app, SHELTER)
    assert shelter.post("/ask", data=person(1)).status_code == 303
    replay = shelter.post("/ask/replay", data=person(2, client_id="3f9a1c2b-7d5e-4f60-9a1b-2c3d4e5f6a7b"),
                          headers=SAME_SITE)
    assert replay.status_code == 429 and int(replay.headers["Retry-After"]) >= 1
    assert from_address(app, "203.0.113.9").post("/ask/replay", data=person(2, client_id="3f9a1c2b-7d5e-4f60-9a1b-"
                                                                             "2c3d4e5f6a7b"),
                                                 headers=SAME_SITE).status_code == 201
    assert len(stored(app)) == 2
