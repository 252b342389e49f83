"""Needs, their slots, matches to volunteers, and the audit trail."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aid.extensions import db
from aid.matching.types import Reason
from aid.models.enums import (
    Category,
    LocationStatus,
    MatchState,
    NeedStatus,
    Urgency,
    enum_column,
)
from aid.models.people import Skill, Volunteer, utcnow


class Need(db.Model):
    __tablename__ = "needs"
    id: Mapped[int] = mapped_column(primary_key=True)
    union_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unions.id"), index=True)
    category = enum_column(Category, nullable=False)
    urgency = enum_column(Urgency, nullable=False, default=Urgency.NORMAL)
    status = enum_column(NeedStatus, nullable=False, default=NeedStatus.OPEN, index=True)
    details: Mapped[str] = mapped_column(sa.Text, default="")  # private
    # One line the requester agreed volunteers may read before accepting (no names, no address).
    summary: Mapped[str] = mapped_column(sa.String(140), default="")
    people: Mapped[int] = mapped_column(default=1)
    language: Mapped[str] = mapped_column(sa.String(8), default="en")
    language_required: Mapped[bool] = mapped_column(default=False)
    max_km: Mapped[float | None] = mapped_column(sa.Float)

    # Exact place and contact: private until a volunteer accepts.
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    lat: Mapped[float | None] = mapped_column(sa.Float)
    lon: Mapped[float | None] = mapped_column(sa.Float)
    location_status = enum_column(LocationStatus, nullable=False, default=LocationStatus.PENDING)
    # What the typed place was understood as, and whether the point is exact (a phone's
    # location, a map pin, "lat, lon") or only a town's centre.
    place_label: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    location_exact: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    contact_name: Mapped[str] = mapped_column(sa.String(80), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(32), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    sms_updates: Mapped[bool] = mapped_column(default=False, server_default=sa.false())  # "text me updates"
    on_site_name: Mapped[str] = mapped_column(sa.String(80), default="", server_default="")  # asked for someone else
    # Coarse public area: the centre of a fixed grid cell, computed once when located.
    cell_lat: Mapped[float | None] = mapped_column(sa.Float)
    cell_lon: Mapped[float | None] = mapped_column(sa.Float)
    cell_km: Mapped[float] = mapped_column(sa.Float, default=0.5, server_default="0.5")  # coarser where few live

    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    client_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    first_accepted_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    purged_at: Mapped[datetime | None] = mapped_column()  # contact and exact place erased
    # Set when we asked the requester "still needed?"; cleared when they answer.
    checkin_asked_at: Mapped[datetime | None] = mapped_column()
    escalation: Mapped[int] = mapped_column(default=0, server_default="0")  # 0 local, 1 neighbours, 2 hub

    slots: Mapped[list["Slot"]] = relationship(
        back_populates="need", order_by="Slot.position", cascade="all, delete-orphan")
    matches: Mapped[list["Match"]] = relationship(back_populates="need", order_by="Match.id")
    events: Mapped[list["Event"]] = relationship(order_by="Event.id")
    messages: Mapped[list["Message"]] = relationship(order_by="Message.id")
    union = relationship("Union")

    @property
    def located(self):
        return self.lat is not None and self.lon is not None

    @property
    def open_slots(self):
        return [s for s in self.slots if s.volunteer_id is None]


class Slot(db.Model):
    """One person a need asks for. Taken by a single conditional update of volunteer_id."""

    __tablename__ = "slots"
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    skill_id: Mapped[int | None] = mapped_column(sa.ForeignKey("skills.id"))
    volunteer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("volunteers.id"))

    need: Mapped[Need] = relationship(back_populates="slots")
    skill: Mapped[Skill | None] = relationship()
    volunteer: Mapped[Volunteer | None] = relationship()
    # A volunteer fills at most one slot of a need (NULLs are distinct on both databases).
    __table_args__ = (sa.UniqueConstraint("need_id", "volunteer_id", name="uq_slots_need_volunteer"),)


class Match(db.Model):
    """A volunteer paired with a slot of a need, with its state and the reasons for it."""

    __tablename__ = "matches"
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"))
    slot_id: Mapped[int] = mapped_column(sa.ForeignKey("slots.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("volunteers.id"))
    state = enum_column(MatchState, nullable=False, default=MatchState.OFFERED)
    score: Mapped[float] = mapped_column(sa.Float, default=0.0)
    distance_km: Mapped[float] = mapped_column(sa.Float, default=0.0)
    # Why this volunteer: [{"code": ..., **args}], see aid.matching.reasons (rendered per language).
    reasons: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    wave: Mapped[int] = mapped_column(default=1)
    offered_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    responded_at: Mapped[datetime | None] = mapped_column()
    eta: Mapped[str] = mapped_column(sa.String(40), default="")
    note: Mapped[str] = mapped_column(sa.String(200), default="")  # decline / give-back reason

    need: Mapped[Need] = relationship(back_populates="matches")
    slot: Mapped[Slot] = relationship()
    volunteer: Mapped[Volunteer] = relationship()
    __table_args__ = (
        # One match per volunteer per need: someone who declined is never asked again.
        sa.UniqueConstraint("need_id", "volunteer_id", name="uq_matches_need_volunteer"),
        sa.Index("ix_matches_volunteer_load", "volunteer_id", "state", "responded_at"),  # workload counts
    )

    @property
    def reason_list(self):
        """The stored reasons as the engine's Reason values."""
        return tuple(Reason.load(r) for r in self.reasons or ())


class Event(db.Model):
    """An audit line: who did what to which need, when."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    union_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unions.id"))
    actor: Mapped[str] = mapped_column(sa.String(80))  # "requester", "matcher", a user's name
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    detail: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (sa.Index("ix_events_union_id_id", "union_id", "id"),)


class PendingWork(db.Model):
    """Background work (locate and match a need) committed with the change that caused it,
    so Redis never holds it alone.

    Each row has one job id on the queue. The sweep puts a row back whenever its job is gone,
    counting an attempt (and writing enqueued_at) only for an enqueue that reached the queue;
    see aid/services/work.py.
    """

    __tablename__ = "pending_work"
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int | None] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column()
    done_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    need: Mapped[Need] = relationship()


class Escalation(db.Model):
    """A union a need was escalated to: level 1 a neighbour, level 2 the region's hub."""

    __tablename__ = "escalations"
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"))
    union_id: Mapped[int] = mapped_column(sa.ForeignKey("unions.id"), index=True)
    level: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (sa.UniqueConstraint("need_id", "union_id", name="uq_escalations_need_union"),)


class Message(db.Model):
    """A note between the requester and the volunteers helping (coordinators can read them)."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # None: the requester
    body: Mapped[str] = mapped_column(sa.String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    user = relationship("User")
