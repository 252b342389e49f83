"""Factories for shared things and needs that ask for them (call inside an app context; they commit)."""
from datetime import timedelta

from aid.extensions import db
from aid.models import utcnow
from aid.services import needs, things, things_matching
from tests.factories import LEWES


def add_thing(owner=None, union=None, kind="bed_room", title="Spare room", sharing="unique", count=1,
              lat=LEWES[0], lon=LEWES[1] + 0.005, **fields):
    values = dict(kind=kind, title=title, description="", sharing=sharing, count=count, best_before=None,
                  vetted_only=False, auto_confirm=False, handover_notes="Key under the blue pot", active=True,
                  lat=lat, lon=lon, place_label="Lewes")
    values.update(fields)
    thing = things.offer(values, owner=owner, union_id=union.id if union else None)
    db.session.commit()
    return thing


def add_need_asking(kind="bed_room", quantity=1, starts=None, hours=48, category="shelter", **fields):
    """A located need with one thing-slot over [starts, starts + hours); returns (need, slot, token)."""
    starts = starts or (utcnow() + timedelta(hours=2)).replace(microsecond=0)
    values = dict(category=category, details="Somewhere to sleep", urgency="normal", people=1,
                  contact_phone="+447911123456", lat=LEWES[0], lon=LEWES[1] + 0.01)
    values.update(fields)
    need, token, _work = needs.create_need(values, utcnow())
    slot = things_matching.ask_for(need, kind, quantity, starts, starts + timedelta(hours=hours))
    db.session.commit()
    return need, slot, token
