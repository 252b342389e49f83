"""The demo union's own places, as its coordinator would pin them at Board → Places.

The villages around Lewes that GeoNames lists without a population (so the offline gazetteer
does not know them), and one landmark with its Spanish and Arabic spellings. Village centres
were read off the map by hand; a real union pins its own.
"""
from aid.services import places

VILLAGES = {
    "Barcombe": (50.925, 0.037), "Glynde": (50.862, 0.069), "Firle": (50.851, 0.087),
    "Falmer": (50.864, -0.082), "Cooksbridge": (50.904, -0.010), "Offham": (50.889, -0.012),
    "Plumpton": (50.904, -0.061), "Iford": (50.845, -0.003), "Southease": (50.830, 0.026),
    "Hamsey": (50.894, 0.002), "Chailey": (50.956, -0.020), "Telscombe": (50.804, -0.017),
    "South Heighton": (50.797, 0.047), "Beddingham": (50.855, 0.056),
}
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
