"""A coordinator pins their union's landmark on the map at phone size; a request naming it in Arabic lands there."""
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect


@pytest.fixture
def local_tiles(live_app, base_url):
    """Tiles from this very server (a real local peer), so nothing leaves the machine."""
    live_app.config["TILE_URL"] = f"{base_url}/static/icons/icon-192.png?z={{z}}&x={{x}}&y={{y}}"
    yield
    live_app.config["TILE_URL"] = ""


@pytest.mark.e2e
def test_a_landmark_pinned_on_the_map_places_a_request_that_names_it(live_app, local_tiles, phone, login, shoot,
                                                                        page_problems):
    coordinator = phone("coordinator")
    login(coordinator, "coordinator@example.org", r"/board/$")
    coordinator.get_by_role("link", name="Places").click()
    expect(coordinator.get_by_role("heading", name="Your union's places")).to_be_visible()
    coordinator.get_by_role("button", name="Save").click()
    expect(coordinator.locator(".error-summary")).to_contain_text("Put a pin on the map")
    coordinator.get_by_label("Names in English").fill("Pells estate community room")
    coordinator.get_by_label("Names in Arabic").fill("غرفة مجتمع بيلز")
    coordinator.get_by_role("button", name="Pick on a map").click()
    expect(coordinator.locator("#pin-map .leaflet-tile-loaded").first).to_be_visible()
    box = coordinator.locator("#pin-map").bounding_box()
    coordinator.locator("#pin-map").click(position={"x": box["width"] * 0.5, "y": box["height"] * 0.5})
    lat, lon = float(coordinator.locator("#lat").input_value()), float(coordinator.locator("#lon").input_value())
    shoot(coordinator, "a union place pinned on the map")
    coordinator.get_by_role("button", name="Save").click()
    expect(coordinator.locator("#union-places")).to_contain_text("Pells estate community room")
    shoot(coordinator, "the union's places")

    requester = phone("requester")
    requester.goto("/ask")
    requester.get_by_label("Food").check()
    requester.get_by_label("Tell us what is needed").fill("Bread and milk, please")
    requester.get_by_label("Address, street or town").fill("غرفة مجتمع بيلز")
    requester.locator("#contact_phone").fill("07911 123456")
    requester.get_by_role("button", name="Send my request").click()
    requester.wait_for_url(re.compile(r"/t/"))
    with live_app.app_context():
        from aid.extensions import db
        from aid.models import Need

        for _ in range(50):
            need = db.session.scalar(sa.select(Need).order_by(Need.id.desc()))
            if str(need.location_status) != "pending":
                break
            db.session.rollback()
            requester.wait_for_timeout(100)
        assert need.place_label == "Pells estate community room"
        assert (need.lat, need.lon) == pytest.approx((lat, lon), abs=1e-5)
    problems = [line for line in page_problems.lines if "422" not in line]  # the pin left out on purpose
    assert not problems, "\n".join(problems)


@pytest.mark.e2e
@pytest.mark.parametrize("language", ["en", "es", "ar"])
def test_the_places_pages_have_no_axe_violations(local_tiles, phone, login, language):
    from tests.e2e.test_accessibility import check, choose_language, violations

    problems = []
    coordinator = phone("coordinator")
    login(coordinator, "coordinator@example.org", r"/board/$")
    choose_language(coordinator, language)
    check(coordinator, "/board/places", problems)
    coordinator.locator("#place-form button.btn-primary").click()  # empty: every error shown
    expect(coordinator.locator(".error-summary")).to_be_visible()
    problems += [f"places with errors: {line}" for line in violations(coordinator)]
    edit = coordinator.locator("#union-places a.btn")
    if edit.count():
        check(coordinator, edit.first.get_attribute("href"), problems, "place page")
    assert not problems, "\n".join(problems)
