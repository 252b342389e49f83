"""Private tracking links: 256-bit tokens of which only a hash is stored."""
import base64
import hashlib
import hmac
import secrets

from flask import current_app


def new_token(client_id=None):
    """Return (token for the link, hash to store).

    A need sent with a client-generated id (an offline replay) gets a token derived from
    that id with the app's secret, so sending the same need twice yields the same link.
    """
    if client_id:
        digest = hmac.new(current_app.config["SECRET_KEY"].encode(), b"need:" + client_id.encode(), "sha256")
        token = base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
    else:
        token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()
