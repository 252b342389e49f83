"""What coordinators read of the outbox: who was told what, by which channel, and whether it arrived."""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from aid.adapters.channels import mask_address, mask_number
from aid.extensions import db
from aid.models import Need, OutboxMessage, OutboxState, User
from aid.services import texts
from aid.services.board import visible

PER_PAGE = 25
STATE_LABELS = {
    OutboxState.PENDING: _l("waiting"), OutboxState.SENDING: _l("sending"), OutboxState.SENT: _l("sent"),
    OutboxState.DELIVERED: _l("delivered"), OutboxState.FAILED: _l("failed"),
    OutboxState.UNSENT: _l("not sent: no channel"), OutboxState.SKIPPED: _l("not sent: no longer needed"),
}
CHANNEL_LABELS = {"sms": _l("by SMS"), "email": _l("by email"), "push": _l("by push"), "": _l("no channel")}


@dataclass(frozen=True)
class Line:
    """One row as the page shows it: the person's name (or a masked number), never a full address."""

    id: int
    at: datetime
    need_id: int | None
    who: str
    to: str
    channel: str
    state: str
    problem: str
    text: str
    ok: bool


def for_need(need):
    """Every message about this need, oldest first."""
    rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.need_id == need.id)
                              .order_by(OutboxMessage.id)).all()
    return _lines(rows)


def page(unions, number):
    """Newest first, PER_PAGE at a time, for the needs these unions see; (lines, has_more)."""
    query = (sa.select(OutboxMessage).join(Need, Need.id == OutboxMessage.need_id).where(visible(unions))
             .order_by(OutboxMessage.id.desc()).offset((number - 1) * PER_PAGE).limit(PER_PAGE + 1))
    rows = db.session.scalars(query).all()
    return _lines(rows[:PER_PAGE]), len(rows) > PER_PAGE


def _lines(rows):
    names = dict(db.session.execute(sa.select(User.id, User.name).where(
        User.id.in_({r.user_id for r in rows if r.user_id}))).all())
    return [Line(r.id, r.created_at, r.need_id, _who(r, names), _masked(r), str(CHANNEL_LABELS.get(r.channel, r.channel)),
                 str(STATE_LABELS[r.state]), r.error, texts.preview(r),
                 r.state in (OutboxState.SENT, OutboxState.DELIVERED)) for r in rows]


def _who(row, names):
    if row.audience == "requester":
        return str(_l("the requester"))
    return names.get(row.user_id) or mask_number(row.to)


def _masked(row):
    return mask_address(row.to) if "@" in row.to else mask_number(row.to)


def recent(limit):
    """The newest rows, for `flask aid outbox`."""
    return db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)).all()
