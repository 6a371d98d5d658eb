from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "timeline"
    verbose_name = "Tijdlijn"

    def ready(self) -> None:
        from timeline import signals  # noqa: F401  (connects the receivers)
        from timeline import cache

        cache.connect_signals()  # any change to what public pages show empties their cache
