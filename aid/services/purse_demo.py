"""The demo's common purse: a second coordinator (spending needs two), a few contributions, one approved spend."""
from datetime import timedelta

import sqlalchemy as sa

from aid.extensions import db
from aid.models import Coordinator, User, utcnow
from aid.services import accounts
from aid.services import purse as ledger

CONTRIBUTIONS = [  # minor units, from whom, name shown to members, days ago
    (5000, "Lewes Quakers", True, 9), (2000, "A neighbour", False, 6), (1500, "Jumble sale", True, 2),
]


def seed(union, password):
    """Open the union's purse in pounds and fill it; returns the treasurer's login (role, email, about)."""
    requester = db.session.scalar(sa.select(User).where(User.email == "coordinator@example.org"))
    treasurer = accounts.register("Kofi Mensah", "treasurer@example.org", password)
    treasurer.coordinator_of.append(Coordinator(user=treasurer, union=union))
    now = utcnow()
    purse = ledger.open_purse(union, "GBP", requester, now - timedelta(days=10))
    for amount, name, shown, days in CONTRIBUTIONS:
        ledger.contribute(purse, amount, name, shown, (now - timedelta(days=days)).date(), requester, now)
    bought = ledger.request_spend(purse, 1240, "Prescription for a neighbour", None, requester, now)
    ledger.approve(bought, treasurer, now)
    ledger.request_spend(purse, 3600, "Bus passes for volunteers", None, requester, now)
    return ("coordinator", treasurer.email, "second coordinator: approves spending from the common purse")
