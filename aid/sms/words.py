"""The reply words, per kind and language, exactly as people type them (folded when loaded)."""
from enum import StrEnum

from aid.sms.text import fold


class Kind(StrEnum):
    """What a text asks for; DROP gives an accepted task back, HELP lists the sender's open offers."""

    YES = "yes"
    NO = "no"
    DONE = "done"
    DROP = "drop"
    HELP = "help"
    STOP = "stop"
    START = "start"
    UNKNOWN = "unknown"


YES, NO, DONE, DROP, HELP, STOP, START = Kind.YES, Kind.NO, Kind.DONE, Kind.DROP, Kind.HELP, Kind.STOP, Kind.START

# Words that mean a command wherever they stand in the text, with other words around them.
ANYWHERE = {
    YES: {"en": "yes yeah yep", "es": "si", "ar": "نعم ايوه ايوا أجل"},
    NO: {"en": "no nope", "es": "no", "ar": "لا لأ"},
    DONE: {"en": "done finished", "es": "listo hecho terminado terminé", "ar": "تم خلصت انتهيت"},
    # Giving a task back. Never CANCEL (a carrier opt-out word) and never the Arabic إلغاء (cancel).
    DROP: {"en": "drop release", "es": "dejar devolver", "ar": "اترك ارجاع"},
    # Honoured with other words around them: an opt-out must not be missed for its company.
    STOP: {"en": "stop stopall unsubscribe"},
}
# Words that count only when no word of another kind is in the text ("yes, I can help").
WEAK = {HELP: {"en": "help info", "es": "ayuda", "ar": "مساعدة"}}
# Words that count only as the only word of the text, a code beside them allowed:
# "y" is Spanish for "and", "n" is noise inside a sentence.
ALONE = {YES: {"en": "y"}, NO: {"en": "n"}}
# Carrier keywords that are ordinary words in a sentence ("at the end of the road"): they mean
# STOP or START only as the whole text, nothing else in it, as carriers themselves match them.
WHOLE = {
    STOP: {"en": "cancel end quit", "es": "baja", "ar": "توقف"},
    START: {"en": "start unstop", "es": "alta", "ar": "ابدأ"},
}
# Phrases whose words must not count: "no problem" is not a NO.
FILLER = ("no problem", "no worries", "no hay problema", "no pasa nada", "لا مشكلة", "لا بأس")


def _index(table: dict[Kind, dict[str, str]]) -> dict[str, Kind]:
    """Folded word → kind, from {kind: {lang: "space separated words"}}."""
    return {fold(w): kind for kind, langs in table.items() for ws in langs.values() for w in ws.split()}


ANYWHERE_WORDS = _index(ANYWHERE)
WEAK_WORDS = _index(WEAK)
ALONE_WORDS = _index(ALONE)
WHOLE_WORDS = _index(WHOLE)
FILLER_PHRASES = tuple(tuple(fold(p).split()) for p in FILLER)
