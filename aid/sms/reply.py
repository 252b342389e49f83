"""Read an inbound text as one command about an offer, and tie it to the sender's open offers."""
import re
from dataclasses import dataclass

from aid.sms import codes as offer_codes
from aid.sms.text import Token, tokens
from aid.sms.words import (
    ALONE_WORDS,
    ANYWHERE_WORDS,
    FILLER_PHRASES,
    WEAK_WORDS,
    WHOLE_WORDS,
    Kind,
)

OFFER_KINDS = frozenset({Kind.YES, Kind.NO, Kind.DONE, Kind.DROP})
_JOIN_GAP = re.compile(r"[\s.\-]*")  # "48 23", "48-23" and "4.8.2.3" are one code typed apart


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed text: its kind, the valid codes it names, and digits that look like a code but fail the check."""

    kind: Kind
    codes: tuple[str, ...] = ()
    bad_codes: tuple[str, ...] = ()

    @property
    def code(self) -> str | None:
        """The one valid code named, or None when there is none or several."""
        return self.codes[0] if len(self.codes) == 1 else None


def parse(text: str) -> Command:
    """The command in `text`; UNKNOWN rather than a guess. Never raises on any str.

    Reading: the text is folded (aid.sms.text: case, accents, Arabic marks and letter forms,
    digits of every script) and cut into words and numbers; punctuation, emoji and control
    characters only separate. Words of the FILLER phrases ("no problem", "لا مشكلة") are dropped.

    Codes: numbers separated only by spaces, dots or hyphens whose digits add up to four are
    joined ("48 23"). A number of four digits passing the Damm check is a code; any other
    number of three to five digits is a bad code (reported, never corrected). Numbers of one or
    two digits ("in 5 min") and of six or more (a phone number) are not codes.

    Kind, first rule that applies:
    1. the text is one WHOLE word and nothing else (CANCEL, END, QUIT, BAJA, توقف → STOP;
       START, UNSTOP, ALTA, ابدأ → START), as carriers match their keywords;
    2. the only word is an ALONE word, numbers allowed (Y → YES, N → NO);
    3. a STOP word (STOP, STOPALL, UNSUBSCRIBE) anywhere → STOP, unless a YES, DONE or DROP
       word is also there ("yes 4823, I'll stop by"): then UNKNOWN, for a person to read;
    4. the ANYWHERE words name exactly one kind → that kind ("4823 yes please", "Sí, 4823!");
       two kinds or more ("yes no") → UNKNOWN;
    5. a WEAK word (HELP, INFO, AYUDA, مساعدة) and no other command word → HELP;
    6. otherwise UNKNOWN. CANCEL inside a sentence is no word at all: never "give back".
    """
    toks = tokens(text)
    numbers = _join_numbers(text, [t for t in toks if t.is_number])
    valid = tuple(dict.fromkeys(n for n in numbers if offer_codes.is_valid(n)))
    bad = tuple(dict.fromkeys(n for n in numbers if 3 <= len(n) <= 5 and not offer_codes.is_valid(n)))
    words = _drop_fillers([t.text for t in toks if not t.is_number])
    return Command(_kind(words, bool(numbers)), valid, bad)


def _join_numbers(text: str, numbers: list[Token]) -> list[str]:
    """Digit strings of the text, neighbours joined when only spaces, dots or hyphens part them
    and their digits add up to exactly four."""
    groups: list[list[Token]] = []
    for t in numbers:
        if groups and _JOIN_GAP.fullmatch(text, groups[-1][-1].end, t.start):
            groups[-1].append(t)
        else:
            groups.append([t])
    out = []
    for g in groups:
        joined = "".join(t.text for t in g)
        out.extend([joined] if len(g) > 1 and len(joined) == 4 else [t.text for t in g])
    return out


def _drop_fillers(words: list[str]) -> list[str]:
    """`words` without any FILLER phrase (matched word for word, left to right)."""
    out, i = [], 0
    while i < len(words):
        phrase = next((p for p in FILLER_PHRASES if tuple(words[i:i + len(p)]) == p), None)
        if phrase:
            i += len(phrase)
        else:
            out.append(words[i])
            i += 1
    return out


def _kind(words: list[str], has_numbers: bool) -> Kind:
    """Rules 1 to 6 of parse, on the folded words."""
    if len(words) == 1 and not has_numbers and words[0] in WHOLE_WORDS:
        return WHOLE_WORDS[words[0]]
    if len(words) == 1 and words[0] in ALONE_WORDS:
        return ALONE_WORDS[words[0]]
    kinds = {ANYWHERE_WORDS[w] for w in words if w in ANYWHERE_WORDS}
    if Kind.STOP in kinds:
        return Kind.UNKNOWN if kinds & {Kind.YES, Kind.DONE, Kind.DROP} else Kind.STOP
    if len(kinds) == 1:
        return kinds.pop()
    if not kinds and any(w in WEAK_WORDS for w in words):
        return Kind.HELP
    return Kind.UNKNOWN
