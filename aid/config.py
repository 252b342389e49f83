"""Every setting, read from the environment in one place."""
import os
from datetime import timedelta


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Defaults for the embedded set-up; each can be overridden by an environment variable."""

    SECRET_KEY = os.environ.get("SECRET_KEY")  # None: a per-instance key is generated
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None: SQLite in instance/
    REDIS_URL = os.environ.get("REDIS_URL")  # None: in-process worker
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "aid")
    SWEEP_SECONDS = float(os.environ.get("SWEEP_SECONDS", "15"))
    GEOCODER = os.environ.get("GEOCODER", "gazetteer")  # gazetteer | nominatim
    NOMINATIM_USER_AGENT = os.environ.get("NOMINATIM_USER_AGENT", "mutual-aid-matcher")
    NOTIFIER = os.environ.get("NOTIFIER", "log")

    # Channels (aid/adapters/senders.py): each is on when its settings are set.
    SEND_TIMEOUT = float(os.environ.get("SEND_TIMEOUT", "10"))  # seconds, every SMTP/SMS/push connection
    # Email: smtp://user:pass@host:587 (STARTTLS when offered) or smtps://host:465 (TLS); no user, no login.
    SMTP_URL = os.environ.get("SMTP_URL", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "Mutual Aid <aid@localhost>")  # the From: of every email
    # SMS through a Twilio-compatible Messages API: the base URL, the account and its number.
    SMS_API_URL = os.environ.get("SMS_API_URL", "https://api.twilio.com")
    SMS_ACCOUNT_SID = os.environ.get("SMS_ACCOUNT_SID", "")
    SMS_AUTH_TOKEN = os.environ.get("SMS_AUTH_TOKEN", "")  # also checks X-Twilio-Signature on webhooks
    SMS_FROM = os.environ.get("SMS_FROM", "")  # the sending number, E.164
    # The address people reach this site at, e.g. https://aid.example.org: links in emails, and the
    # URL the SMS gateway signs its webhooks with (behind a proxy the request's own URL may differ).
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "")
    SMS_SIGNATURE = os.environ.get("SMS_SIGNATURE", "Mutual Aid")  # names the sender when no union does
    RATELIMIT_SMS_NUMBER = os.environ.get("RATELIMIT_SMS_NUMBER", "20 per minute; 200 per day")
    # A request texted to the number (aid/services/sms_intake.py): new needs a day per phone, and how
    # long a request texted without a place waits for the text that says where.
    SMS_INTAKE_PER_DAY = int(os.environ.get("SMS_INTAKE_PER_DAY", "5"))
    SMS_INTAKE_MINUTES = int(os.environ.get("SMS_INTAKE_MINUTES", "30"))
    SMS_STATUS_CALLBACK = os.environ.get("SMS_STATUS_CALLBACK", "")  # public URL of /sms/status; empty: none
    # Web push: `flask aid vapid-keys` prints a pair; the subject is a mailto: the push services can write to.
    VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY", "")
    VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY", "")  # the browser's applicationServerKey
    VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "mailto:aid@localhost")
    # Push endpoints must be https; http ones are taken only here (a local push service in tests).
    PUSH_HTTP_ENDPOINTS = os.environ.get("PUSH_HTTP_ENDPOINTS", "") == "1"

    # Target time from posting to the first accept, by urgency: cards turn amber at half of
    # it and red past it, and a need unclaimed past it escalates to neighbouring unions.
    ACCEPT_TARGET_MINUTES = {"critical": 15, "high": 60, "normal": 240, "low": 1440}
    # Board polls worked on at once in each web process; one more is told "nothing new" at once
    # (it keeps its token and catches up next time), so polls never take every thread from
    # people asking for help. Keep it under gunicorn's threads (WEB_THREADS, 8).
    BOARD_POLLS_AT_ONCE = int(os.environ.get("BOARD_POLLS_AT_ONCE", "4"))
    # How long a web process reuses the board's newest event before reading it again. In a surge
    # events come many a second: every poll would read a new one and draw the board again for it.
    # A coordinator sees a change this much later at most.
    BOARD_FRESH_SECONDS = float(os.environ.get("BOARD_FRESH_SECONDS", "1"))
    # A typed place found farther than this from every union's area is treated as not found.
    MAX_PLACE_KM = float(os.environ.get("MAX_PLACE_KM", "60"))
    NEIGHBOUR_KM = float(os.environ.get("NEIGHBOUR_KM", "25"))  # unions this close are neighbours
    # Map tiles for the board's map, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png; empty:
    # no tiles are fetched (offline) and the points show on a blank layer.
    TILE_URL = os.environ.get("TILE_URL", "")
    TILE_ATTRIBUTION = os.environ.get("TILE_ATTRIBUTION", "© OpenStreetMap contributors")
    TIMEZONE = os.environ.get("TIMEZONE", "Europe/London")  # for volunteers' weekly schedules
    EMERGENCY_NUMBER = os.environ.get("EMERGENCY_NUMBER", "112")  # shown on the most urgent requests
    PHONE_REGION = os.environ.get("PHONE_REGION", "GB")  # for numbers typed without +country
    # Closed needs keep contact and exact place this long before the purge erases them.
    REVEAL_GRACE_HOURS = int(os.environ.get("REVEAL_GRACE_HOURS", "24"))
    # Closed needs lose their contact, details and exact place after this many days.
    RETENTION_DAYS = int(os.environ.get("RETENTION_DAYS", "30"))

    # Sessions: short-lived, Secure where served over HTTPS, never sent cross-site.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SECURE_COOKIES", False)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # Send the session cookie only when it changed: a slow background GET (the service
    # worker's precache) must not overwrite a newer cookie, e.g. a language just chosen.
    SESSION_REFRESH_EACH_REQUEST = False
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    # Compress assets only: HTML carries the CSRF token beside reflected input (BREACH), and
    # is small. The ask-for-help page stays near 35 KB in all.
    COMPRESS_MIMETYPES = ["text/css", "text/javascript", "application/javascript", "application/json",
                          "image/svg+xml", "application/manifest+json"]
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead of a one-hour clock
    # Unset: Redis (REDIS_URL) when there is one, so every web process counts together; else memory.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI")
    # Redis down: count in this process's memory meanwhile, never fail a person's request for it.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    # Asking for help, by the form or the offline replay (aid/web/limits.py). Many people share
    # one address (a shelter's wifi, a carrier's), so valid needs only meet the address ceiling.
    RATELIMIT_ASK_ADDRESS = os.environ.get("RATELIMIT_ASK_ADDRESS", "60 per minute; 600 per hour")
    RATELIMIT_ASK_FAILURES = os.environ.get("RATELIMIT_ASK_FAILURES", "10 per minute; 60 per hour")
    RATELIMIT_ASK_REPEATS = os.environ.get("RATELIMIT_ASK_REPEATS", "5 per 10 minutes; 20 per day")
    RATELIMIT_ASK_CONTACT = os.environ.get("RATELIMIT_ASK_CONTACT", "20 per hour; 60 per day")
    # Behind a reverse proxy: how many proxies set each X-Forwarded-* header (Werkzeug's ProxyFix).
    # 0 (the default) trusts none: a client could otherwise claim any address and dodge the limits.
    PROXY_FIX = {part: int(os.environ.get(f"PROXY_FIX_X_{part.upper()}", "0"))
                 for part in ("for", "proto", "host", "port", "prefix")}
    # /metrics: open to this token (Authorization: Bearer …); unset, to loopback callers only.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
    BABEL_DEFAULT_LOCALE = "en"
    LANGUAGES = {"en": "English", "es": "Español", "ar": "العربية"}


class ConfigError(RuntimeError):
    """A setting the app cannot start without, with what to do about it."""


def settle(config):
    """Fill the settings that depend on others, and refuse to start without a shared secret key.

    Every web process on a shared database must sign sessions with the same key: a key
    generated per machine would log people out at random and break CSRF tokens.
    """
    url = config.get("SQLALCHEMY_DATABASE_URI") or ""
    if url and not url.startswith("sqlite") and not config.get("SECRET_KEY"):
        raise ConfigError("SECRET_KEY is not set. DATABASE_URL points at a shared database, so every web process "
                          "must sign sessions with the same key: set SECRET_KEY to a long random string, e.g. "
                          "python -c 'import secrets; print(secrets.token_hex(32))'")
    if not config.get("RATELIMIT_STORAGE_URI"):
        config["RATELIMIT_STORAGE_URI"] = config.get("REDIS_URL") or "memory://"
