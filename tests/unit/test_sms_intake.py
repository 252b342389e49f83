"""Feature-phone requests read into a draft need, in English, Spanish and Arabic."""
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aid.models.enums import Category
from aid.sms.intake import Draft, read_request
from aid.sms.intake_words import CATEGORIES, OTHER

CASES = [
    # English
    ("need food for 2 at Barcombe", Draft("food", 2, "Barcombe", False, "en")),
    ("URGENT need medicine near Lewes station", Draft("medicine", None, "Lewes station", True, "en")),
    ("need a lift to hospital for 3 people in Ringmer now", Draft("transport", 3, "Ringmer", True, "en")),
    ("I am in need of groceries for two at 12 High St, Lewes. thanks", Draft("food", 2, "12 High St, Lewes", False, "en")),
    ("can someone check on my mum in Newick please", Draft("check_in", None, "Newick", False, "en")),
    ("roof leak, need a plumber", Draft("repairs", None, None, False, "en")),
    ("need food at 5 pm for 2 hours", Draft("food", None, None, False, "en")),
    ("need food at Barcombe for 2 people", Draft("food", 2, "Barcombe", False, "en")),
    ("hello is anyone there", Draft("other", None, None, False, "en")),
    ("need childcare for 2 kids at Chailey asap", Draft("care", 2, "Chailey", True, "en")),
    # Spanish
    ("necesito medicinas urgente en Lewes", Draft("medicine", None, "Lewes", True, "es")),
    ("comida para 3 personas cerca de la iglesia de San Juan", Draft("food", 3, "la iglesia de San Juan", False, "es")),
    ("Necesito un aventón al hospital para dos, ya", Draft("transport", 2, None, True, "es")),
    ("necesito reparar la ventana en Calle Mayor 5 por favor", Draft("repairs", None, "Calle Mayor 5", False, "es")),
    ("busco refugio para 4 en cuanto pueda", Draft("shelter", 4, None, False, "es")),
    # Arabic
    ("أحتاج طعام لـ ٢ في القاهرة", Draft("food", 2, "القاهرة", False, "ar")),
    ("عاجل دواء لشخصين قرب المسجد", Draft("medicine", 2, "المسجد", True, "ar")),
    ("أحتاج الدواء لـ۳ أشخاص", Draft("medicine", 3, None, False, "ar")),
    ("نحتاج مأوى عند محطة القطار", Draft("shelter", None, "محطة القطار", False, "ar")),
    ("نحتاج ماوي", Draft("shelter", None, None, False, "ar")),  # ى typed as ي
    ("مرحبا", Draft("other", None, None, False, "ar")),
]


@pytest.mark.parametrize("text, draft", CASES)
def test_requests_in_three_languages_become_drafts(text, draft):
    assert read_request(text) == draft


def test_every_category_the_reader_returns_is_one_the_app_has():
    assert set(CATEGORIES) | {OTHER} <= {c.value for c in Category}
    assert OTHER == Category.OTHER.value


@pytest.mark.parametrize("text", ["need food in need", "comida en serio", "food at night", "food in a hurry",
                                  "طعام في حاجة", "food at 5 pm"])
def test_phrases_after_a_place_word_that_are_not_places_give_no_place(text):
    assert read_request(text).place is None


@pytest.mark.parametrize("text, people", [
    ("food for 2", 2), ("food for 51", None), ("food for 0", None), ("food for 2 days", None),
    ("comida para cinco", 5), ("2 people need food", 2), ("food for 2025", None), ("طعام ل٣", 3),
    ("food for ２", 2), ("food", None),
])
def test_how_many_people_the_help_is_for(text, people):
    assert read_request(text).people == people


@pytest.mark.parametrize("text", ["NEED FOOD AT BARCOMBE", "need fóod at Barcombe", "need food, at Barcombe"])
def test_case_and_accents_do_not_change_the_reading_and_the_place_keeps_its_spelling(text):
    draft = read_request(text)
    assert draft.category == "food" and draft.place.lower() == "barcombe"


@given(st.text(max_size=2000))
@example("food for ❶ at Barcombe")  # isdigit() but not a number int() reads: found by this test
def test_reading_never_raises_and_gives_a_known_category_and_language(text):
    draft = read_request(text)
    assert draft.category in {c.value for c in Category}
    assert draft.lang in {"en", "es", "ar"}
    assert draft.people is None or 1 <= draft.people <= 50
    assert draft.place is None or (draft.place and len(draft.place) <= 200 and draft.place == draft.place.strip())


@given(st.integers(1, 50), st.sampled_from([str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),
                                            str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")]))
def test_digits_in_any_script_count_the_same(n, script):
    for text in (f"need food for {n} at Barcombe", f"أحتاج طعام لـ {n} في القاهرة"):
        assert read_request(text.translate(script)).people == read_request(text).people == n
