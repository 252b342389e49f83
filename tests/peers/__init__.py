"""Real local stand-ins for the outside world (an SMTP server, an SMS gateway, a push service)."""
import socket


def free_port():
    """A port nobody on 127.0.0.1 is listening on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
