"""Live updates: an open timeline page asks, every `LIVE_POLL_SECONDS`, whether there is news.

The page carries the data version it was built from (`region`: the index's own, so a
page from the page cache carries the version it was built under) and asks
`/live/?<its filters>&v=<number>&t=<when it was built, Unix seconds>` with `If-None-Match`
set to the ETag of its last answer (at first the page's own: the version's token). The ETag is
the current data version's token, so:

- nothing changed since that answer: 304, after one query (`DataVersion.read`); no form, no
  index, no page is built;
- a change: 200 with the banner (`timeline/_live.html`): how many published events matching the
  page's filters (through `EventFilterForm`, so every filter counts, one added later too) are
  new, corrected or otherwise changed since the page's version, from the change log (`Change`),
  and how many it showed are withdrawn (no longer published). New means not published when the
  page was built (the event's history says so); corrected, a public correction made since;
  withdrawn, published then and not now (an event loaded by a fixture, which has no history
  before its first change, counts as shown then: a fixture publishes only sourced events).
  A bulk change, a log pruned past the page's version or another history is "bijgewerkt"
  without a count.

A bad `v` or `t`, or a wrong machine parameter, is a 400. `UnchangedPollMiddleware`, near the
top of the stack, answers the 304s before sessions, CSRF and the rest run (a third of the
cost of a poll that went through them all).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from timeline.decorators import public_read
from timeline.models import Change, Correction, DataVersion, Event
from timeline.query import sql
from timeline.query.forms import Criteria, EventFilterForm
from timeline.query.http import MAX_QUERY_STRING, limit_query_length, text_errors
from timeline.query.params import to_query

# Beyond any version or Unix second a page can carry (and in `fromtimestamp`'s range).
MAX_NUMBER = 2**62
MAX_SECONDS = 2**35


_first_shown: dict[str, int] = {}


@dataclass(frozen=True)
class Tally:
    """What changed since a page's version, among the events its filters select."""

    new: int = 0
    corrected: int = 0
    changed: int = 0
    withdrawn: int = 0
    everything: bool = False  # a bulk change or another history: no count

    def __bool__(self) -> bool:
        return bool(self.new or self.corrected or self.changed or self.withdrawn or self.everything)


def etag(token: str) -> str:
    return f'"{token}"'


def region(page: str, params: list[tuple[str, str]], state: tuple[str, int] | None) -> dict:
    """What the live region of a page needs: the page's own address (`view_path`), the poll for
    its filters (`filter_params`, a timeline's own included) and the data version it shows."""
    token, number = state or ("", 0)
    # When this process first showed this version: every page of one version is then the same,
    # byte for byte (a cache or a compressed copy of it too). A page shows the newest version,
    # so anything committed after that moment is in a later one.
    at = _first_shown.setdefault(token, int(timezone.now().timestamp()))
    while len(_first_shown) > 16:
        _first_shown.pop(next(iter(_first_shown)), None)
    return {
        "page": page,
        "url": reverse("live") + to_query([*params, ("v", str(number)), ("t", str(at))]),
        "etag": etag(token),
        "seconds": settings.LIVE_POLL_SECONDS,
    }


def since(criteria: Criteria, seen: int, at: dt.datetime, now: int) -> Tally:
    """The published events these criteria select that changed after version `seen` (a page
    built at `at`), up to version `now`."""
    if now == seen:
        return Tally()
    if now < seen:
        return Tally(everything=True)
    rows = list(
        Change.objects.filter(number__gt=seen, number__lte=now).values_list("number", "kind", "event_id")
    )
    # Every version has at least one row: one missing was pruned.
    if len({number for number, _kind, _pk in rows}) < now - seen or any(
        kind == Change.Kind.ALL for _n, kind, _pk in rows
    ):
        return Tally(everything=True)
    touched = {pk for _n, kind, pk in rows if kind == Change.Kind.EVENT}
    if not touched:
        return Tally()
    selected = sql.apply(criteria, Event.objects.filter(pk__in=touched))
    matching, unpublished = {}, {}
    for pk, created, published in selected.values_list("pk", "created", "published"):
        (matching if published else unpublished)[pk] = created
    corrected = set(
        Correction.objects.filter(event__in=matching, made__gt=at).values_list("event_id", flat=True)
    )
    # Whether each was published when the page was built: its last history record by then.
    published_then = {}
    records = (
        Event.history.filter(id__in=[*matching, *unpublished], history_date__lte=at)
        .order_by("id", "history_date", "history_id")
        .values_list("id", "published")
    )
    for pk, published in records:
        published_then[pk] = published
    # An event without a record by then (a fixture's) was there as it is.
    new = {pk for pk, created in matching.items() if created > at or published_then.get(pk) is False}
    withdrawn = [pk for pk, created in unpublished.items() if created <= at and published_then.get(pk, True)]
    return Tally(
        new=len(new),
        corrected=len(corrected - new),
        changed=len(set(matching) - new - corrected),
        withdrawn=len(withdrawn),
    )


def _number(value: str | None, limit: int) -> int | None:
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if number < limit else None


def _version_seen(request: HttpRequest) -> tuple[int, int] | None:
    """The poll's `v` and `t`, or None when either is not a number it could carry."""
    seen = _number(request.GET.get("v"), MAX_NUMBER)
    seconds = _number(request.GET.get("t"), MAX_SECONDS)
    return None if seen is None or seconds is None else (seen, seconds)


def _answered(response: HttpResponse, tag: str) -> HttpResponse:
    response["ETag"] = tag
    # Always asked again; the answer is the same for everyone (no cookie is read).
    patch_cache_control(response, no_cache=True, max_age=0)
    return response


def unchanged(request: HttpRequest) -> HttpResponse | None:
    """The 304 for a well-formed poll whose `If-None-Match` is the current version; else None."""
    if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING or _version_seen(request) is None:
        return None
    tag = etag((DataVersion.read() or ("", 0))[0])
    if tag in (t.strip() for t in request.headers.get("If-None-Match", "").split(",")):
        return _answered(HttpResponse(status=304), tag)
    return None


class UnchangedPollMiddleware:
    """Answers a poll of an up-to-date page before the rest of the stack (sessions, language,
    CSRF, authentication, …) runs: the 304 is the data-version read and little else. Anything
    else about a poll (a change, a bad parameter) is the view's (`poll`)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.paths: set[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.paths is None:  # the URLconf is loaded by the first request
            self.paths = set()
            for code, _name in settings.LANGUAGES:
                with translation.override(code):
                    self.paths.add(reverse("live"))
        if request.method in ("GET", "HEAD") and request.path_info in self.paths:
            if (response := unchanged(request)) is not None:
                return response
        return self.get_response(request)


@public_read
@limit_query_length(text_errors)
def poll(request: HttpRequest) -> HttpResponse:
    if (response := unchanged(request)) is not None:  # without the middleware
        return response
    version = _version_seen(request)
    if version is None:
        return HttpResponseBadRequest(_("Ongeldige versie."), content_type="text/plain; charset=utf-8")
    seen, seconds = version
    token, now = DataVersion.read() or ("", 0)
    form = EventFilterForm(request.GET)
    if form.machine_errors:
        return text_errors(request, {k: list(v) for k, v in form.machine_errors.items()})
    at = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    tally = since(form.criteria, seen, at, now)
    return _answered(render(request, "timeline/_live.html", {"tally": tally}), etag(token))
