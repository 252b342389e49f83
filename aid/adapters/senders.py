"""The channels this instance sends on: a registry of adapters, each built from its own settings."""
from flask import current_app

from aid.adapters.email import SmtpEmail
from aid.adapters.push import WebPush
from aid.adapters.sms import TwilioSms

# A channel whose settings are missing is left out: the outbox tries a person's next channel.
CHANNELS = {"email": SmtpEmail, "sms": TwilioSms, "push": WebPush}


def configured(config):
    """{name: adapter} for every channel `config` (a mapping of settings) has what it needs for."""
    built = {name: adapter.from_config(config) for name, adapter in CHANNELS.items()}
    return {name: sender for name, sender in built.items() if sender is not None}


def channels():
    """The current app's channels, built once."""
    app = current_app._get_current_object()
    if "aid_channels" not in app.extensions:
        app.extensions["aid_channels"] = configured(app.config)
    return app.extensions["aid_channels"]
