"""One-time links that make someone a coordinator of a union or a region."""
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from aid.extensions import db
from aid.models import Coordinator, Invitation, Union
from aid.services import ServiceError
from aid.services.tokens import hash_token, new_token

INVITATION_DAYS = 7


class InvitationError(ServiceError):
    """Why an invitation link cannot be used: unknown, used, expired, or already (a coordinator)."""

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason


def invite(scope, creator, now):
    """A one-time link's token for becoming a coordinator of `scope` (a Union or a Region)."""
    token, digest = new_token()
    invitation = Invitation(token_hash=digest, created_by_id=creator.id if creator else None,
                            created_at=now, expires_at=now + timedelta(days=INVITATION_DAYS))
    invitation.union, invitation.region = (scope, None) if isinstance(scope, Union) else (None, scope)
    db.session.add(invitation)
    db.session.flush()
    return token, invitation


def open_invitation(token, now):
    """The unused, unexpired invitation behind a link, or an InvitationError saying why not."""
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if invitation is None:
        raise InvitationError("unknown", _l("This invitation link is not valid. Check that you copied all of it, or ask for a new one."))
    if invitation.used_at is not None:
        raise InvitationError("used", _l("This invitation has already been used. Each link works once: ask for a new one."))
    if invitation.expires_at <= now:
        raise InvitationError("expired", _l("This invitation has expired. Ask whoever sent it for a new link."))
    return invitation


def already_coordinates(user, invitation):
    return any(c.union_id == invitation.union_id and c.region_id == invitation.region_id for c in user.coordinator_of)


def accept(token, user, now):
    """Make the user a coordinator of the invitation's union or region; returns the invitation.

    The claim is a conditional UPDATE (still unused and unexpired) whose row count says who
    won, so two tabs or two people accepting at once cannot both use one link.
    """
    invitation = open_invitation(token, now)
    if already_coordinates(user, invitation):
        raise InvitationError("already", _l("You already coordinate %(name)s.", name=invitation.scope.name))
    claimed = db.session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None), Invitation.expires_at > now)
        .values(used_at=now, used_by_id=user.id).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise InvitationError("used", _l("This invitation has just been used. Each link works once: ask for a new one."))
    db.session.add(Coordinator(user=user, union_id=invitation.union_id, region_id=invitation.region_id))
    db.session.flush()
    return invitation
