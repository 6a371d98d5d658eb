"""The query string's cross-cutting policy, one decorator each:

- `limit_query_length`: a megabyte of query string is turned away before any work;
- `filtered`: the filter form, and what a wrong filter costs. The page and the embed drop a
  filter a journalist mistyped and say so inline (only a wrong machine parameter is a 400);
  the API answers any wrong filter with a JSON 400 and the exports with a plain-text 400, since
  a calendar or a feed reader would otherwise quietly subscribe to everything;
- `filtered` also takes the timeline from a page's path (/t/<slug>/; an unknown one is a 404)
  and sends a link with an actor's former slug on to its current one (301);
- `cors`: public, read-only data that never depends on cookies, so any site may fetch it
  (TimelineJS loads its JSON with fetch() from the page that embeds it);
- `public_data(policy)`: all of it for a machine endpoint of the filtered events (the API, the
  feed, every export).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from timeline.cache import cache_public_page
from timeline.decorators import public_read
from timeline.models import Actor, EventType, FormerSlug
from timeline.query.forms import EventFilterForm

# Room for a long (refused-inline) search, but a megabyte is turned away before any work.
MAX_QUERY_STRING = 16_384

Errors = dict[str, list[str]]


def page_errors(request: HttpRequest, errors: Errors) -> HttpResponse:
    # A reader sees each problem under the field's label ("Volgorde"), never a parameter's
    # name; a field without a label (the cursor) has a message that says it all.
    fields = EventFilterForm.base_fields
    named = {str(fields[k].label) if k in fields and fields[k].label else "": v for k, v in errors.items()}
    return render(request, "timeline/bad_request.html", {"errors": named}, status=400)


def json_errors(request: HttpRequest, errors: Errors) -> HttpResponse:
    return JsonResponse({"errors": errors}, status=400, json_dumps_params={"ensure_ascii": False})


def text_errors(request: HttpRequest, errors: Errors) -> HttpResponse:
    lines = [f"{field}: {message}" for field, messages in errors.items() for message in messages]
    text = _("Ongeldige filter:") + "\n" + "\n".join(lines) + "\n"
    return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")


@dataclass(frozen=True)
class ErrorPolicy:
    respond: Callable[[HttpRequest, Errors], HttpResponse]
    # Only errors in parameters no person types are fatal; the rest are shown with the page.
    inline: bool


PAGE = ErrorPolicy(page_errors, inline=True)
EMBED = ErrorPolicy(text_errors, inline=True)
API = ErrorPolicy(json_errors, inline=False)
EXPORT = ErrorPolicy(text_errors, inline=False)


def limit_query_length(respond: Callable[[HttpRequest, Errors], HttpResponse]):
    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING:
                return respond(request, {"query": [_("De zoekopdracht is te lang.")]})
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# The filters whose values are slugs a row may have changed (`FormerSlug`), with what a reader
# may find under them. A new slug filter (timelines) adds a line.
RENAMEABLE: dict[str, Callable[[], QuerySet]] = {
    "actor": lambda: Actor.objects.public(),
    "affiliation": lambda: Actor.objects.public(),
    "type": lambda: EventType.objects.all(),
}


def renamed_slugs(request: HttpRequest, form: EventFilterForm) -> HttpResponse | None:
    """A 301 to the same view with the current slugs, when a slug filter's value the form did
    not know is a slug that row once had: a shared link or embed keeps its filter."""
    keys = set(RENAMEABLE) & set(form.errors)
    if not keys:
        return None
    renamed: dict[tuple[str, str], str] = {}
    for key in keys:
        for slug in request.GET.getlist(key):
            if row := FormerSlug.now_called(RENAMEABLE[key](), slug):
                renamed[key, slug] = row.slug
    if not renamed:
        return None
    pairs = [
        (key, renamed.get((key, value), value)) for key in request.GET for value in request.GET.getlist(key)
    ]
    return HttpResponsePermanentRedirect(request.path + "?" + urlencode(pairs))


def filtered(policy: ErrorPolicy):
    """Call the view with the bound `EventFilterForm` as `form`, or answer its errors as the
    policy says (after the length guard); a former slug (actor, type) is sent on to the current one."""

    def decorator(view):
        @limit_query_length(policy.respond)
        @wraps(view)
        def wrapped(request: HttpRequest, *args, timeline: str | None = None, **kwargs) -> HttpResponse:
            data = request.GET
            if timeline is not None:  # /t/<slug>/: the timeline is the address, not a filter
                data = data.copy()
                data["timeline"] = timeline
            form = EventFilterForm(data)
            if timeline is not None and "timeline" in form.errors:
                raise Http404
            if moved := renamed_slugs(request, form):
                return moved
            errors = form.machine_errors if policy.inline else form.errors
            if errors:
                return policy.respond(request, {k: list(v) for k, v in errors.items()})
            return view(request, *args, form=form, **kwargs)

        return wrapped

    return decorator


def cors(view):
    """Let any site read this public machine endpoint."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapped


def public_data(policy: ErrorPolicy):
    """A public machine endpoint of the filtered events: read-only, readable from any site,
    cached, its wrong filters answered as the policy says."""

    def decorator(view):
        return cors(public_read(cache_public_page(filtered(policy)(view))))

    return decorator
