"""Factory functions for tests (call inside an app context); they commit, like a real request."""
import re
from contextlib import contextmanager

import sqlalchemy as sa

from aid.extensions import db
from aid.models import Coordinator, Skill, Union
from aid.services import accounts
from tests.conftest import PASSWORD

LEWES = (50.8740, 0.0088)
SKILL_TREE = [("first-aid", None), ("nurse", "first-aid"), ("driving", None), ("van", "driving"), ("repairs", None)]


def add_union(name="Lewes", lat=LEWES[0], lon=LEWES[1], radius_km=10):
    union = Union(name=name, slug=name.lower().replace(" ", "-"), lat=lat, lon=lon, radius_km=radius_km)
    db.session.add(union)
    db.session.commit()
    return union


def add_skills(tree=SKILL_TREE):
    skills = {}
    for slug, parent in tree:
        skills[slug] = Skill(slug=slug, name=slug.replace("-", " "), parent=skills.get(parent))
    db.session.add_all(skills.values())
    db.session.commit()
    return skills


def add_volunteer(name, lat=LEWES[0], lon=LEWES[1], max_km=5, skills=(), on_duty=True, union=None, **fields):
    email = f"{name.lower().replace(' ', '.')}@example.org"
    user = accounts.register(name, email, PASSWORD, union_id=union.id if union else None)
    profile = dict(max_km=max_km, on_duty=on_duty, lat=lat, lon=lon, base_label="Lewes", **fields)
    accounts.update_profile(user.volunteer, profile, list(skills))
    db.session.commit()
    return user.volunteer


def add_coordinator(union, name="Rosa Coord"):
    user = accounts.register(name, f"{name.lower().replace(' ', '.')}@example.org", PASSWORD)
    db.session.add(Coordinator(user_id=user.id, union_id=union.id))
    db.session.commit()
    return user


def need_form(**overrides):
    form = {"category": "food", "details": "Groceries for two days", "urgency": "normal", "people": "1",
            "lat": str(LEWES[0]), "lon": str(LEWES[1] + 0.01), "contact_phone": "07911 123456",
            "contact_name": "Mrs Hill", "language": "en"}
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def post_need(client, **overrides):
    """Post the ask-for-help form; returns the tracking token."""
    response = client.post("/ask", data=need_form(**overrides))
    assert response.status_code == 303, response.data.decode()[:2000]
    return re.fullmatch(r"/t/([\w-]+)", response.headers["Location"]).group(1)


def login(client, email, password=PASSWORD):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 303, response.data.decode()[:1000]
    return response


def drain(app):
    assert app.extensions["aid_jobs"].drain(), "in-process jobs did not finish"


@contextmanager
def statements(app):
    """The SQL run inside the block."""
    seen = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
