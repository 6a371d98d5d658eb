from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "timeline"
    verbose_name = "Tijdlijn"

    def ready(self) -> None:
        from timeline import (
            cache,
            signals,  # noqa: F401  (connects the receivers)
        )

        cache.connect_signals()  # any change to what public pages show empties their cache
