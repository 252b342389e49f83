"""How many SMS segments a text costs (GSM-7 or UCS-2), and shortening one to fit."""
import re
import unicodedata

# GSM 03.38 default alphabet (the escape 0x1B left out: it is not a character one can send).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs two septets (escape + character), and the pair is never split.
GSM7_EXTENDED = frozenset("\f^{}\\[~]|€")
# (single-segment capacity, capacity of each part of a concatenated message), in units.
CAPACITY = {"GSM-7": (160, 153), "UCS-2": (70, 67)}
_PROTECTED = re.compile(r"(?:https?://|www\.)\S+|\d+", re.IGNORECASE)  # URLs, codes, phone numbers
_TRAILING = " \t\r\n.,;:-"


def encoding(text: str) -> str:
    """"GSM-7" when every character is in the basic or extension table, else "UCS-2".

    One character outside them (á, í, ó, ú, any Arabic letter, an emoji) makes the whole text UCS-2.
    """
    return "GSM-7" if all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text) else "UCS-2"


def _unit_sizes(text: str, enc: str) -> list[int]:
    """Units per character: septets (1, or 2 for the extension table) or UTF-16 code units (1, or 2 past U+FFFF)."""
    if enc == "GSM-7":
        return [2 if c in GSM7_EXTENDED else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def split(text: str) -> list[str]:
    """The segments `text` is sent as; "" is one (empty) segment.

    Up to 160 septets (GSM-7) or 70 UTF-16 units (UCS-2) is one segment. Longer, each part
    holds 153 or 67 (the rest is the concatenation header), filled greedily; a character never
    straddles two parts (neither an escape pair nor a surrogate pair is split), so a part may
    hold one unit less.
    """
    enc = encoding(text)
    single, part = CAPACITY[enc]
    sizes = _unit_sizes(text, enc)
    if sum(sizes) <= single:
        return [text]
    out, start, used = [], 0, 0
    for i, size in enumerate(sizes):
        if used + size > part:
            out.append(text[start:i])
            start, used = i, 0
        used += size
    out.append(text[start:])
    return out


def count(text: str) -> int:
    """The number of segments `text` costs (split's rules)."""
    return len(split(text))


def fit(text: str, max_segments: int) -> str:
    """`text` itself if it fits in `max_segments`, else its longest shortened form that does.

    A shortened text is a prefix with trailing spaces and . , ; : - removed, then an ellipsis:
    "..." when the prefix is GSM-7 (the one-character "…" is not in GSM-7 and would make the
    text UCS-2), "…" when it is UCS-2 anyway. The cut is the last that fits among, in order
    of preference: (1) before a space, outside any URL or number (an offer code, a phone
    number); (2) between any two characters outside a URL or number, not before a combining
    mark; (3) anywhere, only when nothing else fits. Raises ValueError if max_segments < 1.
    """
    if max_segments < 1:
        raise ValueError("max_segments must be at least 1")
    if count(text) <= max_segments:
        return text
    inside = _protected(text)
    # No prefix longer than this many characters fits, in either encoding.
    cuts = range(min(len(text) - 1, max_segments * CAPACITY["GSM-7"][0]), 0, -1)
    for ok in (lambda i: text[i].isspace(),  # a space is never inside a URL or number
               lambda i: i not in inside and not _is_mark(text[i]),
               lambda i: True):
        for i in cuts:
            if ok(i) and (short := _shorten(text, i)) and count(short) <= max_segments:
                return short
    return "..."


def _shorten(text: str, i: int) -> str:
    """text[:i] trimmed, with the ellipsis its encoding allows; "" when nothing is left."""
    head = text[:i].rstrip(_TRAILING)
    if not head:
        return ""
    return head + ("..." if encoding(head) == "GSM-7" else "\u2026")


def _protected(text: str) -> set[int]:
    """Cut positions inside a URL or number (between its first and last character)."""
    return {i for m in _PROTECTED.finditer(text) for i in range(m.start() + 1, m.end())}


def _is_mark(c: str) -> bool:
    """True for a combining mark, which belongs with the character before it."""
    return unicodedata.combining(c) > 0 or unicodedata.category(c) in ("Mn", "Me")
