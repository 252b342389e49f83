"""Messages to people, stored with their cause and sent after the commit; SMS opt-outs and inbound texts."""
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aid.extensions import db
from aid.models.enums import enum_column
from aid.models.people import utcnow


class OutboxState(StrEnum):
    PENDING = "pending"  # waiting for its job (or for next_attempt_at after a temporary failure)
    SENDING = "sending"  # claimed by a job
    SENT = "sent"  # the channel took it
    DELIVERED = "delivered"  # the SMS gateway said it arrived
    FAILED = "failed"  # this channel will not reach the person (their next channel got a row of its own)
    UNSENT = "unsent"  # no channel configured or known for the person: kept for coordinators to read
    SKIPPED = "skipped"  # no longer made sense when its turn came (offer closed, number opted out)


class OutboxMessage(db.Model):
    """One message to one person on one channel. `key` is unique: a retried cause never adds a second row.

    `audience` says who the person is: a volunteer or coordinator (user_id), the need's requester,
    or a bare phone number (answers to texts). `to` is their address on `channel`, erased by the purge.
    """

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(160), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(24))
    audience: Mapped[str] = mapped_column(sa.String(12))
    channel: Mapped[str] = mapped_column(sa.String(8), default="")
    to: Mapped[str] = mapped_column(sa.String(254), default="")
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    need_id: Mapped[int | None] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    match_id: Mapped[int | None] = mapped_column(sa.ForeignKey("matches.id", ondelete="SET NULL"))
    code: Mapped[str] = mapped_column(sa.String(4), default="")  # the offer's reply code, on SMS
    args: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # ids and codes a text needs, no personal data
    locale: Mapped[str] = mapped_column(sa.String(8), default="en")
    state = enum_column(OutboxState, nullable=False, default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    claimed_at: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    provider_id: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    error: Mapped[str] = mapped_column(sa.String(200), default="")
    # Sent inside another row's digest (several offers to one person in one message): that row's id.
    digest_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox.id", ondelete="SET NULL"))

    need = relationship("Need")
    user = relationship("User")
    __table_args__ = (sa.Index("ix_outbox_state_next", "state", "next_attempt_at"),
                      sa.Index("ix_outbox_to_kind", "to", "kind"))


class SmsOptOut(db.Model):
    """A number that texted STOP: it gets nothing more until it texts START."""

    __tablename__ = "sms_opt_outs"
    phone: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundSms(db.Model):
    """An inbound text already handled, by the gateway's MessageSid: a retried webhook changes nothing."""

    __tablename__ = "sms_inbound"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class SmsIntake(db.Model):
    """A request texted without a place, waiting (until expires_at) for the text that says where.

    One row a phone: the conversation is claimed by deleting its row, so one need comes of it.
    """

    __tablename__ = "sms_intakes"
    phone: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(16))
    urgent: Mapped[bool] = mapped_column(default=False)
    lang: Mapped[str] = mapped_column(sa.String(8), default="en")
    text: Mapped[str] = mapped_column(sa.String(1600), default="")  # what they wrote, for the need's details
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
