"""Shared things (One Cloak): what members and unions lend, when, and the bookings that hold them.

A thing is never booked twice: bookings of a thing are made one at a time under the thing's
row lock (PostgreSQL) or the write lock (SQLite's BEGIN IMMEDIATE), by a conditional update
of what is left; on PostgreSQL an exclusion constraint over (thing, time range) of the active
bookings of unique items backs it (see the migration, and aid/services/things_booking.py).
"""
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aid.extensions import db
from aid.models.enums import enum_column
from aid.models.people import utcnow


class ThingKind(StrEnum):
    BED_ROOM = "bed_room"
    VEHICLE = "vehicle"
    TOOL = "tool"
    FOOD = "food"
    OTHER = "other"

    @property
    def label(self):
        return KIND_LABELS[self]


KIND_LABELS = {ThingKind.BED_ROOM: _l("Bed or room"), ThingKind.VEHICLE: _l("Vehicle"),
               ThingKind.TOOL: _l("Tool or equipment"), ThingKind.FOOD: _l("Food"), ThingKind.OTHER: _l("Other")}


class Sharing(StrEnum):
    UNIQUE = "unique"  # one item: at most one booking at any moment
    POOL = "pool"  # `count` interchangeable items at any moment
    CONSUMABLE = "consumable"  # `remaining` of `count` units, gone once handed over

    @property
    def label(self):
        return SHARING_LABELS[self]


SHARING_LABELS = {Sharing.UNIQUE: _l("One item"), Sharing.POOL: _l("Several of the same"),
                  Sharing.CONSUMABLE: _l("Used up (food, supplies)")}


class BookingState(StrEnum):
    HELD = "held"  # offered to the owner, until held_until
    CONFIRMED = "confirmed"
    HANDED_OVER = "handed_over"
    RETURNED = "returned"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"

    @property
    def label(self):
        return BOOKING_LABELS[self]


BOOKING_LABELS = {BookingState.HELD: _l("waiting for the owner"), BookingState.CONFIRMED: _l("confirmed"),
                  BookingState.HANDED_OVER: _l("handed over"), BookingState.RETURNED: _l("returned"),
                  BookingState.CANCELLED: _l("cancelled"), BookingState.NO_SHOW: _l("nobody came")}
# A booking in one of these states holds its thing over its time range.
ACTIVE_BOOKING = frozenset({BookingState.HELD, BookingState.CONFIRMED, BookingState.HANDED_OVER})


class Thing(db.Model):
    """A bed, a vehicle, a tool, food: offered by a volunteer, or by a union (or its hub) when owner_id is None."""

    __tablename__ = "things"
    id: Mapped[int] = mapped_column(primary_key=True)
    union_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unions.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("volunteers.id"), index=True)
    kind = enum_column(ThingKind, nullable=False)
    title: Mapped[str] = mapped_column(sa.String(80))
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    # Exact point, and the public coarse cell computed once (as for needs).
    lat: Mapped[float] = mapped_column(sa.Float)
    lon: Mapped[float] = mapped_column(sa.Float)
    place_label: Mapped[str] = mapped_column(sa.String(120), default="")
    cell_lat: Mapped[float] = mapped_column(sa.Float)
    cell_lon: Mapped[float] = mapped_column(sa.Float)
    cell_km: Mapped[float] = mapped_column(sa.Float, default=2.0)
    sharing = enum_column(Sharing, nullable=False, default=Sharing.UNIQUE)
    count: Mapped[int] = mapped_column(default=1)  # items in the pool, or units of a consumable
    remaining: Mapped[int] = mapped_column(default=1)  # units of a consumable not yet booked
    best_before: Mapped[date | None] = mapped_column()
    vetted_only: Mapped[bool] = mapped_column(default=False)
    auto_confirm: Mapped[bool] = mapped_column(default=False)
    handover_notes: Mapped[str] = mapped_column(sa.String(500), default="")  # private: the booker and coordinators
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner = relationship("Volunteer")
    union = relationship("Union")
    windows: Mapped[list["ThingWindow"]] = relationship(
        back_populates="thing", order_by="ThingWindow.starts_at", cascade="all, delete-orphan")
    __table_args__ = (sa.CheckConstraint("remaining >= 0 AND remaining <= count", name="remaining_in_stock"),
                      sa.CheckConstraint("count >= 1", name="count_positive"))

    @property
    def owner_name(self):
        return self.owner.user.first_name if self.owner else (self.union.name if self.union else "")


class ThingWindow(db.Model):
    """When a thing may be booked; a thing with no window may be booked any time."""

    __tablename__ = "thing_windows"
    id: Mapped[int] = mapped_column(primary_key=True)
    thing_id: Mapped[int] = mapped_column(sa.ForeignKey("things.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    thing: Mapped[Thing] = relationship(back_populates="windows")
    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="window_forward"),)


class ThingSlot(db.Model):
    """A thing a need asks for: "a bed for 2 nights", "a van Saturday 10:00 to 14:00"."""

    __tablename__ = "thing_slots"
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    kind = enum_column(ThingKind, nullable=False)
    quantity: Mapped[int] = mapped_column(default=1)
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    need = relationship("Need")
    bookings: Mapped[list["Booking"]] = relationship(back_populates="slot", order_by="Booking.id")
    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="slot_forward"),)

    @property
    def booking(self):
        """The booking that holds this slot, if any."""
        return next((b for b in self.bookings if b.state in ACTIVE_BOOKING or b.state == BookingState.RETURNED), None)


class Booking(db.Model):
    """A thing held for a need's slot over [starts_at, ends_at)."""

    __tablename__ = "bookings"
    id: Mapped[int] = mapped_column(primary_key=True)
    thing_id: Mapped[int] = mapped_column(sa.ForeignKey("things.id", ondelete="CASCADE"), index=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[int] = mapped_column(sa.ForeignKey("thing_slots.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(default=1)
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    # Copied from the thing: the PostgreSQL exclusion constraint covers only unique items.
    unique_item: Mapped[bool] = mapped_column(default=False)
    state = enum_column(BookingState, nullable=False, default=BookingState.HELD, index=True)
    held_until: Mapped[datetime | None] = mapped_column()
    reasons: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    condition_note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column()
    handed_over_at: Mapped[datetime | None] = mapped_column()
    returned_at: Mapped[datetime | None] = mapped_column()

    thing: Mapped[Thing] = relationship()
    slot: Mapped[ThingSlot] = relationship(back_populates="bookings")
    need = relationship("Need")
    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="booking_forward"),
                      sa.CheckConstraint("quantity >= 1", name="booking_quantity"))

    @property
    def active(self):
        return self.state in ACTIVE_BOOKING
