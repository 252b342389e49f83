"""Behind a reverse proxy: trust its X-Forwarded-* headers, as many hops as the settings say.

The client's address (rate limits, logs), the scheme (Secure cookies, links in messages) and
the host (webhook signatures) come from these headers only when PROXY_FIX_X_* says how many
proxies set them; with the defaults (0) nothing forwarded is believed.
"""
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app):
    """Wrap the WSGI app in Werkzeug's ProxyFix when any PROXY_FIX_X_* setting is above 0."""
    hops = app.config.get("PROXY_FIX") or {}
    if any(hops.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops.get("for", 0), x_proto=hops.get("proto", 0),
                                x_host=hops.get("host", 0), x_port=hops.get("port", 0),
                                x_prefix=hops.get("prefix", 0))
