"""A union's own places: landmarks, estates and blocks a coordinator pinned, in each language's spelling."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aid.extensions import db
from aid.models.groups import Union
from aid.models.people import utcnow


class UnionPlace(db.Model):
    """One pinned point ("the church hall"); the geocoder tries these names before any gazetteer."""

    __tablename__ = "union_places"
    id: Mapped[int] = mapped_column(primary_key=True)
    union_id: Mapped[int] = mapped_column(sa.ForeignKey("unions.id", ondelete="CASCADE"), index=True)
    lat: Mapped[float] = mapped_column(sa.Float)
    lon: Mapped[float] = mapped_column(sa.Float)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    union: Mapped[Union] = relationship()
    names: Mapped[list["UnionPlaceName"]] = relationship(back_populates="place", cascade="all, delete-orphan",
                                                         order_by="UnionPlaceName.id")

    @property
    def label(self):
        """The first spelling given: what the board and a need's place show."""
        return self.names[0].name if self.names else ""

    def spellings(self, language):
        return [n.name for n in self.names if n.language == language]


class UnionPlaceName(db.Model):
    """One spelling of a union place in one language; `key` is how typed text is compared with it."""

    __tablename__ = "union_place_names"
    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(sa.ForeignKey("union_places.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(sa.String(8))
    name: Mapped[str] = mapped_column(sa.String(80))
    key: Mapped[str] = mapped_column(sa.String(160), index=True)
    place: Mapped[UnionPlace] = relationship(back_populates="names")
