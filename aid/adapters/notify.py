"""Sending notices: a registry of small senders chosen by config ("log" in the embedded set-up)."""
import logging
from dataclasses import dataclass

from flask import current_app

from aid import edge

log = logging.getLogger("aid.notify")


@dataclass(frozen=True)
class Notice:
    """Something to tell someone. Carries ids and a kind, never personal data."""

    kind: str  # "offer", "taken", ...
    user_id: int | None = None
    need_id: int | None = None
    match_id: int | None = None


class LogNotifier:
    """Writes notices to the log; volunteers see their offers in the app itself."""

    def send(self, notice):
        log.info("notice %s user=%s need=%s match=%s", notice.kind, notice.user_id, notice.need_id, notice.match_id)


NOTIFIERS = {"log": LogNotifier}


def notifier():
    app = current_app._get_current_object()
    if "aid_notifier" not in app.extensions:
        app.extensions["aid_notifier"] = NOTIFIERS[app.config["NOTIFIER"]]()
    return app.extensions["aid_notifier"]


def send_all(notices):
    """Send each notice; run after the commit that produced them (see aid/edge.py)."""
    for notice in notices:
        notifier().send(notice)


def after_commit(notices):
    """Send these notices once the current transaction commits."""
    if notices:
        edge.after_commit(send_all, list(notices))
