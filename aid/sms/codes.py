"""Offer codes: three digits and a Damm check digit, so any one-digit typo or swap is caught."""
import random

# Damm's totally anti-symmetric quasigroup of order 10, as published (H. M. Damm, 2004).
_TABLE = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
COUNT = 1000  # codes per phone: 000 to 999 with their check digit
_DIGITS = frozenset("0123456789")


def check_digit(digits: str) -> int:
    """Damm's interim digit of `digits` (ASCII): appended, it makes the whole string check to 0."""
    interim = 0
    for d in digits:
        interim = _TABLE[interim][int(d)]
    return interim


def make_code(n: int) -> str:
    """The code for n in 0..999: n as three digits (leading zeros kept) then its check digit."""
    if not 0 <= n < COUNT:
        raise ValueError(f"offer code numbers run from 0 to 999, not {n}")
    body = f"{n:03d}"
    return body + str(check_digit(body))


def is_valid(code: str) -> bool:
    """True for exactly four ASCII digits whose Damm check comes to 0; anything else is False.

    Callers turn Arabic-Indic digits into ASCII first (aid.sms.text does); this stays strict.
    """
    return len(code) == 4 and set(code) <= _DIGITS and check_digit(code) == 0


def allocate(taken: set[str], seed: int | str | None = None) -> str:
    """A code that is not among `taken`, the codes now open for this one phone.

    Codes are scoped per phone: two phones may hold the same code at once. The order tried is
    the thousand codes shuffled by random.Random(seed), so the same seed and the same taken set
    give the same code (tests pass a seed; production passes None). Because the check digit
    catches every one-digit typo and adjacent swap, a mistyped open code is never another valid
    code, so no extra spacing between open codes is needed. Raises LookupError when all 1000
    codes are taken.
    """
    order = list(range(COUNT))
    random.Random(seed).shuffle(order)
    for n in order:
        code = make_code(n)
        if code not in taken:
            return code
    raise LookupError("all 1000 offer codes are open for this phone")
