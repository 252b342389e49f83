"""Demo data around a real town (Lewes, East Sussex) so a newcomer sees the app working."""
import random

import sqlalchemy as sa

from aid.extensions import db
from aid.models import Coordinator, Region, Skill, Union
from aid.services import accounts, demo_places

TOWN = (50.8740, 0.0088)  # Lewes: it straddles the prime meridian
PASSWORD = "demo-password"
def N_(text):  # noqa: N802  marks a string for extraction; it is translated where it is shown
    return text


SKILLS = [  # (slug, name, parent slug): a child skill covers its parent
    ("first-aid", N_("First aid"), None), ("nurse", N_("Nurse"), "first-aid"), ("doctor", N_("Doctor"), "first-aid"),
    ("driving", N_("Driving"), None), ("van", N_("Van driving"), "driving"),
    ("repairs", N_("Repairs"), None), ("carpentry", N_("Carpentry"), "repairs"), ("roofing", N_("Roofing"), "repairs"),
    ("chainsaw", N_("Chainsaw"), "repairs"), ("shopping", N_("Shopping and errands"), None),
    ("care", N_("Care and company"), None), ("childcare", N_("Childcare"), "care"), ("translation", N_("Translation"), None),
]
VOLUNTEERS = [  # name, skills, max km, languages, vehicle
    ("Sam Okafor", ["driving", "shopping"], 8, "en", True),
    ("Ana García", ["nurse", "translation"], 5, "en,es", False),
    ("Priya Shah", ["shopping", "care"], 3, "en", False),
    ("Tom Baker", ["carpentry", "roofing", "van"], 15, "en", True),
    ("Layla Haddad", ["care", "translation"], 4, "en,ar", False),
    ("Jonas Berg", ["chainsaw", "driving"], 12, "en", True),
    ("Mia Evans", ["first-aid", "childcare"], 6, "en", False),
    ("Omar Farouk", ["driving", "shopping"], 10, "en,ar", True),
    ("Lucía Torres", ["shopping"], 2, "es,en", False),
    ("Grace Lee", ["doctor"], 20, "en", True),
    ("Ben Carter", ["repairs", "shopping"], 5, "en", False),
    ("Chloe Martin", ["care", "shopping"], 4, "en", False),
]


def seed(if_empty=False):
    """Create the demo union, skills, volunteers and coordinator; returns (role, email, about) logins."""
    if if_empty and db.session.scalar(sa.select(Union.id).limit(1)):
        return None
    region = Region(name="East Sussex")
    union = Union(name="Lewes Mutual Aid", slug="lewes", lat=TOWN[0], lon=TOWN[1], radius_km=10, region=region)
    db.session.add_all([region, union])
    _skills()
    db.session.flush()
    demo_places.add(union)  # the villages the gazetteer cannot place, pinned as a coordinator would
    logins = [("coordinator", _coordinator(union), "sees the board of Lewes Mutual Aid")]
    rng = random.Random(7)
    for name, skills, max_km, languages, vehicle in VOLUNTEERS:
        email = _volunteer(union, rng, name, skills, max_km, languages, vehicle)
        about = f"{', '.join(skills)}; {max_km} km{'; has a vehicle' if vehicle else ''}; speaks {languages}"
        logins.append(("volunteer", email, about))
    _things(union)
    from aid.services import purse_demo  # the common purse: a few contributions, one approved spend

    logins.append(purse_demo.seed(union, PASSWORD))
    return logins


# Shared things (One Cloak): (owner's email or None for the group's, kind, title, sharing, count, notes, auto-confirm)
THINGS = [
    ("priya@example.org", "bed_room", "Spare room with a single bed", "unique", 1, "Ring twice; the room is upstairs", False),
    ("tom@example.org", "vehicle", "Transit van", "unique", 1, "Keys with Tom; fuel back to where it was", False),
    ("jonas@example.org", "tool", "Chainsaw and safety kit", "unique", 1, "Only for a checked volunteer; gloves in the bag", False),
    (None, "bed_room", "Camp beds at the community hall", "pool", 4, "Hall key in the key safe, code 4821", True),
    (None, "food", "Tinned food parcels", "consumable", 30, "Collect from the hall pantry, shelf B", True),
]


def _things(union):
    """A few things members and the group lend, near their owners (or the town centre for the group's)."""
    from datetime import timedelta

    from aid.models import User, utcnow
    from aid.services import things

    db.session.flush()
    for email, kind, title, sharing, count, notes, auto in THINGS:
        owner = db.session.scalar(sa.select(User).where(User.email == email)).volunteer if email else None
        lat, lon = (owner.lat, owner.lon) if owner else TOWN
        fields = dict(kind=kind, title=title, sharing=sharing, count=count, handover_notes=notes, auto_confirm=auto,
                      vetted_only=kind == "tool", lat=lat, lon=lon, place_label="Lewes", active=True,
                      best_before=(utcnow() + timedelta(days=90)).date() if sharing == "consumable" else None)
        things.offer(fields, owner=owner, union_id=None if owner else union.id)


def _skills():
    by_slug = {}
    for slug, name, parent in SKILLS:
        by_slug[slug] = Skill(slug=slug, name=name, parent=by_slug.get(parent))
    db.session.add_all(by_slug.values())


def _coordinator(union):
    user = accounts.register("Rosa Coordinator", "coordinator@example.org", PASSWORD)
    db.session.add(Coordinator(user_id=user.id, union_id=union.id))
    return user.email


def _volunteer(union, rng, name, skills, max_km, languages, vehicle):
    email = name.split()[0].lower().replace("í", "i") + "@example.org"
    user = accounts.register(name, email, PASSWORD, union_id=union.id)
    lat = TOWN[0] + rng.uniform(-0.025, 0.025)
    lon = TOWN[1] + rng.uniform(-0.04, 0.04)
    fields = dict(base_label="Lewes", max_km=max_km, on_duty=True, languages=languages,
                  has_vehicle=vehicle, lat=round(lat, 5), lon=round(lon, 5), vetting=1)
    accounts.update_profile(user.volunteer, fields, skills)
    return email
