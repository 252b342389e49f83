"""What every channel adapter shares: the rendered message, the receipt, the two failures, masking."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    """One rendered message for one person on one channel.

    `to` is an email address, an E.164 phone number, or a push subscription's JSON (as the
    browser's `JSON.stringify(subscription)` gives it). `url` is the one link the message is
    about: every channel carries it. `key` identifies the message across retries (the outbox
    row), `ref` is what the logs may name instead of the person (e.g. "outbox:42").
    """

    to: str
    text: str
    subject: str = ""
    html: str | None = None
    url: str | None = None
    ttl: int = 24 * 3600  # seconds a push may wait for an offline phone; never 0
    actions: tuple = ()  # push only: the notification's buttons, {action, title[, url]} each
    key: str | None = None
    ref: str = "-"

    def text_with_url(self):
        """The text, with the link added at the end when the text does not already carry it."""
        if not self.url or self.url in self.text:
            return self.text
        return f"{self.text}\n{self.url}"


@dataclass(frozen=True)
class Receipt:
    """What a channel said when it took the message: its id for it and its status."""

    channel: str
    provider_id: str | None
    status: str


class ChannelFailure(Exception):
    """The channel did not take the message; `code` is the provider's code, where it gave one."""

    def __init__(self, reason, code=None, retry_after=None):
        super().__init__(reason)
        self.code = code
        self.retry_after = retry_after  # seconds, when the provider said how long to wait


class TemporaryFailure(ChannelFailure):
    """Try the same channel again later, with backoff (no sooner than `retry_after`)."""


class PermanentFailure(ChannelFailure):
    """This channel will not reach this person: try their next channel."""


class SubscriptionGone(PermanentFailure):
    """The push subscription no longer exists (404/410): delete it."""


def mask_number(number):
    """+447700900123 -> +44•••••••123: enough to tell numbers apart in a log, not to call one."""
    number = number or ""
    if len(number) <= 6:
        return "•" * len(number)
    return number[:3] + "•" * (len(number) - 6) + number[-3:]


def mask_address(address):
    """sam@example.org -> s•••@example.org."""
    local, _, domain = (address or "").partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"
