"""A typed phone number is refused only with what is actually wrong with it, the same way on every form and the SMS side."""
import pytest
from flask_babel import force_locale

from aid.services import ServiceError, outbox, phone_numbers
from tests.factories import need_form

ISOLATED = str.maketrans("", "", "\u2066\u2069")  # numbers are kept left to right inside Arabic sentences


def refusal(text, for_texts=False):
    with pytest.raises(ServiceError) as refused:
        phone_numbers.read(text, for_texts=for_texts)
    return str(refused.value).translate(ISOLATED)


@pytest.mark.parametrize(("typed", "says"), [
    ("07700 900123", "07700 900123 looks like a phone number, but no phone uses it (United Kingdom)"),
    ("0127", "That number is too short."),
    ("07911 1234567890", "That number has too many digits (United Kingdom)."),
    ("+999 1234", "We don't know that country code."),
    ("9OO 123 4567", "Use only digits, spaces and a + at the start"),
])
def test_each_kind_of_wrong_number_is_named(app, typed, says):
    with app.test_request_context():
        assert refusal(typed).startswith(says)


def test_a_number_no_phone_uses_is_not_told_to_use_digits_or_a_country_code(app):
    with app.test_request_context():
        said = refusal("07700 900123")
    assert "Use only digits" not in said and "+44" not in said and "country code" not in said


def test_good_numbers_of_any_form_and_script_read_as_e164(app):
    with app.test_request_context():
        assert phone_numbers.read("07911 123456") == "+447911123456"
        assert phone_numbers.read("٠٧٩١١ ١٢٣٤٥٦") == "+447911123456"  # Arabic-Indic digits
        assert phone_numbers.read("+34 612 345 678", for_texts=True) == "+34612345678"
        assert phone_numbers.read("01273 471600") == "+441273471600"  # a landline may be called


def test_texts_need_a_number_that_can_get_them(app):
    with app.test_request_context():
        assert "landline or service number" in refusal("01273 471600", for_texts=True)
        assert phone_numbers.can_text("07911 123456") and not phone_numbers.can_text("01273 471600")


def test_the_refusal_names_the_country_in_the_readers_language(app):
    with app.test_request_context(), force_locale("es"):
        assert "Reino Unido" in refusal("07700 900123")
    with app.test_request_context(), force_locale("ar"):
        said = refusal("07700 900123")
        assert "المملكة المتحدة" in said and "07700 900123" in said


def test_the_sms_side_reads_numbers_as_the_forms_do(app):
    with app.test_request_context():
        for typed in ("07700 900123", "0127", "+999 1234", "9OO 123 4567", "", "07911 123456", "+1 202 555 0123"):
            assert outbox.e164(typed) == phone_numbers.e164(typed)
        assert outbox.e164("07911 123456") == "+447911123456" and outbox.e164("07700 900123") == ""


def test_the_ask_form_shows_the_real_problem_and_keeps_what_was_typed(client):
    page = client.post("/ask", data=need_form(contact_phone="07700 900123", details="Bread and milk"))
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "07700 900123\u2069 looks like a phone number, but no phone uses it" in text and "Bread and milk" in text


def test_texts_to_a_landline_are_refused_on_the_ask_form(client):
    page = client.post("/ask", data=need_form(contact_phone="01273 471600", sms_updates="y"))
    assert page.status_code == 422 and "Texts cannot reach a landline" in page.get_data(as_text=True)
    assert client.post("/ask", data=need_form(contact_phone="01273 471600")).status_code == 303  # a call is fine
