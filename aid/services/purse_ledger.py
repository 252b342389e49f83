"""Reading a purse: its entries and their trail for the page, and the CSV for the union's meetings.

Members read contributors' names only where the contributor chose to show them; coordinators
read every name. The CSV is the members' view, so it can be handed round at a meeting.
"""
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from aid.extensions import db
from aid.models import EntryKind, EntryState, PurseEntry, PurseEvent
from aid.services.exports import iso
from aid.services.purse_money import to_major

CSV_COLUMNS = ("id", "date", "kind", "state", "amount", "currency", "from", "for", "need", "asked_by",
               "approved_by", "reference", "paid_at")
PAGE = 100  # entries on the page, newest first; the CSV holds them all


@dataclass(frozen=True)
class Line:
    """An entry as one reader may see it: `contributor` is None where the name is hidden from them."""

    entry: PurseEntry
    contributor: str | None
    trail: tuple


def entries(purse, limit=None):
    """The purse's entries, newest first, with who asked and who approved loaded."""
    query = (sa.select(PurseEntry).where(PurseEntry.purse_id == purse.id)
             .options(selectinload(PurseEntry.created_by), selectinload(PurseEntry.approved_by),
                      selectinload(PurseEntry.need))
             .order_by(PurseEntry.id.desc()).limit(limit))
    return db.session.scalars(query).all()


def lines(purse, names=False, limit=PAGE):
    """The newest entries with their audit trail; contributors anonymised unless `names` (coordinators) or shown by choice."""
    found = entries(purse, limit)
    trails = _trails([e.id for e in found])
    return [Line(e, contributor(e, names), tuple(trails.get(e.id, ()))) for e in found]


def contributor(entry, names=False):
    """The contributor's name if this reader may see it, else None (read as "anonymous")."""
    if entry.kind != EntryKind.CONTRIBUTION or not entry.contributor:
        return None
    return entry.contributor if names or entry.name_shown else None


def totals(purse):
    """Money in, money out (approved or paid), what waits for approval (minor units), and how many entries."""
    sums = dict(((kind, state), (total, n)) for kind, state, total, n in db.session.execute(
        sa.select(PurseEntry.kind, PurseEntry.state, sa.func.sum(PurseEntry.amount), sa.func.count())
        .where(PurseEntry.purse_id == purse.id).group_by(PurseEntry.kind, PurseEntry.state)))

    def total(kind, *states):
        return sum(int(sums.get((kind, state), (0, 0))[0]) for state in states)

    return {"in": total(EntryKind.CONTRIBUTION, EntryState.RECORDED),
            "out": total(EntryKind.SPEND, EntryState.APPROVED, EntryState.PAID),
            "waiting": total(EntryKind.SPEND, EntryState.REQUESTED),
            "entries": sum(n for _total, n in sums.values())}


def table(purse):
    """The CSV rows: header, then one line per entry, oldest first; hidden contributors read "anonymous"."""
    rows = [CSV_COLUMNS]
    for e in reversed(entries(purse)):
        rows.append([e.id, e.dated.isoformat(), str(e.kind), str(e.state), str(to_major(e.amount, purse.currency)),
                     purse.currency, _from(e), e.what, e.need_id or "", e.created_by.first_name if e.kind ==
                     EntryKind.SPEND else "", e.approved_by.first_name if e.approved_by else "", e.reference,
                     iso(e.paid_at)])
    return rows


def _from(entry):
    if entry.kind != EntryKind.CONTRIBUTION:
        return ""
    return contributor(entry) or "anonymous"


def _trails(entry_ids):
    found = db.session.scalars(sa.select(PurseEvent).where(PurseEvent.entry_id.in_(entry_ids))
                               .options(selectinload(PurseEvent.user)).order_by(PurseEvent.id)).all()
    trails = {}
    for event in found:
        trails.setdefault(event.entry_id, []).append(event)
    return trails
