"""A union's own places: coordinators pin them; typed text finds them before the gazetteer, and locally first."""
import sqlalchemy as sa

from aid.extensions import db
from aid.models import Need, UnionPlace
from aid.services import locating
from tests.factories import add_coordinator, add_union, drain, login, post_need

BARCOMBE_HALL = (50.9262, 0.0413)  # a pin a coordinator would drop: within Lewes union's reach


def place_form(**overrides):
    form = {"names_en": "Village hall, the church hall", "names_es": "Salón del pueblo",
            "names_ar": "قاعة القرية", "lat": str(BARCOMBE_HALL[0]), "lon": str(BARCOMBE_HALL[1])}
    form.update(overrides)
    return form


def two_unions(app):
    """Lewes (Rosa) and Brighton (Other Coord), each with its coordinator."""
    with app.app_context():
        lewes, brighton = add_union(), add_union("Brighton", lat=50.82, lon=-0.14, radius_km=5)
        add_coordinator(lewes)
        add_coordinator(brighton, name="Other Coord")
        return lewes.id, brighton.id


def test_a_coordinators_landmark_is_found_first_in_arabic_and_spanish(app, client):
    lewes, _brighton = two_unions(app)
    login(client, "rosa.coord@example.org")
    assert client.post("/board/places", data=place_form(union=str(lewes))).status_code == 303
    with app.app_context():
        for typed in ("بجانب قاعة القرية من فضلك", "en el salón del pueblo", "THE CHURCH HALL, Lewes"):
            found = locating.find(typed)
            assert (round(found.lat, 4), round(found.lon, 4), found.exact) == (*BARCOMBE_HALL, True), typed
            assert found.label == "Village hall"
        assert locating.find("Lewes").label == "Lewes"  # a town name alone still goes to the gazetteer


def test_a_need_naming_a_landmark_is_placed_at_its_pin(app, client):
    lewes, _brighton = two_unions(app)
    coordinator = app.test_client()
    login(coordinator, "rosa.coord@example.org")
    coordinator.post("/board/places", data=place_form(union=str(lewes), names_en="Tesco car park",
                                                     names_es="", names_ar=""))
    post_need(client, lat=None, lon=None, address="meet me at the tesco car-park please")
    drain(app)
    with app.app_context():
        need = db.session.scalar(sa.select(Need))
        assert (str(need.location_status), need.union_id, need.place_label) == ("found", lewes, "Tesco car park")
        assert (round(need.lat, 4), round(need.lon, 4)) == BARCOMBE_HALL


def test_only_coordinators_of_that_union_add_or_edit_its_places(app, client):
    lewes, brighton = two_unions(app)
    login(client, "other.coord@example.org")
    refused = client.post("/board/places", data=place_form(union=str(lewes)))
    assert refused.status_code == 422 and "Choose one of your unions." in refused.get_data(as_text=True)
    rosa = app.test_client()
    login(rosa, "rosa.coord@example.org")
    rosa.post("/board/places", data=place_form(union=str(lewes)))
    with app.app_context():
        place_id = db.session.scalar(sa.select(UnionPlace.id))
    assert client.get(f"/board/places/{place_id}").status_code == 404
    assert client.post(f"/board/places/{place_id}", data=place_form(union=str(brighton))).status_code == 404
    assert client.post(f"/board/places/{place_id}/delete").status_code == 404
    assert "Village hall" not in client.get("/board/places").get_data(as_text=True)
    assert rosa.post(f"/board/places/{place_id}", data=place_form(union=str(lewes), names_en="Old school")
                     ).status_code == 303
    with app.app_context():
        assert db.session.get(UnionPlace, place_id).label == "Old school"
    anonymous = app.test_client()
    assert anonymous.get("/board/places").status_code in (302, 401)


def test_bad_place_input_gets_a_clear_422_and_keeps_what_was_typed(app, client):
    lewes, _brighton = two_unions(app)
    login(client, "rosa.coord@example.org")
    cases = [
        (place_form(union=str(lewes), lat="", lon=""), "Put a pin on the map"),
        (place_form(union=str(lewes), lat="north", lon="0.1"), "Put a pin on the map"),
        (place_form(union=str(lewes), lat="95", lon="0.1"), "Put a pin on the map"),
        (place_form(union=str(lewes), lat="nan", lon="inf"), "Put a pin on the map"),
        (place_form(union=str(lewes), names_en="x" * 81), "Keep each spelling under 80 characters."),
        (place_form(union=str(lewes), names_en="y" * 401), "Give at most 400 characters here."),
        (place_form(union=str(lewes), names_en=" , ", names_es="", names_ar=""), "at least one language"),
        (place_form(union=str(lewes), lat="40.4168", lon="-3.7038"), "far from your union"),
    ]
    for form, message in cases:
        page = client.post("/board/places", data=form)
        text = page.get_data(as_text=True)
        assert page.status_code == 422 and message in text, (form, page.status_code)
        assert all(value in text for value in form.values() if value.strip(" ,")), form  # nothing typed is lost
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UnionPlace)) == 0


def test_a_local_place_ranks_above_a_distant_namesake(app):
    with app.app_context():
        assert locating.find("Kingston").label == "Kingston upon Thames"  # no union yet: the most populous
        add_union()
        local = locating.find("Kingston")
        assert (local.label, round(local.lat, 1), round(local.lon, 1)) == ("Kingston near Lewes", 50.9, -0.0)
        assert locating.find("Flat 2, 14 High Street, Kingston").label == "Kingston near Lewes"
