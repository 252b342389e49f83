"""Web push end to end: devices subscribe from the profile, offers arrive encrypted, gone devices are dropped."""
import json
import re

import pytest
import sqlalchemy as sa

from aid.adapters.push import new_vapid_keys
from aid.extensions import db
from aid.models import Match, OutboxMessage, OutboxState, PushSubscription, User
from tests.factories import add_union, add_volunteer, drain, login, post_need

VAPID = new_vapid_keys()


def push_app(make, push_service=None, smtp_peer=None, **config):
    settings = dict(VAPID_PRIVATE_KEY=VAPID[0], VAPID_PUBLIC_KEY=VAPID[1], VAPID_SUBJECT="mailto:aid@example.org",
                    PUSH_HTTP_ENDPOINTS=True, SEND_TIMEOUT=5)
    if smtp_peer:
        settings["SMTP_URL"] = smtp_peer.url()
    return make(**{**settings, **config})


def volunteer_client(app, name="Ann Able"):
    with app.app_context():
        add_volunteer(name)
    client = app.test_client()
    login(client, f"{name.lower().replace(' ', '.')}@example.org")
    return client


def subscribe(client, subscriber, **extra):
    return client.post("/me/push", json={**json.loads(subscriber.info()), **extra})


def devices():
    return db.session.scalars(sa.select(PushSubscription).order_by(PushSubscription.id)).all()


def outbox(kind="offer"):
    return [(r.channel, r.state) for r in db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))]


def test_an_offer_reaches_every_device_of_a_subscribed_volunteer_as_a_decrypted_push(make, push_service, smtp_peer):
    app = push_app(make, push_service, smtp_peer)
    with app.app_context():
        add_union()
    client = volunteer_client(app)
    phone, laptop = push_service.subscribe(VAPID[1]), push_service.subscribe(VAPID[1])
    assert subscribe(client, phone).status_code == 201
    assert subscribe(client, laptop).status_code == 201

    post_need(app.test_client())
    drain(app)

    with app.app_context():
        match_id = db.session.scalar(sa.select(Match.id))
        assert outbox() == [("push", OutboxState.SENT)]
        assert all(device.last_used_at is not None for device in devices())
    assert sorted(p.subscriber.path for p in push_service.pushes) == sorted([phone.path, laptop.path])
    payload = push_service.pushes[0].payload
    assert payload["url"] == f"/me/#offer-{match_id}"
    assert payload["title"].startswith("Lewes") and "about 1 km from you" in payload["body"]
    assert [(a["action"], a.get("url")) for a in payload["actions"]] == [
        ("accept", f"/me/offers/{match_id}/accept"), ("see", None)]
    assert 60 <= push_service.pushes[0].ttl <= 24 * 3600
    assert smtp_peer.messages == []  # push came first: they asked for it on this device


@pytest.mark.parametrize("status", [404, 410])
def test_a_gone_device_is_deleted_and_the_offer_falls_to_the_next_channel(make, push_service, smtp_peer, status):
    app = push_app(make, push_service, smtp_peer, PUBLIC_URL="https://aid.example")
    with app.app_context():
        add_union()
    client = volunteer_client(app)
    phone = push_service.subscribe(VAPID[1])
    subscribe(client, phone)
    push_service.answer[phone.path] = status

    post_need(app.test_client())
    drain(app)

    with app.app_context():
        assert devices() == []
        assert outbox() == [("push", OutboxState.FAILED), ("email", OutboxState.SENT)]
    [email] = smtp_peer.messages
    assert email.rcpt_tos == ["ann.able@example.org"]
    assert "https://aid.example/me/" in email.message.get_body(("plain",)).get_content()  # the offers page


def test_one_gone_device_of_two_is_deleted_and_the_other_still_gets_the_offer(make, push_service, smtp_peer):
    app = push_app(make, push_service, smtp_peer)
    with app.app_context():
        add_union()
    client = volunteer_client(app)
    old, new = push_service.subscribe(VAPID[1]), push_service.subscribe(VAPID[1])
    subscribe(client, old)
    subscribe(client, new)
    push_service.answer[old.path] = 410

    post_need(app.test_client())
    drain(app)

    with app.app_context():
        assert [d.endpoint for d in devices()] == [new.endpoint]
        assert outbox() == [("push", OutboxState.SENT)]
    assert [p.subscriber.path for p in push_service.pushes] == [new.path]
    assert smtp_peer.messages == []


def test_a_device_is_one_row_whoever_subscribes_it_and_a_changed_subscription_replaces_the_old(make, push_service):
    app = push_app(make, push_service)
    ann, ben = volunteer_client(app), volunteer_client(app, "Ben Baker")
    phone = push_service.subscribe(VAPID[1])
    assert subscribe(ann, phone).status_code == 201
    assert subscribe(ann, phone).status_code == 201
    assert subscribe(ben, phone).status_code == 201  # Ben logged in on the same phone
    renewed = push_service.subscribe(VAPID[1])
    assert subscribe(ben, renewed, replaces=phone.endpoint).status_code == 201  # pushsubscriptionchange
    with app.app_context():
        ben_id = db.session.scalar(sa.select(User.id).where(User.email == "ben.baker@example.org"))
        assert [(d.endpoint, d.user_id) for d in devices()] == [(renewed.endpoint, ben_id)]
        assert db.session.get(User, ben_id).volunteer.channel_list[0] == "push"


def test_unsubscribing_forgets_only_your_own_device(make, push_service):
    app = push_app(make, push_service)
    ann, ben = volunteer_client(app), volunteer_client(app, "Ben Baker")
    anns, bens = push_service.subscribe(VAPID[1]), push_service.subscribe(VAPID[1])
    subscribe(ann, anns)
    subscribe(ben, bens)

    assert ann.post("/me/push/delete", json={"endpoint": bens.endpoint}).json == {"deleted": False}
    assert ann.post("/me/push/delete", json={"endpoint": anns.endpoint}).json == {"deleted": True}
    with app.app_context():
        assert [d.endpoint for d in devices()] == [bens.endpoint]


@pytest.mark.parametrize("body", [
    b"{not json", b"[1, 2]", b'"text"', b"{}", b'{"endpoint": "https://push.example/x"}',
    b'{"endpoint": 5, "keys": {}}',
    b'{"endpoint": "https://push.example/x", "keys": {"p256dh": "AAAA", "auth": "AAAA"}}',
    b'{"endpoint": "ftp://push.example/x", "keys": {"p256dh": "@@@", "auth": "!"}}',
])
def test_a_bad_subscription_is_a_400_and_stores_nothing(make, body):
    app = push_app(make)
    client = volunteer_client(app)
    response = client.post("/me/push", data=body, content_type="application/json")
    assert response.status_code == 400 and "error" in response.json
    assert client.post("/me/push/delete", data=body, content_type="application/json").status_code in (200, 400)
    with app.app_context():
        assert devices() == []


def test_an_http_endpoint_is_refused_unless_allowed(make, push_service):
    app = push_app(make, PUSH_HTTP_ENDPOINTS=False)
    client = volunteer_client(app)
    assert subscribe(client, push_service.subscribe(VAPID[1])).status_code == 400


def test_subscribing_needs_a_volunteer_login_and_the_csrf_header(make, push_service):
    app = push_app(make, WTF_CSRF_ENABLED=True)
    with app.app_context():
        add_volunteer("Ann Able")
    phone = json.loads(push_service.subscribe(VAPID[1]).info())
    client = app.test_client()

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").text).group(1)
    assert client.post("/me/push", json=phone).status_code == 400  # no CSRF header, no login
    anonymous = client.post("/me/push", json=phone, headers={"X-CSRFToken": token})
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["Location"]
    assert client.get("/me/push").status_code in (302, 303)
    client.post("/login", data={"email": "ann.able@example.org", "password": "correct horse battery",
                                "csrf_token": token})
    page = client.get("/me/profile").text
    assert client.post("/me/push", json=phone).status_code == 400  # no CSRF header
    assert client.post("/me/push/delete", json={"endpoint": phone["endpoint"]}).status_code == 400
    header = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page).group(1)
    assert client.post("/me/push", json=phone, headers={"X-CSRFToken": header}).status_code == 201
    settings = client.get("/me/push").json  # what the service worker reads to re-subscribe
    assert settings["key"] == VAPID[1]
    assert client.post("/me/push/delete", json={"endpoint": phone["endpoint"]},
                       headers={"X-CSRFToken": settings["csrf"]}).json == {"deleted": True}


def test_the_profile_offers_notifications_only_when_push_is_configured(make):
    app = push_app(make)
    client = volunteer_client(app)
    page = client.get("/me/profile").text
    assert "Get offers as notifications on this phone" in page and f'data-key="{VAPID[1]}"' in page

    bare = make()
    client = bare.test_client()
    login(client, "ann.able@example.org")
    assert "Get offers as notifications" not in client.get("/me/profile").text
    assert client.post("/me/push", json={}).status_code == 404
    assert client.get("/me/push").status_code == 404


def test_your_data_lists_your_devices_and_deleting_the_account_forgets_them(make, push_service):
    app = push_app(make, push_service)
    client = volunteer_client(app)
    subscribe(client, push_service.subscribe(VAPID[1]))

    [device] = client.get("/me/data.json").json["push_devices"]
    assert device["push_service"] == "127.0.0.1" and device["created_at"] and device["last_used_at"] is None
    client.post("/me/delete", data={"password": "correct horse battery"})
    with app.app_context():
        assert devices() == []


def test_choosing_sms_or_email_order_in_the_profile_keeps_notifications_first(app, ctx):
    from aid.services import phones

    volunteer = add_volunteer("Pia Push", union=add_union(), channels="push,email")
    phones.set_reach(volunteer, "sms,email", "+447700900555")
    assert volunteer.channel_list == ["push", "sms", "email"]
    assert phones.order_of(volunteer) == "sms,email"
