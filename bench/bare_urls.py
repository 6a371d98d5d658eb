"""The site's URLs plus a bare view, for bench/bench_timeline.py only (ROOT_URLCONF=bench.bare_urls).

The bare view goes through the whole middleware stack and renders nothing: the ceiling a
cached page is measured against.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from timeline.urls import handler404  # noqa: F401
from timeline.urls import urlpatterns as site_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("__bench__/bare/", bare), *site_urlpatterns]
