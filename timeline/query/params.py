"""The query string as (key, value) pairs, so that a link can change one filter and keep the
rest: the chips, the facet options, the overview bars, the next page and the exports."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from timeline.query.forms import EventFilterForm


def filter_params(request: HttpRequest) -> list[tuple[str, str]]:
    """The current filters as (key, value) pairs, without paging."""
    return [
        (key, value)
        for key in request.GET
        for value in request.GET.getlist(key)
        if key not in EventFilterForm.PAGING_FIELDS and value != ""
    ]


def to_query(params: list[tuple[str, str]]) -> str:
    """`?a=1&b=2`; a bare `?` when there is nothing, so that a link still drops every filter."""
    return "?" + urlencode(params) if params else "?"


def without(params: list[tuple[str, str]], key: str, value: str | None = None) -> list[tuple[str, str]]:
    """The pairs without this key (or only without this one value of it)."""
    return [(k, v) for k, v in params if not (k == key and (value is None or v == value))]


def view_path(request: HttpRequest) -> str:
    """This view's address as a reader would share it: the path and the filters that are set
    (a form sends its empty fields too; they change nothing and only lengthen the link)."""
    params = filter_params(request)
    return request.path + (to_query(params) if params else "")


def timeline_view(params: list[tuple[str, str]]) -> str:
    """The timeline page showing these filters: /t/<slug>/ for a `timeline` among them (a
    validated one), else `/`, with the other filters."""
    slugs = [value for key, value in params if key == "timeline"]
    path = reverse("timeline_page", args=[slugs[-1]]) if slugs else reverse("event_list")
    return path + to_query(without(params, "timeline")).rstrip("?")
