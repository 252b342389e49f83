"""The common purse: a union's (or hub's) pooled fund, its ledger entries and their audit trail.

Money is an integer count of the currency's minor units (pence, cents; none for JPY, three for
KWD), never a float. The balance can never go below zero: every debit is one conditional
UPDATE (aid/services/purse.py), and a check constraint backs it.
"""
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aid.extensions import db
from aid.models.enums import enum_column
from aid.models.people import User, utcnow


class EntryKind(StrEnum):
    CONTRIBUTION = "contribution"
    SPEND = "spend"


class EntryState(StrEnum):
    """A contribution is `recorded`; spending goes requested → approved → paid, or refused / withdrawn."""

    RECORDED = "recorded"
    REQUESTED = "requested"
    APPROVED = "approved"
    PAID = "paid"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class Purse(db.Model):
    """One union's fund; the hub's purse is its hub union's. The currency is fixed when it is opened."""

    __tablename__ = "purses"
    id: Mapped[int] = mapped_column(primary_key=True)
    union_id: Mapped[int] = mapped_column(sa.ForeignKey("unions.id"), unique=True)
    currency: Mapped[str] = mapped_column(sa.String(3))  # ISO 4217
    balance: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # minor units
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    union = relationship("Union")
    __table_args__ = (sa.CheckConstraint("balance >= 0", name="balance_not_negative"),)


class PurseEntry(db.Model):
    """A line of the ledger: money in (a contribution) or money out (spending, jointly approved)."""

    __tablename__ = "purse_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    purse_id: Mapped[int] = mapped_column(sa.ForeignKey("purses.id"), index=True)
    kind = enum_column(EntryKind, nullable=False)
    state = enum_column(EntryState, nullable=False)
    amount: Mapped[int] = mapped_column(sa.BigInteger)  # minor units, always positive
    what: Mapped[str] = mapped_column(sa.String(140), default="")  # "prescription"
    need_id: Mapped[int | None] = mapped_column(sa.ForeignKey("needs.id", ondelete="SET NULL"))
    contributor: Mapped[str] = mapped_column(sa.String(80), default="")  # from whom (contributions)
    name_shown: Mapped[bool] = mapped_column(default=False)  # may members read the contributor's name?
    dated: Mapped[date] = mapped_column(sa.Date)  # when the money came in, or was asked for
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))  # recorded or requested it
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reference: Mapped[str] = mapped_column(sa.String(80), default="")  # of the payment made outside the app
    note: Mapped[str] = mapped_column(sa.String(200), default="")  # why refused or withdrawn
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column()
    paid_at: Mapped[datetime | None] = mapped_column()

    purse: Mapped[Purse] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    need = relationship("Need")
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        # Nobody spends alone: whoever asked for spending cannot be the one who approves it.
        sa.CheckConstraint("approved_by_id IS NULL OR approved_by_id <> created_by_id", name="second_approver"),
    )


class PurseEvent(db.Model):
    """An audit line of the purse: who did what to which entry, when. Names come from the user row,
    so a deleted account reads as deleted here too."""

    __tablename__ = "purse_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    purse_id: Mapped[int] = mapped_column(sa.ForeignKey("purses.id"), index=True)
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("purse_entries.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(20))  # an EntryState value, or "opened"
    detail: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    user: Mapped[User | None] = relationship()
