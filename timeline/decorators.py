"""Policy shared by the public views, as decorators."""

from __future__ import annotations

import functools

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

READ_METHODS = ["GET", "HEAD", "OPTIONS"]


def public_read(view):
    """A public URL reads: GET, and HEAD wherever GET is (monitors and link checkers use it),
    OPTIONS saying so; anything else is a 405 naming these."""

    @require_http_methods(READ_METHODS)
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse()
            response["Allow"] = ", ".join(READ_METHODS)
            return response
        return view(request, *args, **kwargs)

    return wrapper
