"""The outbox end to end: offers by SMS through the local gateway, replies by text, retries and fallbacks."""
import re
from datetime import timedelta

import sqlalchemy as sa
import time_machine

from aid import edge
from aid.extensions import db
from aid.jobs.tasks import sweep
from aid.models import Match, MatchState, OutboxMessage, OutboxState, Volunteer, utcnow
from aid.services import follow
from aid.sms import codes, segments
from tests.conftest import at_once
from tests.factories import add_union, add_volunteer, drain, post_need

ANN, BEN = "+447700900001", "+447700900002"
GATEWAY_NUMBER = "+15005550006"


def sms_app(make, gateway, **config):
    return make(SMS_API_URL=gateway.url, SMS_ACCOUNT_SID=gateway.account_sid, SMS_AUTH_TOKEN=gateway.auth_token,
                SMS_FROM=GATEWAY_NUMBER, **config)


def texter(name, number, **fields):
    return add_volunteer(name, channels="sms,email", phone=number, phone_verified_at=utcnow(), **fields)


def texted(gateway, number):
    return [m.body for m in gateway.messages if m.to == number]


def code_in(body):
    return re.search(r"YES (\d{4})", body).group(1)


def text_in(client, gateway, number, body, sid=None, path="/sms/inbound"):
    fields = gateway.inbound_fields(number, body, to=GATEWAY_NUMBER)
    if sid:
        fields.update(MessageSid=sid, SmsSid=sid)
    response = client.post(path, data=fields, headers=gateway.signed_headers(f"http://localhost{path}", fields))
    assert response.status_code == 200, response.data[:500]
    assert b"<Response/>" in response.data
    return response


def rows(**where):
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return db.session.scalars(query).all()


def test_an_offer_reaches_a_volunteer_by_sms_with_a_reply_code_and_no_personal_data(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    with app.app_context():
        add_union()
        texter("Ann Able", ANN)
    post_need(app.test_client(), category="transport", urgency="high", address="3 Keere Street")
    drain(app)

    [body] = texted(sms_gateway, ANN)
    code = code_in(body)
    assert codes.is_valid(code) and f"NO {code}" in body
    assert body.startswith("Lewes: Transport, within a few hours, about 1 km.")
    assert segments.count(body) <= 2
    assert "Hill" not in body and "7911" not in body and "Keere" not in body
    with app.app_context():
        [row] = rows(kind="offer")
        assert (row.channel, row.state, row.code) == ("sms", OutboxState.SENT, code)
        assert row.provider_id == sms_gateway.messages[0].sid


def test_yes_with_the_code_takes_the_slot_and_only_the_winner_gets_the_address_by_sms(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    with app.app_context():
        add_union()
        texter("Ann Able", ANN)
    client = app.test_client()
    post_need(client, address="3 Keere Street")
    drain(app)
    code = code_in(texted(sms_gateway, ANN)[0])

    text_in(client, sms_gateway, ANN, f"yes {code} please")
    drain(app)

    with app.app_context():
        assert db.session.scalar(sa.select(Match.state)) == MatchState.ACCEPTED
    offer, yours = texted(sms_gateway, ANN)
    assert code in yours and "Mrs Hill" in yours and "+447911123456" in yours and "Keere" in yours
    assert "Keere" not in offer
    assert len(sms_gateway.messages) == 2  # the requester did not ask for texts: nothing to their phone


def test_a_replayed_webhook_changes_nothing(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    with app.app_context():
        add_union()
        texter("Ann Able", ANN)
    client = app.test_client()
    post_need(client)
    drain(app)
    code = code_in(texted(sms_gateway, ANN)[0])

    text_in(client, sms_gateway, ANN, f"NO {code}", sid="SM" + "1" * 32)
    drain(app)
    text_in(client, sms_gateway, ANN, "HELP", sid="SM" + "1" * 32)  # the same sid again: already handled
    drain(app)

    with app.app_context():
        assert db.session.scalar(sa.select(Match.state)) == MatchState.DECLINED
    assert texted(sms_gateway, ANN)[1:] == [f"{code}: passed. Thank you for telling us."]


def test_a_wrong_signature_is_refused_and_changes_nothing(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    client = app.test_client()
    fields = sms_gateway.inbound_fields(ANN, "STOP")
    headers = sms_gateway.signed_headers("http://localhost/sms/inbound", {**fields, "Body": "START"})
    assert client.post("/sms/inbound", data=fields, headers=headers).status_code == 403
    assert client.post("/sms/inbound", data=fields).status_code == 403
    assert client.post("/sms/status", data=fields).status_code == 403
    drain(app)
    with app.app_context():
        assert rows() == []
    assert sms_gateway.messages == []


def test_the_delivery_report_marks_the_message_delivered(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    with app.app_context():
        add_union()
        texter("Ann Able", ANN)
    client = app.test_client()
    post_need(client)
    drain(app)
    fields = sms_gateway.status_fields(sms_gateway.messages[0], "delivered")
    response = client.post("/sms/status", data=fields,
                           headers=sms_gateway.signed_headers("http://localhost/sms/status", fields))
    assert response.status_code == 200
    with app.app_context():
        assert rows(kind="offer")[0].state == OutboxState.DELIVERED


def test_two_volunteers_answering_yes_for_the_last_slot_at_once_make_one_winner(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    with app.app_context():
        add_union()
        texter("Ann Able", ANN)
        texter("Ben Bold", BEN)
    client = app.test_client()
    post_need(client, urgency="high")
    drain(app)
    answers = {n: code_in(texted(sms_gateway, n)[0]) for n in (ANN, BEN)}

    at_once([lambda n=n: text_in(app.test_client(), sms_gateway, n, f"YES {answers[n]}") for n in (ANN, BEN)])
    drain(app)

    with app.app_context():
        states = sorted(db.session.scalars(sa.select(Match.state)))
        assert states == [MatchState.ACCEPTED, MatchState.WITHDRAWN]
        winner = db.session.scalar(sa.select(Match).where(Match.state == MatchState.ACCEPTED)).volunteer.phone
    loser = BEN if winner == ANN else ANN
    assert "Mrs Hill" in texted(sms_gateway, winner)[1]
    [_offer, kind] = texted(sms_gateway, loser)  # one message after the offer, not two
    assert "went to someone else" in kind and answers[loser] in kind
    assert not any("Hill" in body for body in texted(sms_gateway, loser))


def test_yes_to_an_offer_withdrawn_when_its_volunteer_went_off_duty_says_so(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    with app.app_context():
        add_union()
        ann = texter("Ann Able", ANN)
    post_need(app.test_client())
    drain(app)
    code = code_in(texted(sms_gateway, ANN)[0])
    with app.app_context():
        volunteer = db.session.get(Volunteer, ann.id)
        volunteer.on_duty = False  # as unticking "available" does
        follow.off_duty(volunteer)
        edge.commit()

    text_in(app.test_client(), sms_gateway, ANN, f"YES {code}")
    drain(app)

    reply = texted(sms_gateway, ANN)[-1]
    assert "you went off duty" in reply and code in reply and "went to someone else" not in reply


def test_stop_is_confirmed_and_then_the_number_gets_nothing_more_until_start(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    with app.app_context():
        add_union()
        texter("Ann Able", ANN)
    client = app.test_client()
    text_in(client, sms_gateway, ANN, "STOP")
    drain(app)
    assert texted(sms_gateway, ANN) == ["You will get no more texts from us. Reply START to get them again."]

    post_need(client)
    text_in(client, sms_gateway, ANN, "help")
    drain(app)
    assert len(texted(sms_gateway, ANN)) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(Match.state)) == MatchState.OFFERED  # offered in the app all the same

    text_in(client, sms_gateway, ANN, "START")
    drain(app)
    assert texted(sms_gateway, ANN)[1:] == ["Texts are on again. Reply STOP to stop them."]


def email_app(make, smtp_peer, gateway=None, **config):
    sms = dict(SMS_API_URL=gateway.url, SMS_ACCOUNT_SID=gateway.account_sid, SMS_AUTH_TOKEN=gateway.auth_token,
               SMS_FROM=GATEWAY_NUMBER) if gateway else {}
    return make(SMTP_URL=smtp_peer.url(), SEND_TIMEOUT=5, **sms, **config)


def test_an_smtp_451_is_retried_later_and_the_email_arrives_once(make, smtp_peer):
    app = email_app(make, smtp_peer)
    with app.app_context():
        add_union()
        add_volunteer("Ann Able")
    smtp_peer.refuse("ann.able@example.org", "451 4.3.0 Mailbox busy, try later")
    post_need(app.test_client())
    drain(app)
    with app.app_context():
        [row] = rows(kind="offer")
        assert (row.state, row.attempts, row.channel) == (OutboxState.PENDING, 1, "email")
        assert row.next_attempt_at > utcnow()
    assert smtp_peer.messages == []

    del smtp_peer.recorder.refuse["ann.able@example.org"]
    with time_machine.travel(utcnow() + timedelta(minutes=3), tick=False):
        with app.app_context():
            sweep()
        drain(app)
        with app.app_context():
            sweep()  # nothing left to put back
        drain(app)

    [received] = smtp_peer.messages
    assert received.rcpt_tos == ["ann.able@example.org"] and "Lewes" in received.message["Subject"]
    with app.app_context():
        [row] = rows(kind="offer")
        assert (row.state, row.attempts) == (OutboxState.SENT, 2)


def test_an_smtp_550_falls_to_the_persons_next_channel(make, smtp_peer, sms_gateway):
    app = email_app(make, smtp_peer, sms_gateway)
    with app.app_context():
        add_union()
        add_volunteer("Ann Able", channels="email,sms", phone=ANN, phone_verified_at=utcnow())
    smtp_peer.refuse("ann.able@example.org", "550 5.1.1 No such user here")
    post_need(app.test_client())
    drain(app)

    assert smtp_peer.messages == []
    [body] = texted(sms_gateway, ANN)
    assert codes.is_valid(code_in(body))
    with app.app_context():
        assert [(r.channel, r.state) for r in rows(kind="offer")] == [("email", OutboxState.FAILED),
                                                                     ("sms", OutboxState.SENT)]


def test_with_no_channel_configured_messages_are_stored_unsent_for_coordinators(make):
    app = make()
    with app.app_context():
        add_union()
        add_volunteer("Ann Able", channels="sms,email", phone=ANN, phone_verified_at=utcnow())
    post_need(app.test_client())
    drain(app)
    with app.app_context():
        [row] = rows(kind="offer")
        assert (row.state, row.channel, row.error) == (OutboxState.UNSENT, "", "no channel")


def test_messages_stored_while_redis_is_down_are_each_sent_exactly_once(make, database, sms_gateway, tmp_path,
                                                                          monkeypatch):
    from aid.adapters.queue import enqueue_delivery as enqueue
    from aid.jobs.tasks import run_pending
    from aid.models import PendingWork
    from tests.conftest import RedisServer, free_port, run_worker

    down = RedisServer("redis-server", tmp_path, port=free_port())  # nothing listens yet
    app = sms_app(make, sms_gateway, REDIS_URL=down.url, RQ_QUEUE="test-outbox-outage")
    with app.app_context():
        add_union()
        texter("Ann Able", ANN)
        texter("Ben Bold", BEN)
    post_need(app.test_client(), urgency="high")
    with app.app_context():
        run_pending(db.session.scalar(sa.select(PendingWork.id)))  # the offers are stored; their jobs are not
        assert [r.state for r in rows(kind="offer")] == [OutboxState.PENDING] * 2
    assert sms_gateway.messages == []

    for name, value in {"SMS_API_URL": sms_gateway.url, "SMS_ACCOUNT_SID": sms_gateway.account_sid,
                        "SMS_AUTH_TOKEN": sms_gateway.auth_token, "SMS_FROM": GATEWAY_NUMBER}.items():
        monkeypatch.setenv(name, value)
    down.start()
    try:
        with time_machine.travel(utcnow() + timedelta(minutes=2), tick=False), app.app_context():
            sweep()
            enqueue(rows(kind="offer")[0].id)  # a second job for the same row, as after a retried enqueue
        run_worker(database.url, down.url, queue="test-outbox-outage")
        with time_machine.travel(utcnow() + timedelta(minutes=4), tick=False), app.app_context():
            sweep()
        run_worker(database.url, down.url, queue="test-outbox-outage")
    finally:
        down.stop()
    assert sorted(m.to for m in sms_gateway.messages) == [ANN, BEN]
    with app.app_context():
        assert [r.state for r in rows(kind="offer")] == [OutboxState.SENT] * 2


def test_a_message_whose_worker_died_while_sending_is_sent_again_by_the_sweep(make, sms_gateway):
    from aid.jobs.outbox import deliver
    from aid.services import delivery

    app = sms_app(make, sms_gateway)
    with app.app_context():
        add_union()
        texter("Ann Able", ANN)
        app.extensions["aid_jobs"].enqueue = lambda *args: None  # jobs vanish, as with a killed worker
    post_need(app.test_client())
    with app.app_context():
        from aid.jobs.tasks import run_pending
        from aid.models import PendingWork

        run_pending(db.session.scalar(sa.select(PendingWork.id)))
        [row] = rows(kind="offer")
        assert delivery.claim(row.id, utcnow()) is not None  # claimed, then the worker is killed
        db.session.commit()
        assert deliver(row.id) is None  # a second job finds it taken and sends nothing
    assert sms_gateway.messages == []
    del app.extensions["aid_jobs"].enqueue
    with time_machine.travel(utcnow() + timedelta(minutes=6), tick=False):
        with app.app_context():
            sweep()
        drain(app)
    assert len(texted(sms_gateway, ANN)) == 1


def test_coordinators_read_unsent_messages_on_the_outbox_page_and_the_need_page(make):
    from tests.factories import add_coordinator, login

    app = make()
    with app.app_context():
        union = add_union()
        add_volunteer("Ann Able")
        add_coordinator(union)
        other = add_union("Brighton", lat=50.82, lon=-0.14)
        add_coordinator(other, name="Olga Other")
    post_need(app.test_client(), address="3 Keere Street")
    drain(app)
    with app.app_context():
        need_id = rows(kind="offer")[0].need_id
    coordinator = app.test_client()
    login(coordinator, "rosa.coord@example.org")

    page = coordinator.get("/board/outbox").data.decode()
    assert "Ann Able" in page and "not sent: no channel" in page
    assert "Reply YES" not in page and "Open your offers to take it or pass." in page  # no code without SMS
    need_page = coordinator.get(f"/board/needs/{need_id}").data.decode()
    assert "Who was told what" in need_page and "Ann Able" in need_page and "no channel" in need_page

    outsider = app.test_client()
    login(outsider, "olga.other@example.org")
    assert "Ann Able" not in outsider.get("/board/outbox").data.decode()


def test_the_outbox_command_lists_recent_messages_with_masked_addresses(make):
    app = make()
    with app.app_context():
        add_union()
        add_volunteer("Ann Able", channels="sms,email", phone=ANN, phone_verified_at=utcnow())
    post_need(app.test_client())
    drain(app)
    result = app.test_cli_runner().invoke(args=["aid", "outbox", "--limit", "5"])
    assert result.exit_code == 0, result.output
    assert "offer" in result.output and "unsent" in result.output and "no channel" in result.output


def test_the_purge_erases_the_addresses_of_a_closed_needs_messages(make, sms_gateway):
    from aid.services import retention

    app = sms_app(make, sms_gateway)
    with app.app_context():
        add_union()
        texter("Ann Able", ANN)
    client = app.test_client()
    post_need(client)
    drain(app)
    code = code_in(texted(sms_gateway, ANN)[0])
    text_in(client, sms_gateway, ANN, f"YES {code}")
    text_in(client, sms_gateway, ANN, f"DONE {code}")
    drain(app)
    assert texted(sms_gateway, ANN)[-1] == f"{code}: marked done. Thank you!"
    with app.app_context():
        assert {r.to for r in rows()} == {ANN, ""}  # "" for the requester, who gave no email and asked no texts
        assert retention.purge(utcnow() + timedelta(days=31)) == 1
        db.session.commit()
        assert {r.to for r in rows()} == {""}


def test_an_offer_is_texted_in_the_volunteers_language(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    with app.app_context():
        add_union()
        texter("Ana Alta", ANN, languages="es")
    post_need(app.test_client(), category="transport", urgency="high")
    drain(app)
    [body] = texted(sms_gateway, ANN)
    code = re.search(r"SI (\d{4})", body).group(1)
    assert body == (f"Lewes: Transporte, en unas horas, a unos 1 km. Responda SI {code} para aceptarla, "
                    f"NO {code} para pasar.")


def test_a_requester_who_asked_for_texts_hears_who_is_coming_and_that_it_is_done(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    with app.app_context():
        add_union()
        texter("Ann Able", ANN)
    client = app.test_client()
    post_need(client, sms_updates="y")
    post_need(client, contact_phone="07911 123457", details="Another need", same_anyway="yes")  # did not tick it
    drain(app)
    with app.app_context():  # two offers or one digest of both, as the jobs met them: the codes are the rows'
        codes = [row.code for row in rows(kind="offer")]
    assert len(codes) == 2 and all(code in " ".join(texted(sms_gateway, ANN)) for code in codes)
    for code in codes:
        text_in(client, sms_gateway, ANN, f"YES {code}")
        text_in(client, sms_gateway, ANN, f"DONE {code}")
    drain(app)
    assert texted(sms_gateway, "+447911123456") == ["Lewes: Ann is coming to help with your request.",
                                                    "Lewes: your request is marked done. Take care!"]
    assert texted(sms_gateway, "+447911123457") == []
