from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import path

from timeline import exports, live, openapi, views

# Machine endpoints, the spreadsheet (which the admin imports) and the admin have one address
# whatever the reader's language.
urlpatterns = [
    path("api/events.json", views.api_events, name="api_events"),
    path("api/actors.json", exports.api_actors, name="api_actors"),
    path("api/openapi.json", openapi.openapi_json, name="api_openapi"),
    path("export/events.csv", exports.events_csv, name="export_events_csv"),
    path("admin/", admin.site.urls),
    path("lang/<str:code>/", views.set_language_get, name="set_language_get"),
]

# Pages for readers, and what carries labels in the reader's language (issue 7,
# timeline/exports.py): Dutch at /, English under /en/, so every view has its own URL.
urlpatterns += i18n_patterns(
    path("", views.event_list, name="event_list"),
    path("t/", views.timeline_list, name="timeline_list"),
    path("t/<slug:timeline>/", views.event_list, name="timeline_page"),
    path("events/<slug:slug>/", views.event_detail, name="event_detail"),
    path("actors/suggest/", views.actor_suggest, name="actor_suggest"),
    path("actors/<slug:slug>/", views.actor_detail, name="actor_detail"),
    path("live/", live.poll, name="live"),
    path("corrections/", views.correction_list, name="correction_list"),
    path("export/timelinejs.json", exports.timelinejs, name="export_timelinejs"),
    path("export/events.ics", exports.events_ics, name="export_events_ics"),
    path("export/events.geojson", exports.events_geojson, name="export_events_geojson"),
    path("feed/", exports.events_feed, name="events_feed"),
    path("embed/", exports.embed, name="embed"),
    prefix_default_language=False,
)

handler404 = "timeline.views.page_not_found"
