from django.contrib import admin
from django.urls import path

from timeline import views

urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("events/<slug:slug>/", views.event_detail, name="event_detail"),
    path("actors/suggest/", views.actor_suggest, name="actor_suggest"),
    path("actors/<slug:slug>/", views.actor_detail, name="actor_detail"),
    path("api/events.json", views.api_events, name="api_events"),
    path("admin/", admin.site.urls),
]

handler404 = "timeline.views.page_not_found"
