from django.contrib import admin

from timeline.models import (
    Actor,
    Alias,
    Citation,
    Event,
    EventType,
    Participation,
    Source,
    Timeline,
)

admin.site.site_header = "Crisis Timeline — redactie"
admin.site.site_title = "Crisis Timeline"


@admin.register(Timeline)
class TimelineAdmin(admin.ModelAdmin):
    list_display = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}


class AliasInline(admin.TabularInline):
    model = Alias
    extra = 1


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "function", "affiliation"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases__name", "function"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["affiliation"]
    inlines = [AliasInline]


@admin.register(EventType)
class EventTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["title", "outlet", "published_on", "published_precision", "language"]
    list_filter = ["outlet", "language"]
    search_fields = ["title", "outlet", "text"]
    prepopulated_fields = {"slug": ["title"]}


class ParticipationInline(admin.TabularInline):
    model = Participation
    extra = 1
    autocomplete_fields = ["actor"]


class CitationInline(admin.StackedInline):
    model = Citation
    extra = 1
    autocomplete_fields = ["source"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "edtf", "part_of_day", "type", "status", "published"]
    list_filter = ["type", "status", "published", "timelines"]
    search_fields = ["title", "summary", "citations__quote", "participations__actor__name"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["start", "end"]
    inlines = [ParticipationInline, CitationInline]
    date_hierarchy = "start"


@admin.register(Participation)
class ParticipationAdmin(admin.ModelAdmin):
    list_display = ["event", "actor", "role"]
    list_filter = ["role"]
    autocomplete_fields = ["event", "actor"]
    search_fields = ["event__title", "actor__name"]


@admin.register(Citation)
class CitationAdmin(admin.ModelAdmin):
    list_display = ["event", "source", "quote"]
    autocomplete_fields = ["event", "source"]
    search_fields = ["quote", "event__title"]


@admin.register(Alias)
class AliasAdmin(admin.ModelAdmin):
    list_display = ["name", "actor", "language"]
    search_fields = ["name", "actor__name"]
    autocomplete_fields = ["actor"]
