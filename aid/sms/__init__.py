"""Pure text layer of two-way SMS: offer codes, reply commands, segments and feature-phone requests.

Like aid.matching, nothing here imports Flask, SQLAlchemy, rq or the network.
"""
from aid.sms.codes import allocate, is_valid, make_code  # noqa: F401
from aid.sms.intake import Draft, read_request  # noqa: F401
from aid.sms.reply import Command, parse  # noqa: F401
from aid.sms.resolve import Outcome, Resolution, resolve  # noqa: F401
from aid.sms.segments import count, fit, split  # noqa: F401
from aid.sms.words import Kind  # noqa: F401
