"""The coordinator's map shows the open needs as points, even with no tiles (offline)."""
import pytest
from playwright.sync_api import expect

from aid.extensions import db
from aid.models import utcnow
from aid.services import needs


@pytest.mark.e2e
def test_the_map_shows_points_on_a_blank_layer_without_tiles(live_app, phone, login, shoot, page_problems):
    with live_app.app_context():
        needs.create_need(dict(category="shelter", details="Map check: a bed for tonight", urgency="high", people=1,
                               lat=50.871, lon=0.004, contact_phone="+441273471600"), utcnow())
        db.session.commit()
    coordinator = phone("coordinator")
    login(coordinator, "coordinator@example.org", r"/board/$")
    coordinator.get_by_role("link", name="Map", exact=True).tap()
    coordinator.wait_for_url("**/board/map")
    expect(coordinator.locator("#map path.leaflet-interactive").first).to_be_visible()
    assert coordinator.locator("#map img.leaflet-tile").count() == 0  # nothing fetched from elsewhere
    shoot(coordinator, "coordinator map without tiles")
    assert not page_problems.lines, "\n".join(page_problems.lines)
