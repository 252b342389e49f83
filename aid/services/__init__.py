"""Use cases. Services flush and never commit: the view or job that called them commits once."""


class ServiceError(Exception):
    """A refusal a person should read: the message is shown as it is."""
