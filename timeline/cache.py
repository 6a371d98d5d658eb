"""The public pages' cache: whole responses per URL, dropped at once when the data changes.

Every cache key includes the data version, read from the database on each request
(`DataVersion.current()`, which the timeline's index reads anyway). Once a transaction that
changed anything a public page shows has committed (an event, actor, alias, participation,
citation, source, type or timeline; fixture loads included, which send the same signals), the
change hub (`timeline.changes`) advances that version, so every page cached before is simply
never asked for again and ages out. That is one write per edit instead of tracking which of
thousands of filter URLs show what, and it holds in every process at once: a local-memory cache
per gunicorn worker is never stale, because what the key is made of lives in the shared
database, not in the cache. A page rendered while a change commits is stored under the version
read before it, which no later request asks for.

Only anonymous GETs with a 200 answer and no cookies are stored or served. A logged-in editor
always gets a fresh page marked `Cache-Control: private, no-store`, so nothing an editor sees can
reach a reader, nor an editor a stale page. The key also holds the host, the scheme, the active
language and the htmx headers the views choose their template by (the response says so in `Vary`
for caches further down the line).

A cache that is down costs speed, not pages: errors are logged and the view runs uncached.
"""

from __future__ import annotations

import functools
import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import (
    add_never_cache_headers,
    patch_cache_control,
    patch_vary_headers,
)

from timeline.models import DataVersion

logger = logging.getLogger(__name__)

# The request headers that decide which template (full page or which partial) is rendered.
VARY_HEADERS = ("HX-Request", "HX-Target", "HX-History-Restore-Request")
# Response headers worth keeping; the rest (Vary, CSP, security headers) are added on the way
# out again by the view's decorators (`cors` wraps the cache, so CORS is added to a hit too) and
# the middleware. The exports' own come with them.
KEPT_HEADERS = (
    "Content-Type",
    "Content-Language",
    "Content-Disposition",
    "X-Total-Count",
    "X-Export-Count",
)


def _key(request: HttpRequest, token: str) -> str:
    parts = [
        token,
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        translation.get_language() or "",
        *(request.headers.get(h, "") for h in VARY_HEADERS),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"public-page:{digest}"


def belongs_to_one_visitor(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether a response holds something of one visitor's: a CSRF token, the session, a
    cookie, an editor's page. Such a page is neither cached for others nor compressed
    (`timeline.middleware.PublicCompressionMiddleware`); every public page is both."""
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    return bool(
        # The CSRF and session cookies are set by middleware after the view: inside it the
        # request says a token was used, after it the response carries the cookie.
        request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or (session is not None and session.modified)
        or response.cookies
        or (user is not None and user.is_authenticated)
        or "no-store" in response.get("Cache-Control", "")
        or "private" in response.get("Cache-Control", "")
    )


def _cacheable(request: HttpRequest, response: HttpResponse) -> bool:
    return response.status_code == 200 and not belongs_to_one_visitor(request, response)


def _store(key: str, entry: tuple) -> None:
    try:
        cache.set(key, entry, settings.PAGE_CACHE_SECONDS)
    except Exception:
        logger.exception("Could not store a page in the cache")


def _stored_when_sent(chunks, key: str, status: int, headers: dict):
    sent = []
    for chunk in chunks:
        sent.append(chunk)
        yield chunk
    _store(key, (status, headers, b"".join(sent)))


def cache_public_page(view):
    """Serve a public GET view from the page cache for anonymous readers (see the module)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        if request.user.is_authenticated:
            response = view(request, *args, **kwargs)
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
            return response

        # Read before the view reads the data: see the module.
        key = _key(request, DataVersion.current() or "")
        try:
            hit = cache.get(key)
        except Exception:
            logger.exception("Page cache unavailable; serving uncached")
            hit = None
        if hit is not None:
            status, headers, content = hit
            response = HttpResponse(content, status=status)
            for name, value in headers.items():
                response[name] = value
            response["X-Cache"] = "hit"
        else:
            response = view(request, *args, **kwargs)
            if _cacheable(request, response):
                headers = {h: response[h] for h in KEPT_HEADERS if h in response}
                if response.streaming:
                    # Stored once the last chunk has gone out; a body cut short is not.
                    response.streaming_content = _stored_when_sent(
                        response.streaming_content, key, response.status_code, headers
                    )
                else:
                    _store(key, (response.status_code, headers, response.content))
            response["X-Cache"] = "miss"
        patch_vary_headers(response, VARY_HEADERS)
        # Browsers and proxies check back every time, so an edit shows at once everywhere.
        patch_cache_control(response, no_cache=True)
        return response

    return wrapper
