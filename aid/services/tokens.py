"""Private tracking links: 256-bit random tokens of which only a hash is stored."""
import hashlib
import secrets


def new_token():
    """Return (token for the link, hash to store)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()
