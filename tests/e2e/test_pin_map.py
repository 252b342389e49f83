"""With map tiles configured, a requester can mark the place on a map; Leaflet loads only then."""
import pytest
from playwright.sync_api import expect


@pytest.fixture
def local_tiles(live_app, base_url):
    """Tiles from this very server (a real local peer), so nothing leaves the machine."""
    live_app.config["TILE_URL"] = f"{base_url}/static/icons/icon-192.png?z={{z}}&x={{x}}&y={{y}}"
    yield
    live_app.config["TILE_URL"] = ""


@pytest.mark.e2e
def test_a_tap_on_the_map_marks_the_place_and_leaflet_loads_only_when_asked(local_tiles, phone, shoot, page_problems):
    page = phone("requester with a map")
    loaded = []
    page.on("request", lambda request: "leaflet" in request.url and loaded.append(request.url))
    page.goto("/ask")
    assert loaded == []  # the ask page stays light: no map until asked
    page.get_by_role("button", name="Pick on a map").click()
    expect(page.locator("#pin-map .leaflet-tile-loaded").first).to_be_visible()
    box = page.locator("#pin-map").bounding_box()
    page.locator("#pin-map").click(position={"x": box["width"] * 0.6, "y": box["height"] * 0.4})
    expect(page.locator("#locate-status")).to_contain_text("marked on the map")
    lat, lon = float(page.locator("#lat").input_value()), float(page.locator("#lon").input_value())
    assert abs(lat - 50.874) < 0.05 and abs(lon - 0.0088) < 0.05  # around the union's town
    shoot(page, "ask form place picked on a map")
    assert loaded and not page_problems.lines, "\n".join(page_problems.lines)
