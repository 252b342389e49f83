"""Unions (local groups with an area) and the regions that federate them."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aid.extensions import db


class Region(db.Model):
    __tablename__ = "regions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    unions: Mapped[list["Union"]] = relationship(back_populates="region")


class Union(db.Model):
    __tablename__ = "unions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"))
    lat: Mapped[float] = mapped_column(sa.Float)
    lon: Mapped[float] = mapped_column(sa.Float)
    radius_km: Mapped[float] = mapped_column(sa.Float, default=10.0)
    region: Mapped[Region | None] = relationship(back_populates="unions")
