"""htmx helpers: one URL answers with the page or its fragment, and navigation after a submit."""
import unicodedata
from urllib.parse import unquote, urlsplit

from flask import make_response, redirect, render_template, request
from flask_babel import get_locale
from werkzeug.urls import iri_to_uri


def wants_fragment():
    """An htmx request for part of a page (a boosted link or form wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


VARY = "HX-Request, HX-Boosted"


def render(page, fragment, status=200, **context):
    """The full page, or only its fragment for htmx; caches keep the two apart."""
    response = make_response(render_template(fragment if wants_fragment() else page, **context), status)
    response.headers["Vary"] = VARY
    return response


def go(url):
    """Navigate after a submit: 303 for a plain form, HX-Redirect for htmx (which ignores 3xx)."""
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 200)
        response.headers["HX-Redirect"] = iri_to_uri(url)  # headers are latin-1 on a real server, like Location
        return response
    return redirect(url, 303)


def local_target(target):
    """`target` if it is a path on this site (a `next` to go back to), else None.

    Browsers read `//host`, `/\\host`, `\\/host` and `/<tab>/host` as another site, drop tabs
    and newlines inside a URL, and some decode `%2F` or fold a full-width solidus: so the
    target must be a plain path, and stay one once percent-decoded and NFKC-folded.
    Control characters would also make Werkzeug raise on the Location header (a 500).
    """
    if not isinstance(target, str) or not 0 < len(target) <= 2000:
        return None
    for form in {target, unquote(target), unicodedata.normalize("NFKC", unquote(target))}:
        if not form.startswith("/") or form.startswith("//") or "\\" in form:
            return None
        if any(c.isspace() or unicodedata.category(c)[0] in "CZ" for c in form):
            return None
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return None
    return target


def unchanged(etag):
    """A 204 or 304 response when the client already has this version, else None.

    An htmx poll sends the version it shows as `?v=`: if it is current, 204 tells htmx
    not to swap at all, so nothing the person opened or typed in the fragment is reset.

    Polls send If-None-Match (the browser's cache does it for htmx); answering from a
    cheap version number skips rendering entirely when nothing changed. The page and its
    fragment carry different tags: a browser may keep one cache entry per URL, and a 304
    must never hand the full page to a poll (or the fragment to a reload).
    """
    if wants_fragment() and request.args.get("v") == etag:
        response = make_response("", 204)
        response.headers["Vary"] = VARY
        return response
    if _variant(etag) in request.if_none_match:
        response = make_response("", 304)
        response.set_etag(_variant(etag))
        response.headers["Vary"] = VARY
        return response
    return None


def tag(response, etag):
    """Mark a pollable response with its version; the browser must revalidate each time."""
    response.set_etag(_variant(etag))
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _variant(etag):
    """The page and its fragment, in each language, are different representations."""
    return f"{etag}-{get_locale()}-{'fragment' if wants_fragment() else 'page'}"
