"""Read a free-text request from a feature phone into a draft need: category, people, place, urgency, language."""
import re
from dataclasses import dataclass

from aid.sms import intake_words as iw
from aid.sms.text import Token, tokens

_PEOPLE_BEFORE = iw.words(iw.PEOPLE_BEFORE)
_PEOPLE_AFTER = iw.words(iw.PEOPLE_AFTER)
_NOT_PEOPLE = iw.words(iw.NOT_PEOPLE)
_PLACE_MARKERS, _NOT_PLACE, _PLEASE = iw.phrases(iw.PLACE_MARKERS), iw.phrases(iw.NOT_PLACE), iw.phrases(iw.PLEASE)
_CLAUSE_END = re.compile(r"[.;!?¿¡؛؟\n()]")  # not commas: "12 High St, Lewes" is one place
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_SPANISH_MARKS = re.compile(r"[áéíóúñ¿¡]", re.IGNORECASE)
MAX_PEOPLE = 50  # a larger number is a date, a house number or a typo: left for the caller to ask


@dataclass(frozen=True, slots=True)
class Draft:
    """A request as understood; `people` is how many the help is for, as written (None when not said)."""

    category: str  # an aid.models.enums.Category value; "other" when no word names one
    people: int | None
    place: str | None  # as typed, for the geocoder; None: ask for it
    urgent: bool
    lang: str  # "en", "es" or "ar"


def read_request(text: str) -> Draft:
    """The draft need in `text` (never raises on any str). The rules:

    Category: the category named by the earliest word of the CATEGORIES lists (or "check on",
    "check in"); Arabic words also match behind the prefixes ال، و، ب، ل (الدواء, بالطعام). None named:
    "other", which the app has. Urgent: any word of URGENT (urgent, now, urgente, ya, عاجل…).
    People: the first number (digits of any script, or one to ten written out) that follows
    for/para/ل or comes before people/personas/أشخاص…, from 1 to 50, and not followed by a unit
    of time ("for 2 hours"); شخصين alone counts as 2.
    Place: the words after the first place marker (at, in, near, en, cerca de, في, قرب, عند,
    بالقرب من) not starting a NOT_PLACE phrase ("in need", "en cuanto", "at night") nor a time
    ("at 5 pm"), up to the end of the sentence (. ; ! ? newline; a comma
    stays inside: "12 High St, Lewes"), a "for 2"-like count, an urgency
    word or "please"; the original spelling is kept, spaces collapsed. None when absent.
    Language: "ar" if any Arabic letter; else "es" when more Spanish words (and á é í ó ú ñ ¿ ¡)
    than English ones from these lists, "en" otherwise (ties included).
    """
    toks = tokens(text)
    people = _people(toks)
    return Draft(_category(toks), people[0] if people else None, _place(text, toks, people),
                 any(t.text in iw.URGENT_WORDS for t in toks), _language(text, toks))


def _arabic_forms(word: str) -> list[str]:
    """`word` and the word behind each Arabic prefix it starts with (at least two letters left)."""
    return [word] + [word[len(p):] for p in iw.ARABIC_PREFIXES if word.startswith(p) and len(word) - len(p) >= 2]


def _category(toks: list[Token]) -> str:
    """The category of the earliest word naming one, else "other"."""
    texts = [t.text for t in toks]
    for i, w in enumerate(texts):
        if tuple(texts[i:i + 2]) in iw.CATEGORY_PHRASES:
            return iw.CATEGORY_PHRASES[tuple(texts[i:i + 2])]
        for form in _arabic_forms(w):
            if form in iw.CATEGORY_WORDS:
                return iw.CATEGORY_WORDS[form]
    return iw.OTHER


def _number(word: str) -> int | None:
    """A count written as digits or as a word (one to ten), else None."""
    if word.isdecimal():
        return int(word) if len(word) <= 3 else None
    return next((iw.NUMBER_WORDS[f] for f in _arabic_forms(word) if f in iw.NUMBER_WORDS), None)


def _people(toks: list[Token]) -> tuple[int, int, int] | None:
    """(count, index of the first token of the phrase, index after it), the first one found."""
    texts = [t.text for t in toks] + [""]
    for i, w in enumerate(texts[:-1]):
        if any(f in iw.SELF_COUNTING for f in _arabic_forms(w)):
            return 2, i, i + 1
        n = _number(w)
        if n is None or not 1 <= n <= MAX_PEOPLE or texts[i + 1] in _NOT_PEOPLE:
            continue
        if i > 0 and texts[i - 1] in _PEOPLE_BEFORE:
            return n, i - 1, i + 1 + (texts[i + 1] in _PEOPLE_AFTER)
        if texts[i + 1] in _PEOPLE_AFTER:
            return n, i, i + 2
    return None


def _starts(texts: list[str], i: int, phrases) -> int:
    """The length of the phrase of `phrases` starting at texts[i], 0 if none."""
    return next((len(p) for p in phrases if tuple(texts[i:i + len(p)]) == p), 0)


def _place(text: str, toks: list[Token], people) -> str | None:
    """The place words after the first usable place marker, in the original spelling."""
    texts = [t.text for t in toks]
    for i in range(len(toks)):
        m = _starts(texts, i, _PLACE_MARKERS)
        if not m or i + m >= len(toks) or _starts(texts, i + m, _NOT_PLACE) or _is_time(texts, i + m):
            continue
        end = i + m
        while end < len(toks) and not _stops(text, toks, texts, end, i + m, people):
            end += 1
        if end > i + m:
            return " ".join(text[toks[i + m].start:toks[end - 1].end].split())[:200]
    return None


def _is_time(texts: list[str], i: int) -> bool:
    """True when texts[i] starts a time or duration ("5 pm", "10 minutes")."""
    return texts[i].isdecimal() and i + 1 < len(texts) and texts[i + 1] in _NOT_PEOPLE


def _stops(text: str, toks: list[Token], texts: list[str], j: int, first: int, people) -> bool:
    """True when token j no longer belongs to the place that began at token `first`."""
    if j > first and _CLAUSE_END.search(text, toks[j - 1].end, toks[j].start):
        return True
    if people and people[1] == j:
        return True
    return texts[j] in iw.URGENT_WORDS or bool(_starts(texts, j, _PLEASE))


def _language(text: str, toks: list[Token]) -> str:
    """"ar", "es" or "en" by the rules in read_request."""
    if _ARABIC.search(text):
        return "ar"
    es = sum(t.text in _ES for t in toks) + len(_SPANISH_MARKS.findall(text))
    en = sum(t.text in _EN for t in toks)
    return "es" if es > en else "en"


def _vocabulary(lang: str) -> frozenset[str]:
    """Every word of the intake lists in `lang`, and its common small words."""
    common = {"en": "i need help with my the a and to of please people for at in near some",
              "es": "necesito ayuda con mi la el y de por favor personas para en cerca unos unas algo"}
    tables = [iw.URGENT, iw.NUMBERS, *iw.CATEGORIES.values()]
    return iw.words(common[lang], *(t[lang] for t in tables))


_EN, _ES = _vocabulary("en") - _vocabulary("es"), _vocabulary("es") - _vocabulary("en")
