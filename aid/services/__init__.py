"""Use cases. Services flush and never commit: the view or job that called them commits once."""


class ServiceError(Exception):
    """A refusal a person should read: the message is shown as it is."""


class FieldError(ServiceError):
    """A refusal about one input, so a form can show it next to that field."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
