"""What a poll of the board sends: only the cards that changed since the version the browser shows.

The browser holds a token: the newest event it has seen, the minute it was drawn, and the
version of every card it shows ("412.29433151.7-a1b2c3_9-0f0e0d"). An unchanged event and
minute answer 204 after one small query; otherwise the server compares the cards' versions
with the ones it has now and sends deletes and inserts (htmx out-of-band swaps) for the
cards that differ. Nothing is kept on the server between polls, so any web process answers.
"""
import re
from dataclasses import dataclass
from datetime import datetime

EPOCH = datetime(1970, 1, 1)
# Only characters a URL carries as they are: the token travels in every poll's query string,
# and servers refuse long request lines (gunicorn: 4,094 bytes), so a board shows at most
# 150 cards (board.MAX_PAGES) and its token stays under 3 KB, even with ten-digit ids.
TOKEN = re.compile(r"([0-9]{1,12})\.([0-9]{1,12})\.((?:[0-9]{1,10}-[0-9a-f]{6})(?:_[0-9]{1,10}-[0-9a-f]{6}){0,199})?")


@dataclass(frozen=True)
class Token:
    newest: int  # the newest event id the board was drawn at
    minute: int  # minutes since the epoch when it was drawn (lateness moves with time)
    cards: dict  # {need id: card version} of every card it shows

    def dump(self):
        cards = "_".join(f"{need_id}-{version}" for need_id, version in self.cards.items())
        return f"{self.newest}.{self.minute}.{cards}"

    @classmethod
    def load(cls, text):
        """The token a browser sent, or None if it is not one (then it gets the whole board again)."""
        found = TOKEN.fullmatch(text or "")
        if found is None:
            return None
        pairs = (pair.split("-") for pair in found.group(3).split("_")) if found.group(3) else ()
        return cls(int(found.group(1)), int(found.group(2)), {int(i): v for i, v in pairs})


def minute_of(now):
    """Whole minutes since the epoch of a naive UTC time."""
    return int((now - EPOCH).total_seconds() // 60)


def changes(before, columns, versions):
    """(ids to delete, [(id, column, anchor id or None)] to insert) to turn `before` into `columns`.

    `before` maps the cards the browser shows to their versions; `columns` is [(name, [ids])]
    in the order they must show; `versions` the cards' versions now. A card whose version
    differs, or that is no longer shown, is deleted; a card shown now with another version, or
    new, is inserted before the card that follows it. Inserts run from each column's end, so
    that following card is already in place (unchanged, or inserted just before); a card with
    nothing after it goes at the column's end. Unchanged cards keep their order, because their
    sort key (urgency, age) is part of their version.
    """
    gone = [need_id for need_id, version in before.items() if versions.get(need_id) != version]
    inserts = []
    for name, ids in columns:
        for i in reversed(range(len(ids))):
            if before.get(ids[i]) != versions[ids[i]]:
                inserts.append((ids[i], name, ids[i + 1] if i + 1 < len(ids) else None))
    return gone, inserts
