"""The audit trail: every state change of a need writes one event."""
from aid.extensions import db
from aid.models import Event
from aid.models.enums import AUDIT_ONLY


def last_state_event(need):
    """The newest event that changed or explained the need's state (audit-only lines skipped)."""
    return next((e for e in reversed(need.events) if e.kind not in AUDIT_ONLY), None)


def record(need, kind, detail="", user=None, actor=None, now=None):
    """Add an event (`kind` an EventKind) to a need's timeline; `actor` defaults to the user's name or "matcher"."""
    event = Event(
        need_id=need.id, union_id=need.union_id, kind=kind, detail=detail[:300],
        user_id=user.id if user else None,
        actor=actor or (user.name if user else "matcher"),
    )
    if now is not None:
        event.created_at = now
    db.session.add(event)
    return event
