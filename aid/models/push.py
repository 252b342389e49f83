"""Web push subscriptions: one row a device (browser), found again by its endpoint."""
import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from aid.extensions import db
from aid.models.people import utcnow


class PushSubscription(db.Model):
    """What `pushManager.subscribe()` gave one browser: where to send (endpoint) and its keys.

    The endpoint names the device, so it is unique: the same phone subscribing again (or for
    another account) updates its row. A push service answering 404/410 deletes the row.
    """

    __tablename__ = "push_subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(sa.String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(sa.String(100))  # the browser's ECDH public key, base64url
    auth: Mapped[str] = mapped_column(sa.String(50))  # its auth secret, base64url
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()  # the last push the service took

    def info(self):
        """The subscription as the browser's `JSON.stringify(subscription)`, which the push adapter takes."""
        return json.dumps({"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}})
