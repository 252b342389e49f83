"""A volunteer picks how to be reached, and a mobile number gets texts only after a texted code is typed back."""
import re
from datetime import timedelta

import sqlalchemy as sa
import time_machine

from aid.extensions import db
from aid.models import OutboxMessage, OutboxState, Volunteer, utcnow
from tests.conftest import PASSWORD
from tests.factories import add_union, add_volunteer, drain, login, post_need
from tests.integration.test_outbox import email_app, sms_app, texted

MOBILE, MOBILE_TYPED = "+447911123457", "07911 123457"
OTHER, OTHER_TYPED = "+447400123456", "07400 123456"
ANN = "ann.able@example.org"


def profile(client, **fields):
    form = {"base_label": "Lewes", "max_km": "5", "capacity": "2", "week_cap": "5", "languages": ["en"],
            "on_duty": "y", "channels": "email", "phone": ""}
    form.update(fields)
    return client.post("/me/profile", data=form)


def ann(app):
    with app.app_context():
        vol = db.session.scalar(sa.select(Volunteer))
        db.session.expunge(vol)
        return vol


def offers_by(app):
    with app.app_context():
        return [r.channel for r in db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "offer").order_by(OutboxMessage.id))]


def code_texted(gateway, number=MOBILE):
    return re.fullmatch(r"Mutual Aid: your code is (\d{6})", texted(gateway, number)[-1]).group(1)


def signed_up(app, **fields):
    with app.app_context():
        add_union()
        add_volunteer("Ann Able", **fields)
    client = app.test_client()
    login(client, ANN)
    return client


def test_the_chosen_order_is_saved_and_used_for_the_next_offer(make, smtp_peer, sms_gateway):
    app = email_app(make, smtp_peer, sms_gateway)
    client = signed_up(app, channels="sms,email", phone=MOBILE, phone_verified_at=utcnow())
    assert b'checked id="channels-1" name="channels" type="radio" value="sms,email"' in client.get("/me/profile").data

    assert profile(client, channels="email,sms", phone=MOBILE_TYPED).status_code == 303
    vol = ann(app)
    assert (vol.channels, vol.phone) == ("email,sms", MOBILE) and vol.phone_verified_at is not None
    post_need(app.test_client())
    drain(app)
    assert offers_by(app) == ["email"] and texted(sms_gateway, MOBILE) == []
    assert [m.rcpt_tos for m in smtp_peer.messages] == [[ANN]]

    assert profile(client, channels="sms,email", phone=MOBILE).status_code == 303
    post_need(app.test_client(), category="transport")
    drain(app)
    assert offers_by(app) == ["email", "sms"]
    assert len(texted(sms_gateway, MOBILE)) == 1 and len(smtp_peer.messages) == 1


def test_an_unchecked_phone_gets_no_offer_by_sms(make, smtp_peer, sms_gateway):
    app = email_app(make, smtp_peer, sms_gateway)
    client = signed_up(app)
    assert profile(client, channels="sms,email", phone=MOBILE_TYPED).status_code == 303
    vol = ann(app)
    assert (vol.channels, vol.phone, vol.phone_verified_at) == ("sms,email", MOBILE, None)
    page = client.get("/me/profile").get_data(as_text=True)
    assert "is not checked yet" in page and "Send me a code" in page

    post_need(app.test_client())
    drain(app)
    assert offers_by(app) == ["email"] and sms_gateway.messages == []


def test_the_code_is_texted_typed_back_and_then_offers_come_by_sms(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    client = signed_up(app)
    profile(client, channels="sms,email", phone=MOBILE_TYPED)

    sent = client.post("/me/phone/code")
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/me/profile#phone-check")
    drain(app)
    code = code_texted(sms_gateway)
    assert [m.to for m in sms_gateway.messages] == [MOBILE]
    assert "We texted a code to +447911123457" in client.get("/me/profile").get_data(as_text=True)
    vol = ann(app)
    assert vol.phone_verified_at is None and vol.phone_code_hash and code not in vol.phone_code_hash

    checked = client.post("/me/phone/check", data={"code": code}, follow_redirects=True)
    assert "Your phone is checked: offers will come by SMS." in checked.get_data(as_text=True)
    vol = ann(app)
    assert vol.phone_verified_at is not None and vol.phone_code_hash == ""

    post_need(app.test_client())
    drain(app)
    assert offers_by(app) == ["sms"]
    assert "Reply YES" in texted(sms_gateway, MOBILE)[-1]


def test_a_wrong_code_is_refused_with_422_and_the_right_one_still_works(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    client = signed_up(app, channels="sms,email", phone=MOBILE)
    client.post("/me/phone/code")
    drain(app)
    code = code_texted(sms_gateway)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    response = client.post("/me/phone/check", data={"code": wrong})
    assert response.status_code == 422
    assert "That code is not right." in response.get_data(as_text=True)
    assert ann(app).phone_verified_at is None and ann(app).phone_code_attempts == 1

    assert client.post("/me/phone/check", data={"code": f"{code[:3]} {code[3:]}"}).status_code == 303
    assert ann(app).phone_verified_at is not None


def test_an_expired_code_is_refused(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    client = signed_up(app, channels="sms,email", phone=MOBILE)
    client.post("/me/phone/code")
    drain(app)
    code = code_texted(sms_gateway)

    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
        response = client.post("/me/phone/check", data={"code": code})
    assert response.status_code == 422 and "That code has expired" in response.get_data(as_text=True)
    assert ann(app).phone_verified_at is None


    with time_machine.travel(utcnow() + timedelta(minutes=17), tick=False):
        client.post("/me/phone/code")
        drain(app)
        assert client.post("/me/phone/check", data={"code": code_texted(sms_gateway)}).status_code == 303
    assert ann(app).phone_verified_at is not None


def test_five_wrong_tries_use_the_code_up(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    client = signed_up(app, channels="sms,email", phone=MOBILE)
    client.post("/me/phone/code")
    drain(app)
    code = code_texted(sms_gateway)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    answers = [client.post("/me/phone/check", data={"code": wrong}) for _ in range(5)]
    assert [r.status_code for r in answers] == [422] * 5
    assert "Too many wrong tries" in answers[-1].get_data(as_text=True)
    assert "Too many wrong tries" not in answers[-2].get_data(as_text=True)
    right = client.post("/me/phone/check", data={"code": code})
    assert right.status_code == 422 and "Too many wrong tries" in right.get_data(as_text=True)
    assert ann(app).phone_verified_at is None

    client.post("/me/phone/code")
    drain(app)
    assert client.post("/me/phone/check", data={"code": code_texted(sms_gateway)}).status_code == 303
    assert ann(app).phone_verified_at is not None


def test_changing_the_number_clears_its_check_and_its_code(make, smtp_peer, sms_gateway):
    app = email_app(make, smtp_peer, sms_gateway)
    client = signed_up(app, channels="sms,email", phone=MOBILE, phone_verified_at=utcnow())
    assert profile(client, channels="sms,email", phone=MOBILE_TYPED).status_code == 303
    assert ann(app).phone_verified_at is not None  # the same number, typed differently: still checked

    client.post("/me/phone/code")  # a code for the old number
    drain(app)
    old_code = code_texted(sms_gateway)
    assert profile(client, channels="sms,email", phone=OTHER_TYPED).status_code == 303
    vol = ann(app)
    assert (vol.phone, vol.phone_verified_at, vol.phone_code_hash) == (OTHER, None, "")
    response = client.post("/me/phone/check", data={"code": old_code})
    assert response.status_code == 422 and ann(app).phone_verified_at is None

    post_need(app.test_client())
    drain(app)
    assert offers_by(app) == ["email"] and texted(sms_gateway, OTHER) == []
    assert len(texted(sms_gateway, MOBILE)) == 1  # only the code


def test_a_number_that_is_not_one_is_refused_and_sms_needs_a_number(make):
    app = make()
    client = signed_up(app)
    response = profile(client, channels="sms,email", phone="12345")
    assert response.status_code == 422 and "That number is too short" in response.get_data(as_text=True)
    response = profile(client, channels="sms,email", phone="")
    assert response.status_code == 422 and "Add your mobile number" in response.get_data(as_text=True)
    assert ann(app).channels == "email" and ann(app).phone == ""


def test_without_sms_the_code_is_kept_unsent_and_the_page_says_so(make):
    app = make()
    client = signed_up(app, channels="sms,email", phone=MOBILE)
    assert "Text messages are not set up on this site" in client.get("/me/profile").get_data(as_text=True)
    page = client.post("/me/phone/code", follow_redirects=True).get_data(as_text=True)
    assert "no code was sent" in page and "We texted" not in page
    user_id = ann(app).user_id
    with app.app_context():
        [row] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "verify")).all()
        assert (row.state, row.channel, row.error) == (OutboxState.UNSENT, "", "no channel")
        assert row.user_id == user_id and re.fullmatch(r"\d{6}", row.args["code"])
        code = row.args["code"]
    result = app.test_cli_runner().invoke(args=["aid", "outbox"])
    assert result.exit_code == 0 and f"your code is {code}" in result.output


def test_at_most_three_codes_an_hour(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    client = signed_up(app, channels="sms,email", phone=MOBILE)
    for _ in range(4):
        client.post("/me/phone/code")
    drain(app)
    assert len(texted(sms_gateway, MOBILE)) == 3
    page = client.get("/me/profile").get_data(as_text=True)
    assert "You asked for 3 codes in the last hour" in page

    with time_machine.travel(utcnow() + timedelta(minutes=61), tick=False):
        client.post("/me/phone/code")
        drain(app)
    assert len(texted(sms_gateway, MOBILE)) == 4


def test_the_number_is_in_the_data_download_and_gone_with_the_account(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    client = signed_up(app, channels="sms,email", phone=MOBILE)
    client.post("/me/phone/code")
    drain(app)
    mine = client.get("/me/data.json").get_json()
    assert mine["reach"] == {"channels": ["sms", "email"], "phone": MOBILE, "phone_checked_at": None}

    assert client.post("/me/delete", data={"password": PASSWORD}).status_code == 303
    with app.app_context():
        stored = " ".join(str(row) for table in ("volunteers", "outbox")
                          for row in db.session.execute(sa.text(f"SELECT * FROM {table}")))
    assert MOBILE not in stored and "7911123457" not in stored
    vol = ann(app)
    assert (vol.channels, vol.phone, vol.phone_verified_at, vol.phone_code_hash) == ("email", "", None, "")
