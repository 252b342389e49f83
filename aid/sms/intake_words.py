"""The words a feature-phone request is read by, per language, as people type them (folded when loaded)."""
from aid.sms.text import fold

# Category values as in aid.models.enums.Category (a test holds the two together); listed in
# that order, which is also the order tried when two categories' words start at the same place.
CATEGORIES = {
    "food": {"en": "food groceries grocery shopping meal meals bread milk hungry",
             "es": "comida comidas alimentos despensa pan leche hambre", "ar": "طعام أكل غذاء خبز حليب جوعان"},
    "medicine": {"en": "medicine medicines medication medications prescription pharmacy pills insulin",
                 "es": "medicina medicinas medicamento medicamentos receta farmacia pastillas",
                 "ar": "دواء أدوية صيدلية علاج"},
    "transport": {"en": "lift ride transport taxi", "es": "transporte aventón llevarme", "ar": "توصيل مواصلات نقل سيارة"},
    "shelter": {"en": "shelter housing homeless bed", "es": "refugio albergue alojamiento techo",
                "ar": "مأوى سكن ملجأ"},
    "repairs": {"en": "repair repairs fix broken plumber leak", "es": "reparación reparar arreglar roto fuga",
                "ar": "تصليح إصلاح صيانة"},
    "care": {"en": "care carer childcare babysitting", "es": "cuidado cuidar cuidadora niñera", "ar": "رعاية"},
    "check_in": {"en": "visit checkin lonely", "es": "visita visitar compañía", "ar": "زيارة اطمئنان"},
}
CATEGORY_PHRASES = {("check", "on"): "check_in", ("check", "in"): "check_in"}
OTHER = "other"

URGENT = {"en": "urgent urgently now asap emergency immediately", "es": "urgente ya ahora emergencia",
          "ar": "عاجل ضروري الآن فورا طوارئ"}
# "for 2", "para 3", "لـ ٢" (a lone ل once the tatweel is gone).
PEOPLE_BEFORE = "for para ل"
# "2 people", "3 personas", "٢ أشخاص".
PEOPLE_AFTER = "people persons person adults kids children personas persona adultos niños أشخاص شخص أفراد"
NUMBERS = {"en": "one two three four five six seven eight nine ten",
           "es": "uno dos tres cuatro cinco seis siete ocho nueve diez",
           "ar": "واحد اثنين ثلاثة أربعة خمسة ستة سبعة ثمانية تسعة عشرة"}
EXTRA_NUMBERS = {"una": 1, "اثنان": 2, "شخصين": 2, "شخصان": 2}  # شخصين: "two persons" in one word
# After "for N": time, not people ("for 2 hours", "para 3 días").
NOT_PEOPLE = "am pm h hr hrs hour hours min mins minutes day days week weeks horas hora minutos dias semanas ساعة ساعات دقيقة دقائق يوم أيام"
PLACE_MARKERS = ("at", "in", "near", "en", "cerca de", "في", "قرب", "عند", "بالقرب من")
# Words that after a place marker start a phrase, not a place ("in need", "en cuanto", "في حاجة").
NOT_PLACE = ("need", "pain", "trouble", "a hurry", "once", "night", "noon", "the morning", "the afternoon",
             "the evening", "cuanto", "serio", "la mañana", "la tarde", "la noche", "حاجة", "الصباح", "المساء")
PLEASE = ("please", "pls", "por favor", "من فضلك", "لو سمحت", "ارجوك")
ARABIC_PREFIXES = ("وال", "بال", "لل", "ال", "و", "ب", "ل")  # and-the, with-the, for-the, the, and, with, for


def words(*groups: str) -> frozenset[str]:
    """Folded words of space-separated groups."""
    return frozenset(fold(w) for g in groups for w in g.split())


def phrases(items: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Folded phrases as word tuples, longest first (so "cerca de" is tried before a shorter one)."""
    return tuple(sorted((tuple(fold(p).split()) for p in items), key=len, reverse=True))


CATEGORY_WORDS = {fold(w): cat for cat, langs in CATEGORIES.items() for ws in langs.values() for w in ws.split()}
URGENT_WORDS = words(*URGENT.values())
NUMBER_WORDS = {**{fold(w): i + 1 for ws in NUMBERS.values() for i, w in enumerate(ws.split())},
                **{fold(w): n for w, n in EXTRA_NUMBERS.items()}}
SELF_COUNTING = frozenset(fold(w) for w in ("شخصين", "شخصان"))
