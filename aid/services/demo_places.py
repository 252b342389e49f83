"""The demo union's own places, as its coordinator would pin them at Board → Places.

The two villages around Lewes that the offline gazetteer does not place (no full postcode
names them, so they have no centre; "Offham" alone finds the one in Kent), and one landmark
with its Spanish and Arabic spellings. Village centres were read off the map by hand; a real
union pins its own.
"""
from aid.services import places

VILLAGES = {"Cooksbridge": (50.904, -0.010), "Offham": (50.889, -0.012)}
LANDMARKS = [  # spellings by language, point
    ({"en": ["Lewes Town Hall", "the town hall"], "es": ["Ayuntamiento de Lewes", "el ayuntamiento"],
      "ar": ["دار بلدية لويس", "مبنى البلدية"]}, (50.8733, 0.0092)),
]


def add(union):
    """Pin the demo's villages and landmark for this union (flushes)."""
    for name, (lat, lon) in VILLAGES.items():
        places.save(None, union, {"en": [name]}, lat, lon)
    for spellings, (lat, lon) in LANDMARKS:
        places.save(None, union, spellings, lat, lon)
