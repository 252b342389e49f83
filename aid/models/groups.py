"""Unions (local groups with an area) and the regions that federate them."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aid.extensions import db


class Region(db.Model):
    """A federation of unions; its hub union is alerted when nobody nearby takes a need."""

    __tablename__ = "regions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    hub_union_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unions.id", use_alter=True))
    unions: Mapped[list["Union"]] = relationship(back_populates="region", foreign_keys="Union.region_id")
    hub: Mapped["Union | None"] = relationship(foreign_keys=[hub_union_id], post_update=True)


class Union(db.Model):
    __tablename__ = "unions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"))
    lat: Mapped[float] = mapped_column(sa.Float)
    lon: Mapped[float] = mapped_column(sa.Float)
    radius_km: Mapped[float] = mapped_column(sa.Float, default=10.0)
    # Optional GeoJSON Polygon/MultiPolygon; when set it is the area, else centre + radius.
    area_geojson: Mapped[str | None] = mapped_column(sa.Text)
    # The least urgent of this union's needs that may escalate beyond it ("low": all of them).
    escalate_from: Mapped[str] = mapped_column(sa.String(16), default="low", server_default="low")
    region: Mapped[Region | None] = relationship(back_populates="unions", foreign_keys=[region_id])
