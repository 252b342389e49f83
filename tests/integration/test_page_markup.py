"""What the phone pages promise in their markup: a description for search engines, limits the counter
can read, typed text marked to read in its own direction, and a roster that shows skills."""
import re

import pytest
from wtforms.validators import Length

from aid.web import forms
from tests.factories import add_coordinator, add_skills, add_union, add_volunteer, login


@pytest.mark.parametrize("path", ["/", "/ask", "/login", "/signup"])
@pytest.mark.parametrize("language", ["en", "es", "ar"])
def test_public_pages_describe_themselves(client, path, language):
    client.post("/language", data={"lang": language, "next": "/"})
    page = client.get(path).get_data(as_text=True)
    described = re.search(r'<meta name="description" content="([^"]{50,300})">', page)
    assert described, f"{path} has no meta description"


def test_home_and_ask_have_their_own_description(client):
    home, ask = (re.search(r'name="description" content="([^"]+)"', client.get(p).get_data(as_text=True)).group(1)
                 for p in ("/", "/ask"))
    assert home != ask


@pytest.mark.parametrize(("form", "name"), [(forms.NeedForm, "details"), (forms.NeedForm, "summary"),
                                            (forms.MessageForm, "body"), (forms.ThanksForm, "thanks")])
def test_the_counters_limit_is_the_servers_limit(form, name):
    field = getattr(form, name)
    [length] = [v for v in field.kwargs["validators"] if isinstance(v, Length)]
    assert field.kwargs["render_kw"] == {"dir": "auto", "data-limit": length.max}


def test_every_free_text_field_reads_in_its_own_direction(client):
    page = client.get("/ask").get_data(as_text=True)
    for field in ("details", "summary", "address", "contact_name", "on_site_name"):
        tag = re.search(rf'<(?:input|textarea)[^>]*\bid="{field}"[^>]*>', page).group(0)
        assert 'dir="auto"' in tag, tag
    assert 'data-limit="2000"' in page and "maxlength" not in re.search(r'<textarea[^>]*id="details"[^>]*>', page).group(0)


def test_the_roster_shows_each_volunteers_skills_and_who_still_needs_vetting(app):
    with app.app_context():
        union = add_union()
        add_coordinator(union)
        add_skills()
        add_volunteer("Ann Able", union=union, skills=["nurse", "driving"], has_vehicle=True)
        add_volunteer("Bob Baker", union=union, skills=[], vetting=1)
    coordinator = app.test_client()
    login(coordinator, "rosa.coord@example.org")
    page = coordinator.get("/board/roster").get_data(as_text=True)
    ann = page[page.index("Ann Able"):page.index("Bob Baker")] if page.index("Ann Able") < page.index("Bob Baker") \
        else page[page.index("Ann Able"):]
    assert "nurse" in ann and "driving" in ann and "has a car or van" in ann and "Mark ID checked" in ann
    bob = page[page.index("Bob Baker"):]
    assert "none given" in bob and "Mark ID checked" not in bob.split("</li>")[0]
    assert "<table" not in page  # cards, which fit a phone
