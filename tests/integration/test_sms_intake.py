"""Intake from a feature phone: a request texted to the number becomes a need with that phone as contact."""
from datetime import timedelta

import sqlalchemy as sa
import time_machine

from aid.extensions import db
from aid.jobs.tasks import sweep
from aid.models import Need, SmsIntake, Urgency, utcnow
from aid.sms import segments
from tests.factories import drain
from tests.integration.test_outbox import sms_app, text_in, texted

CAL, DEV, EVA = "+447911200001", "+447911200002", "+447911200003"  # valid numbers: later updates need one


def stored():
    return db.session.scalars(sa.select(Need).order_by(Need.id)).all()


def test_requests_in_english_spanish_and_arabic_become_needs_answered_in_their_language(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    client = app.test_client()
    text_in(client, sms_gateway, CAL, "need food for 2 at Barcombe")
    text_in(client, sms_gateway, DEV, "necesito medicinas urgente en Barcombe")
    text_in(client, sms_gateway, EVA, "نحتاج طعام لشخصين في بركومب")
    drain(app)

    with app.app_context():
        cal, dev, eva = stored()
        assert [(n.category, n.contact_phone, n.language, n.address) for n in (cal, dev, eva)] == [
            ("food", CAL, "en", "Barcombe"), ("medicine", DEV, "es", "Barcombe"), ("food", EVA, "ar", "بركومب")]
        assert all(n.sms_updates and n.people == 1 for n in (cal, dev, eva))
        assert (cal.urgency, dev.urgency) == (Urgency.NORMAL, Urgency.HIGH)
        assert cal.details == "need food for 2 at Barcombe"
        ids = cal.id, dev.id, eva.id
    assert texted(sms_gateway, CAL) == [
        f"Mutual Aid: got it, Food near Barcombe. Ref {ids[0]}. We will text you when someone is coming. "
        "Reply STOP to stop."]
    assert texted(sms_gateway, DEV) == [
        f"Mutual Aid: recibido, Medicinas cerca de Barcombe. Ref {ids[1]}. Le escribiremos cuando alguien vaya. "
        "Responda BAJA para no recibir más."]
    [arabic] = texted(sms_gateway, EVA)
    assert arabic.startswith("Mutual Aid: وصلنا طلبك، طعام قرب بركومب.") and f" {ids[2]}. " in arabic
    assert arabic.endswith("أرسل توقف لإيقاف الرسائل.")
    assert all(segments.count(m.body) <= 2 for m in sms_gateway.messages)


def test_a_request_without_a_place_asks_where_and_the_answer_makes_the_need(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    client = app.test_client()
    text_in(client, sms_gateway, CAL, "necesito comida para mi familia")
    drain(app)
    assert texted(sms_gateway, CAL) == ["Mutual Aid: ¿dónde está? Responda con una calle o un pueblo."]
    with app.app_context():
        assert stored() == [] and db.session.get(SmsIntake, CAL).lang == "es"

    text_in(client, sms_gateway, CAL, "12 High Street, Barcombe")
    drain(app)
    with app.app_context():
        [need] = stored()
        assert (need.category, need.address, need.language, need.contact_phone) == (
            "food", "12 High Street, Barcombe", "es", CAL)
        assert db.session.get(SmsIntake, CAL) is None
    assert texted(sms_gateway, CAL)[1].startswith("Mutual Aid: recibido, Comida cerca de 12 High Street, Barcombe.")

    text_in(client, sms_gateway, CAL, "Barcombe")  # the conversation is over: no second need
    drain(app)
    with app.app_context():
        assert len(stored()) == 1
    assert "no lo entendimos" in texted(sms_gateway, CAL)[2] or "did not understand" in texted(sms_gateway, CAL)[2]


def test_a_place_sent_after_the_conversation_expired_makes_no_need_and_the_sweep_purges_it(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    client = app.test_client()
    with time_machine.travel(utcnow(), tick=False) as clock:
        text_in(client, sms_gateway, CAL, "need medicine please")
        text_in(client, sms_gateway, DEV, "need food")
        drain(app)
        clock.shift(timedelta(minutes=31))
        text_in(client, sms_gateway, CAL, "Barcombe")
        with app.app_context():
            sweep()
        drain(app)
        with app.app_context():
            assert stored() == []
            assert db.session.scalars(sa.select(SmsIntake)).all() == []  # both forgotten
    assert texted(sms_gateway, CAL) == ["Mutual Aid: where are you? Reply with a street or village.",
                                        "Sorry, we did not understand. Reply HELP for the words we know."]


def test_a_place_sent_in_time_still_counts_just_before_expiry(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    client = app.test_client()
    with time_machine.travel(utcnow(), tick=False) as clock:
        text_in(client, sms_gateway, CAL, "need medicine please")
        clock.shift(timedelta(minutes=29))
        text_in(client, sms_gateway, CAL, "Barcombe")
        drain(app)
    with app.app_context():
        assert [n.address for n in stored()] == ["Barcombe"]


def test_a_phone_gets_at_most_the_daily_number_of_new_needs(make, sms_gateway):
    app = sms_app(make, sms_gateway, SMS_INTAKE_PER_DAY=2)
    client = app.test_client()
    with time_machine.travel(utcnow(), tick=False) as clock:
        for place in ("Barcombe", "Ringmer", "Kingston"):
            text_in(client, sms_gateway, CAL, f"need food at {place}")
        text_in(client, sms_gateway, CAL, "need medicine")  # no conversation either
        text_in(client, sms_gateway, DEV, "need food at Barcombe")  # another phone is not limited
        drain(app)
        with app.app_context():
            assert [(n.contact_phone, n.address) for n in stored()] == [
                (CAL, "Barcombe"), (CAL, "Ringmer"), (DEV, "Barcombe")]
            assert db.session.get(SmsIntake, CAL) is None
        limit = ("Mutual Aid: we already have your requests from today and are working on them. "
                 "Please text again tomorrow for anything new.")
        assert texted(sms_gateway, CAL)[2:] == [limit, limit]

        clock.shift(timedelta(days=1, minutes=1))
        text_in(client, sms_gateway, CAL, "need food at Kingston")
        drain(app)
        with app.app_context():
            assert stored()[-1].address == "Kingston"


def test_a_replayed_webhook_creates_nothing_more(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    client = app.test_client()
    text_in(client, sms_gateway, CAL, "need food at Barcombe", sid="SM" + "7" * 32)
    text_in(client, sms_gateway, CAL, "need food at Barcombe", sid="SM" + "7" * 32)
    text_in(client, sms_gateway, DEV, "need food", sid="SM" + "8" * 32)
    text_in(client, sms_gateway, DEV, "Barcombe", sid="SM" + "9" * 32)
    text_in(client, sms_gateway, DEV, "Barcombe", sid="SM" + "9" * 32)
    drain(app)
    with app.app_context():
        assert [n.contact_phone for n in stored()] == [CAL, DEV]
    assert len(texted(sms_gateway, CAL)) == 1 and len(texted(sms_gateway, DEV)) == 2


def test_the_conversation_is_claimed_once(make, sms_gateway):
    """Two answers read the same waiting conversation: the conditional delete lets one of them make the need."""
    from aid.services import sms_intake
    from aid.sms.words import Kind

    app = sms_app(make, sms_gateway)
    text_in(app.test_client(), sms_gateway, CAL, "need food")
    with app.app_context():
        now = utcnow()
        waiting = sms_intake._waiting(CAL, now)
        db.session.expunge(waiting)
        assert sms_intake.take("SMa", CAL, "Barcombe", Kind.UNKNOWN, now) == "intake_got"
        assert sms_intake._placed("SMb", CAL, "Ringmer", waiting, now) == "intake_claimed"
        assert [n.address for n in stored()] == ["Barcombe"]
        db.session.rollback()
    drain(app)


def test_texts_that_are_not_requests_keep_the_usual_answers(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    client = app.test_client()
    text_in(client, sms_gateway, CAL, "hello there")
    text_in(client, sms_gateway, DEV, "need food")
    drain(app)
    text_in(client, sms_gateway, DEV, "STOP")  # forgets the request waiting for a place
    drain(app)
    with app.app_context():
        assert stored() == [] and db.session.scalars(sa.select(SmsIntake)).all() == []
    assert texted(sms_gateway, CAL) == ["Sorry, we did not understand. Reply HELP for the words we know."]
    assert texted(sms_gateway, DEV)[1] == "You will get no more texts from us. Reply START to get them again."
