"""The app serves its pages from the shipped catalogs, in each language's own direction."""
import pytest


@pytest.mark.parametrize(("lang", "direction", "text"), [("es", "ltr", "Pedir ayuda"), ("ar", "rtl", "اطلب المساعدة")])
def test_the_app_serves_pages_from_the_shipped_catalogs(client, lang, direction, text):
    """The .mo files sit where Flask-Babel looks (translations/ beside the aid package)."""
    page = client.get("/", headers={"Accept-Language": lang}).get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{direction}">' in page
    assert text in page
