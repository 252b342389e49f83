"""The channel adapters against real local peers: an SMTP server, an SMS gateway, a push service."""
import json
import logging
import socket

import pytest
from werkzeug.datastructures import MultiDict

from aid.adapters.channels import Message, PermanentFailure, SubscriptionGone, TemporaryFailure
from aid.adapters.email import SmtpEmail
from aid.adapters.push import WebPush, new_vapid_keys
from aid.adapters.senders import configured
from aid.adapters.sms import TwilioSms, valid_signature
from tests.peers import free_port
from tests.peers.sms_gateway import sign
from tests.peers.smtp import SmtpPeer

LINK = "https://aid.example.org/offers/7"
SENDER = "Mutual Aid <aid@example.org>"


def email_to(address, **fields):
    return Message(to=address, subject="A neighbour needs help", text="Shopping for Ana, 1.2 km away.",
                   html=f'<p>Shopping for Ana, 1.2 km away.</p><p><a href="{LINK}">See the offer</a></p>',
                   url=LINK, key="outbox:1", ref="outbox:1", **fields)


# Email over SMTP


def test_email_arrives_with_a_text_and_an_html_part_both_carrying_the_link(smtp_peer):
    receipt = SmtpEmail(smtp_peer.url(), SENDER, timeout=5).send(email_to("sam@example.org"))

    [received] = smtp_peer.messages
    assert received.rcpt_tos == ["sam@example.org"]
    assert received.message["Subject"] == "A neighbour needs help"
    assert received.message.get_content_type() == "multipart/alternative"
    assert LINK in received.part("plain") and "Shopping for Ana" in received.part("plain")
    assert f'href="{LINK}"' in received.part("html")
    assert receipt.provider_id == received.message["Message-ID"]


def test_retries_of_one_message_keep_its_message_id_so_receivers_can_drop_duplicates(smtp_peer):
    email = SmtpEmail(smtp_peer.url(), SENDER, timeout=5)
    email.send(email_to("sam@example.org"))
    email.send(email_to("sam@example.org"))
    email.send(Message(to="sam@example.org", text="Another", key="outbox:2"))

    ids = [received.message["Message-ID"] for received in smtp_peer.messages]
    assert ids[0] == ids[1] != ids[2]


def test_a_subject_with_line_breaks_arrives_on_one_line(smtp_peer):
    message = Message(to="sam@example.org", subject="Help\r\nBcc: everyone@example.org", text="Hi")
    SmtpEmail(smtp_peer.url(), SENDER, timeout=5).send(message)

    [received] = smtp_peer.messages
    assert received.rcpt_tos == ["sam@example.org"]
    assert received.message["Subject"] == "Help Bcc: everyone@example.org" and received.message["Bcc"] is None


@pytest.mark.parametrize(("reply", "failure"), [("451 4.3.0 Mailbox busy, try later", TemporaryFailure),
                                                ("550 5.1.1 No such user here", PermanentFailure)])
def test_a_refused_recipient_fails_temporarily_on_4xx_and_permanently_on_5xx(smtp_peer, reply, failure):
    smtp_peer.refuse("gone@example.org", reply)

    with pytest.raises(failure) as raised:
        SmtpEmail(smtp_peer.url(), SENDER, timeout=5).send(email_to("gone@example.org"))
    assert raised.value.code == int(reply[:3])
    assert type(raised.value) is failure  # a 550 is not a TemporaryFailure, nor a 451 permanent
    assert smtp_peer.messages == []


def test_a_server_that_is_down_is_a_temporary_failure():
    with pytest.raises(TemporaryFailure):
        SmtpEmail(f"smtp://127.0.0.1:{free_port()}", SENDER, timeout=2).send(email_to("sam@example.org"))


def test_a_server_that_never_answers_times_out_as_a_temporary_failure():
    with socket.socket() as silent:  # accepts connections (the backlog) but never says hello
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        with pytest.raises(TemporaryFailure):
            SmtpEmail(f"smtp://127.0.0.1:{silent.getsockname()[1]}", SENDER, timeout=0.5).send(email_to("a@b.org"))


def test_smtp_upgrades_to_starttls_before_logging_in(loopback_cert):
    with SmtpPeer(tls=loopback_cert, users={"relay": "p@ss/word"}) as peer:
        url = peer.url(user="relay", password="p%40ss%2Fword")  # quoted in the URL, as it must be
        SmtpEmail(url, SENDER, timeout=5, tls_context=loopback_cert.client_context()).send(email_to("sam@example.org"))

        assert peer.recorder.logins == ["relay"]
        assert [received.tls for received in peer.messages] == [True]


def test_smtps_speaks_tls_from_the_first_byte(loopback_cert):
    with SmtpPeer(tls=loopback_cert, implicit=True) as peer:
        email = SmtpEmail(peer.url("smtps"), SENDER, timeout=5, tls_context=loopback_cert.client_context())
        email.send(email_to("sam@example.org"))

        assert [received.tls for received in peer.messages] == [True]


def test_the_password_is_never_sent_to_a_server_without_tls():
    with SmtpPeer(users={"relay": "secret"}) as peer:
        with pytest.raises(PermanentFailure, match="TLS"):
            SmtpEmail(peer.url(user="relay", password="secret"), SENDER, timeout=5).send(email_to("sam@example.org"))
        assert peer.recorder.logins == [] and peer.messages == []


def test_a_wrong_smtp_password_is_a_permanent_failure(loopback_cert):
    with SmtpPeer(tls=loopback_cert, users={"relay": "secret"}) as peer:
        email = SmtpEmail(peer.url(user="relay", password="wrong"), SENDER, timeout=5,
                          tls_context=loopback_cert.client_context())
        with pytest.raises(PermanentFailure) as raised:
            email.send(email_to("sam@example.org"))
        assert raised.value.code == 535


def test_a_certificate_nobody_vouches_for_is_refused(loopback_cert):
    with SmtpPeer(tls=loopback_cert) as peer:  # the default context does not trust the test's certificate
        with pytest.raises(PermanentFailure, match="certificate"):
            SmtpEmail(peer.url(), SENDER, timeout=5).send(email_to("sam@example.org"))
        assert peer.messages == []


# SMS through a Twilio-compatible gateway

NUMBER = "+447700900123"


def sms(gateway, **options):
    return TwilioSms(gateway.account_sid, gateway.auth_token, "+15005550006", base_url=gateway.url, **options)


def text_to(number):
    return Message(to=number, text="Shopping for Ana, 1.2 km away.", url=LINK, ref="outbox:9")


def test_an_sms_reaches_the_gateway_with_the_link_and_the_status_callback(sms_gateway):
    callback = "https://aid.example.org/sms/status"
    receipt = sms(sms_gateway, status_callback=callback, timeout=5).send(text_to(NUMBER))

    [sent] = sms_gateway.messages
    assert (sent.to, sent.sender, sent.status_callback) == (NUMBER, "+15005550006", callback)
    assert sent.body == f"Shopping for Ana, 1.2 km away.\n{LINK}"
    assert (receipt.provider_id, receipt.status) == (sent.sid, "queued")


@pytest.mark.parametrize("code", [21211, 21610])
def test_an_invalid_or_unsubscribed_number_is_a_permanent_failure_carrying_the_code(sms_gateway, code):
    sms_gateway.fail(NUMBER, 400, code)

    with pytest.raises(PermanentFailure) as raised:
        sms(sms_gateway, timeout=5).send(text_to(NUMBER))
    assert raised.value.code == code
    assert sms_gateway.messages == []


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (500, 20500), (503, None)])
def test_a_busy_or_broken_gateway_is_a_temporary_failure(sms_gateway, status, code):
    sms_gateway.fail(NUMBER, status, code)

    with pytest.raises(TemporaryFailure) as raised:
        sms(sms_gateway, timeout=5).send(text_to(NUMBER))
    assert raised.value.code == code


def test_a_slow_gateway_times_out_as_a_temporary_failure(sms_gateway):
    sms_gateway.delay = 2.0

    with pytest.raises(TemporaryFailure):
        sms(sms_gateway, timeout=0.3).send(text_to(NUMBER))


def test_a_gateway_that_is_down_is_a_temporary_failure():
    with pytest.raises(TemporaryFailure):
        TwilioSms("AC1", "token", "+15005550006", base_url=f"http://127.0.0.1:{free_port()}", timeout=2).send(
            text_to(NUMBER))


def test_a_wrong_auth_token_is_refused_permanently(sms_gateway):
    sender = TwilioSms(sms_gateway.account_sid, "not-the-token", "+15005550006", base_url=sms_gateway.url, timeout=5)

    with pytest.raises(PermanentFailure) as raised:
        sender.send(text_to(NUMBER))
    assert raised.value.code == 20003 and sms_gateway.refused_auth == 1


def test_sms_logs_name_the_message_and_a_masked_number_only(sms_gateway, caplog):
    caplog.set_level(logging.INFO, logger="aid.channels")
    sms(sms_gateway, timeout=5).send(text_to(NUMBER))
    sms_gateway.fail(NUMBER, 400, 21211)
    with pytest.raises(PermanentFailure):
        sms(sms_gateway, timeout=5).send(text_to(NUMBER))

    assert len(caplog.records) == 2
    assert all("outbox:9" in line and "+44•••••••123" in line for line in caplog.messages)
    assert NUMBER not in caplog.text and "Ana" not in caplog.text


# Webhook signatures (X-Twilio-Signature)

PUBLIC_URL = "https://aid.example.org/sms/inbound"


def test_the_signature_matches_twilios_published_example():
    fields = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234",
              "From": "+14158675309", "To": "+18005551212"}
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"

    assert valid_signature("12345", url, fields, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")


def test_a_form_the_gateway_signed_validates(sms_gateway):
    fields = sms_gateway.inbound_fields(NUMBER, "YES 4821")
    headers = sms_gateway.signed_headers(PUBLIC_URL, fields)

    assert valid_signature(sms_gateway.auth_token, PUBLIC_URL, fields, headers["X-Twilio-Signature"])


def test_repeated_fields_sign_every_value_as_werkzeug_parses_them(sms_gateway):
    header = sign(sms_gateway.auth_token, PUBLIC_URL, {"Body": "hi", "MediaUrl": ["https://b", "https://a"]})
    form = MultiDict([("MediaUrl", "https://b"), ("Body", "hi"), ("MediaUrl", "https://a")])

    assert valid_signature(sms_gateway.auth_token, PUBLIC_URL, form, header)


@pytest.mark.parametrize("tamper", ["token", "field", "added field", "url", "no header"])
def test_a_signature_fails_when_anything_signed_changes(sms_gateway, tamper):
    fields = sms_gateway.inbound_fields(NUMBER, "YES 4821")
    header = sms_gateway.signed_headers(PUBLIC_URL, fields)["X-Twilio-Signature"]
    token, url = sms_gateway.auth_token, PUBLIC_URL
    if tamper == "token":
        token = "another-token"
    elif tamper == "field":
        fields = {**fields, "Body": "YES 4822"}
    elif tamper == "added field":
        fields = {**fields, "Extra": ""}
    elif tamper == "url":
        url = "http://aid.example.org/sms/inbound"  # what the app sees behind a proxy without ProxyFix
    else:
        header = None

    assert not valid_signature(token, url, fields, header)


# Web push


@pytest.fixture(scope="module")
def vapid():
    return new_vapid_keys()


def push_to(subscription, **fields):
    return Message(to=subscription, subject="A neighbour needs help", text="Shopping, 1.2 km away.", url=LINK,
                   key="outbox:3", ref="outbox:3", **fields)


def test_a_push_is_signed_and_encrypted_so_only_the_subscriber_can_read_it(push_service, vapid):
    subscriber = push_service.subscribe(vapid[1])

    receipt = WebPush(vapid[0], "mailto:aid@example.org", timeout=5).send(push_to(subscriber.info(), ttl=600))

    [push] = push_service.pushes
    assert push.payload == {"title": "A neighbour needs help", "body": "Shopping, 1.2 km away.", "url": LINK,
                            "tag": push.topic}  # a second copy replaces the notification, not adds one
    assert (push.ttl, push.claims["sub"]) == (600, "mailto:aid@example.org")
    assert push.topic and len(push.topic) <= 32
    assert receipt.provider_id.startswith(push_service.origin + "/m/")


def test_a_push_always_waits_for_an_offline_phone(push_service, vapid):
    subscriber = push_service.subscribe(vapid[1])

    WebPush(vapid[0], "mailto:aid@example.org", timeout=5).send(push_to(subscriber.info(), ttl=0))

    assert [push.ttl for push in push_service.pushes] == [1]


@pytest.mark.parametrize("status", [404, 410])
def test_a_gone_subscription_says_so_to_have_it_deleted(push_service, vapid, status):
    subscriber = push_service.subscribe(vapid[1])
    push_service.answer[subscriber.path] = status

    with pytest.raises(SubscriptionGone) as raised:
        WebPush(vapid[0], "mailto:aid@example.org", timeout=5).send(push_to(subscriber.info()))
    assert raised.value.code == status


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_busy_or_broken_push_service_is_a_temporary_failure(push_service, vapid, status):
    subscriber = push_service.subscribe(vapid[1])
    push_service.answer[subscriber.path] = status

    with pytest.raises(TemporaryFailure) as raised:
        WebPush(vapid[0], "mailto:aid@example.org", timeout=5).send(push_to(subscriber.info()))
    assert raised.value.code == status
    assert raised.value.retry_after == (30 if status == 429 else None)


def test_a_slow_push_service_times_out_as_a_temporary_failure(push_service, vapid):
    subscriber = push_service.subscribe(vapid[1])
    push_service.delay = 2.0

    with pytest.raises(TemporaryFailure):
        WebPush(vapid[0], "mailto:aid@example.org", timeout=0.3).send(push_to(subscriber.info()))


def test_a_push_service_that_is_down_is_a_temporary_failure(vapid):
    subscription = json.dumps({"endpoint": f"http://127.0.0.1:{free_port()}/wpush/x",
                               "keys": {"p256dh": vapid[1], "auth": "c2l4dGVlbiBieXRlcyEh"}})
    with pytest.raises(TemporaryFailure):
        WebPush(vapid[0], "mailto:aid@example.org", timeout=2).send(push_to(subscription))


def test_a_push_signed_with_another_servers_key_is_refused_but_not_gone(push_service, vapid):
    subscriber = push_service.subscribe(vapid[1])
    other_private, _ = new_vapid_keys()

    with pytest.raises(PermanentFailure) as raised:
        WebPush(other_private, "mailto:aid@example.org", timeout=5).send(push_to(subscriber.info()))
    assert not isinstance(raised.value, SubscriptionGone) and raised.value.code == 403
    assert push_service.refusals == [(403, "signed with another key than the subscription's")]


def test_an_unreadable_subscription_is_gone(vapid):
    with pytest.raises(SubscriptionGone):
        WebPush(vapid[0], "mailto:aid@example.org").send(push_to('{"endpoint": "https://push.example/x"}'))


def test_push_logs_never_name_the_endpoint(push_service, vapid, caplog):
    caplog.set_level(logging.INFO, logger="aid.channels")
    subscriber = push_service.subscribe(vapid[1])
    WebPush(vapid[0], "mailto:aid@example.org", timeout=5).send(push_to(subscriber.info()))

    assert "outbox:3" in caplog.text and subscriber.path not in caplog.text


def test_the_vapid_keys_command_prints_a_pair_that_push_services_accept(push_service, tmp_path):
    from tests.conftest import dispose, make_app

    app = make_app(f"sqlite:///{tmp_path}/cli.sqlite")
    result = app.test_cli_runner().invoke(args=["aid", "vapid-keys", "--subject", "mailto:ops@example.org"])
    with app.app_context():
        dispose(app)
    assert result.exit_code == 0, result.output
    settings = dict(line.split("=", 1) for line in result.stdout.split())  # output mixes in stderr (logs)
    assert settings["VAPID_SUBJECT"] == "mailto:ops@example.org"

    subscriber = push_service.subscribe(settings["VAPID_PUBLIC_KEY"])
    configured({**settings, "SEND_TIMEOUT": 5})["push"].send(push_to(subscriber.info()))
    assert len(push_service.pushes) == 1


# The registry


def test_each_channel_is_on_exactly_when_its_settings_are_set():
    base = {"SEND_TIMEOUT": 5, "MAIL_FROM": SENDER, "VAPID_SUBJECT": "mailto:aid@example.org"}
    everything = {**base, "SMTP_URL": "smtp://127.0.0.1:2525", "SMS_ACCOUNT_SID": "AC1", "SMS_AUTH_TOKEN": "t",
                  "SMS_FROM": "+15005550006", "VAPID_PRIVATE_KEY": new_vapid_keys()[0]}

    assert configured(base) == {}
    assert {name: type(sender) for name, sender in configured(everything).items()} == {
        "email": SmtpEmail, "sms": TwilioSms, "push": WebPush}
    assert set(configured({**everything, "SMS_AUTH_TOKEN": ""})) == {"email", "push"}
