"""Text as the SMS grammar reads it: folded words and digit runs, each tied to its place in the original."""
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Arabic letters written several ways in texts: alef wasla and the final forms below.
# (Alef with hamza or madda decomposes under NFKD, and its mark is dropped with the others.)
_ARABIC_FOLD = {"\u0671": "\u0627", "\u0649": "\u064a", "\u0629": "\u0647"}  # ٱ→ا, ى→ي, ة→ه


@dataclass(frozen=True, slots=True)
class Token:
    """A run of letters or of digits: its folded form and its span [start, end) in the original."""

    text: str
    start: int
    end: int

    @property
    def is_number(self) -> bool:
        return self.text.isdigit()


@lru_cache(maxsize=4096)
def fold_char(c: str) -> str:
    """One character as the grammar reads it; "" for a mark that only decorates a letter.

    Rules, in order: casefold; compatibility decomposition (NFKD: presentation forms and
    full-width letters become plain ones, accents and hamza become separate marks); every
    combining mark dropped (Latin accents, Arabic harakat, hamza, madda, superscript alef);
    tatweel (ـ) dropped; ٱ→ا, ى→ي, ة→ه; any decimal digit of any script (٠-٩, ۰-۹, full-width…)
    becomes its ASCII digit.
    """
    if c.isdecimal():
        return str(unicodedata.decimal(c))
    out = []
    for d in unicodedata.normalize("NFKD", c.casefold()):
        if unicodedata.combining(d) or unicodedata.category(d) == "Mn" or d == "\u0640":
            continue
        out.append(str(unicodedata.decimal(d)) if d.isdecimal() else _ARABIC_FOLD.get(d, d))
    return "".join(out)


def fold(text: str) -> str:
    """`text` with every character folded by fold_char."""
    return "".join(fold_char(c) for c in text)


def _kind(folded: str) -> str:
    """"d" for digits, "l" for letters, "" for a dropped mark (joins its neighbours), " " otherwise."""
    if not folded:
        return ""
    if folded.isdigit():
        return "d"
    return "l" if folded.isalpha() else " "


def tokens(text: str) -> list[Token]:
    """Runs of letters and runs of digits in `text`, folded; everything else separates them.

    A letter next to a digit also separates ("نعم٤٨٢٣" is two tokens). A dropped mark or a
    tatweel continues the run it sits in, and its span stays inside the token's span.
    """
    out: list[Token] = []
    run, kind, start = [], " ", 0
    for i, c in enumerate(text):
        f = fold_char(c)
        k = _kind(f)
        if k == "":
            continue
        if k != kind or k == " ":
            if kind != " " and run:
                out.append(Token("".join(run), start, i))
            run, kind, start = [], k, i
        if k != " ":
            run.append(f)
    if kind != " " and run:
        out.append(Token("".join(run), start, len(text)))
    return out


def words(text: str) -> list[str]:
    """The folded tokens of `text`, letters and digits alike."""
    return [t.text for t in tokens(text)]
