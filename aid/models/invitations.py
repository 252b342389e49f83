"""One-time links that make whoever accepts them a coordinator of a union or a region."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aid.extensions import db
from aid.models.groups import Region, Union
from aid.models.people import utcnow


class Invitation(db.Model):
    """Only the token's hash is stored: the link is shown once, to whoever created it."""

    __tablename__ = "invitations"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    union_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unions.id"))
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # None: made with the CLI
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    # Set once, by a conditional UPDATE: whoever's update changed the row is the one who used it.
    used_at: Mapped[datetime | None] = mapped_column()
    used_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    union: Mapped[Union | None] = relationship()
    region: Mapped[Region | None] = relationship()
    __table_args__ = (
        sa.CheckConstraint("(union_id IS NULL) != (region_id IS NULL)", name="one_scope"),
    )

    @property
    def scope(self):
        """The union or region this invitation grants."""
        return self.union or self.region
