"""The app serves its pages from the shipped catalogs, in each language's own direction."""
import re

import pytest


@pytest.mark.parametrize(("lang", "direction", "text"), [("es", "ltr", "Pedir ayuda"), ("ar", "rtl", "اطلب المساعدة")])
def test_the_app_serves_pages_from_the_shipped_catalogs(client, lang, direction, text):
    """The .mo files sit where Flask-Babel looks (translations/ beside the aid package)."""
    page = client.get("/", headers={"Accept-Language": lang}).get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{direction}">' in page
    assert text in page


@pytest.mark.parametrize("lang", ["es", "ar"])
def test_every_reason_the_matcher_gives_is_translated(app, lang):
    """Each reason code reads differently from English (a phrase kept as written aside): "1.2 km" too,
    which Spanish writes "1,2 km"."""
    from flask_babel import force_locale

    from aid.matching import reasons as codes
    from aid.matching.types import Reason
    from aid.web.reasons import SAY, say

    args = {"km": 1.2, "skill": "first-aid", "held": "nurse", "needed": "first-aid", "language": "es",
            "done": 1, "cap": 5, "n": 2}
    examples = [Reason.of(code, **args) for code in SAY if code != codes.TEXT]
    names = {"first-aid": "First aid", "nurse": "Nurse"}
    with app.test_request_context():
        english = [say(r, names) for r in examples]
        with force_locale(lang):
            translated = [say(r, names) for r in examples]
    assert [e for e, t in zip(english, translated, strict=True) if e == t] == []


def _chosen(page, name):
    """The values of a field's ticked boxes or selected options."""
    if select := re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S):
        tags = re.findall(r"<option[^>]*>", select.group(1))
    else:
        tags = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    return [re.search(r'value="([^"]*)"', t).group(1) for t in tags if re.search(r"\s(selected|checked)\b", t)]


@pytest.mark.parametrize("lang", ["en", "es", "ar"])
def test_asking_in_a_language_presets_it_as_the_language_spoken(client, lang):
    client.post("/language", data={"lang": lang, "next": "/"})
    assert _chosen(client.get("/ask").get_data(as_text=True), "language") == [lang]


@pytest.mark.parametrize("lang", ["es", "ar"])
def test_signing_up_in_a_language_ticks_it_as_spoken(client, lang):
    client.post("/language", data={"lang": lang, "next": "/"})
    client.post("/signup", data={"name": "Nour", "email": "nour@example.org", "password": "long enough pw"})
    page = client.get("/me/profile").get_data(as_text=True)
    assert _chosen(page, "languages") == [lang]
