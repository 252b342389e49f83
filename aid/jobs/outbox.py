"""The outbox's job: send one stored message (its id only), safe to run twice or at once."""
import logging

from aid import edge
from aid.extensions import db
from aid.models import utcnow
from aid.services import delivery

log = logging.getLogger(__name__)


def deliver(row_id):
    """Claim the row, send it (to each device, for push) with no transaction open, record the outcome; a second run finds it claimed."""
    try:
        message = delivery.claim(row_id, utcnow())
        channel = message and db.session.get(delivery.OutboxMessage, row_id).channel
        addressed = message and delivery.copies(row_id, message)
        edge.commit()
    finally:
        db.session.remove()
    if message is None:
        return None
    devices = delivery.send_copies(addressed, channel)
    outcome = delivery.outcome_of(devices)
    try:
        delivery.record(row_id, outcome, utcnow(), devices)
        edge.commit()
    finally:
        db.session.remove()
    return type(outcome).__name__
