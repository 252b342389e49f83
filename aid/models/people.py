"""Users, their volunteer profiles, skills, and coordinator rights."""
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aid.extensions import db

if TYPE_CHECKING:
    from aid.models.groups import Region, Union


def utcnow():
    return datetime.now(UTC).replace(tzinfo=None)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    # Bumped on logout and password change: every older session stops working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    volunteer: Mapped["Volunteer | None"] = relationship(back_populates="user", uselist=False)
    coordinator_of: Mapped[list["Coordinator"]] = relationship(back_populates="user")

    def get_id(self):
        return f"{self.id}:{self.session_version}"

    @property
    def first_name(self):
        return self.name.split()[0] if self.name.strip() else self.name

    def coordinates(self, union_id):
        return any(c.union_id == union_id for c in self.coordinator_of)


volunteer_skills = db.Table(
    "volunteer_skills",
    sa.Column("volunteer_id", sa.ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("skill_id", sa.ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True),
)


class Skill(db.Model):
    """A skill in a tree: a volunteer with a child skill ("nurse") covers its parent ("first aid")."""

    __tablename__ = "skills"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("skills.id"))
    parent: Mapped["Skill | None"] = relationship(remote_side=[id])


class Volunteer(db.Model):
    __tablename__ = "volunteers"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    union_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unions.id"))
    lat: Mapped[float | None] = mapped_column(sa.Float)
    lon: Mapped[float | None] = mapped_column(sa.Float)
    base_label: Mapped[str] = mapped_column(sa.String(120), default="")
    max_km: Mapped[float] = mapped_column(sa.Float, default=5.0)
    on_duty: Mapped[bool] = mapped_column(default=False)
    capacity: Mapped[int] = mapped_column(default=2)  # tasks at the same time
    week_cap: Mapped[int] = mapped_column(default=5)  # tasks a week, against burnout
    languages: Mapped[str] = mapped_column(sa.String(60), default="en")  # comma-separated codes
    vetting: Mapped[int] = mapped_column(default=0)  # 0 none, 1 id checked, 2 background checked
    has_vehicle: Mapped[bool] = mapped_column(default=False)
    # The travel box (latitude/longitude bounds of max_km around the base), kept on save so
    # the candidate query is an indexed range scan. Longitude is scaled by cos(latitude).
    box_south: Mapped[float | None] = mapped_column(sa.Float)
    box_north: Mapped[float | None] = mapped_column(sa.Float)
    box_west: Mapped[float | None] = mapped_column(sa.Float)
    box_east: Mapped[float | None] = mapped_column(sa.Float)
    last_seen_at: Mapped[datetime | None] = mapped_column()
    # Availability, applied to on_duty by the sweep: off at on_duty_until; back on when a
    # snooze ends; or on exactly inside the weekly schedule, in the app's local time zone.
    on_duty_until: Mapped[datetime | None] = mapped_column()
    snoozed_until: Mapped[datetime | None] = mapped_column()
    schedule_days: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")  # "0,1,2" = Mon-Wed
    schedule_from: Mapped[int | None] = mapped_column()  # minutes after midnight
    schedule_to: Mapped[int | None] = mapped_column()
    # Quiet hours, local minutes after midnight (from > to wraps past midnight): offers and notices
    # wait until they end, except for the most urgent needs (aid.services.availability.quiet_until).
    quiet_from: Mapped[int | None] = mapped_column()
    quiet_to: Mapped[int | None] = mapped_column()
    # How to reach them, in order ("sms,email"); SMS only once the phone is confirmed by a texted code.
    channels: Mapped[str] = mapped_column(sa.String(20), default="email", server_default="email")
    phone: Mapped[str] = mapped_column(sa.String(32), default="", server_default="")  # E.164
    phone_verified_at: Mapped[datetime | None] = mapped_column()
    phone_code_hash: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    phone_code_expires_at: Mapped[datetime | None] = mapped_column()
    phone_code_attempts: Mapped[int] = mapped_column(default=0, server_default="0")

    user: Mapped[User] = relationship(back_populates="volunteer")
    union: Mapped["Union | None"] = relationship()
    skills: Mapped[list[Skill]] = relationship(secondary=volunteer_skills)

    __table_args__ = (
        # Covers the candidate query: the box range plus every column it reads (index-only scan).
        sa.Index("ix_volunteers_candidates", "on_duty", "box_south", "box_north", "box_west", "box_east",
                 "lat", "lon", "max_km", "capacity", "week_cap", "vetting", "has_vehicle", "languages"),
    )

    @property
    def channel_list(self):
        return [name for name in self.channels.split(",") if name]

    @property
    def language_list(self):
        return [code for code in self.languages.split(",") if code]


class Coordinator(db.Model):
    """Board rights over one union, or over every union of a region."""

    __tablename__ = "coordinators"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    union_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unions.id"))
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"))
    user: Mapped[User] = relationship(back_populates="coordinator_of")
    union: Mapped["Union | None"] = relationship()
    region: Mapped["Region | None"] = relationship()
    __table_args__ = (
        sa.UniqueConstraint("user_id", "union_id", "region_id"),
        sa.CheckConstraint("(union_id IS NULL) != (region_id IS NULL)", name="one_scope"),
    )
