"""The edge of a form post: run the service, then commit and say so, or roll back and say why."""
from flask import flash

from aid import edge
from aid.services import ServiceError


def attempt(action, done=None):
    """Run action(); commit (its after-commit work then runs) and flash `done`, or flash why not.

    A ServiceError rolls the whole change back, drops what it queued, and flashes its
    message. Returns whether the change was made.
    """
    try:
        action()
    except ServiceError as error:
        edge.rollback()
        flash(str(error), "error")
        return False
    edge.commit()
    if done:
        flash(done, "ok")
    return True
